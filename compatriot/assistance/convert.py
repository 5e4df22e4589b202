"""Between the stored records and the engine's plain data."""

from __future__ import annotations

from compatriot.assistance.engine import Offer as EngineOffer
from compatriot.assistance.engine import Request as EngineRequest
from compatriot.assistance.engine.compat import compatible_edges
from compatriot.assistance.models import AssistanceRequest, Offer


def engine_request(request: AssistanceRequest) -> EngineRequest:
    return EngineRequest(
        id=str(request.id),
        category=request.category,
        people=request.people,
        lat=request.latitude,
        lon=request.longitude,
        languages=frozenset(request.languages),
        earliest=request.earliest,
        latest=request.latest,
        priority=request.priority,
        requires=frozenset(request.requirements),
        dest_lat=request.destination_latitude,
        dest_lon=request.destination_longitude,
    )


def engine_offer(offer: Offer, *, free: int | None = None) -> EngineOffer:
    return EngineOffer(
        id=str(offer.id),
        category=offer.category,
        capacity=offer.capacity if free is None else free,
        lat=offer.latitude,
        lon=offer.longitude,
        radius_km=offer.radius_km,
        languages=frozenset(offer.languages),
        available_from=offer.available_from,
        available_until=offer.available_until,
        tags=frozenset(offer.tags),
        dest_lat=offer.destination_latitude,
        dest_lon=offer.destination_longitude,
    )


def compatibility(request: EngineRequest, offer: EngineOffer) -> tuple[str | None, float | None]:
    """(what blocks the pair or None, distance in km when in range) under the hard constraints
    other than the free capacity (the caller checks it under the offer's lock)."""
    edges = compatible_edges([request], [offer], [10**9], category=request.category)
    if len(edges.request):
        return None, round(float(edges.km[0]), 3)
    return edges.blocker[0], None
