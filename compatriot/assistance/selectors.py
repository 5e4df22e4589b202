"""Scoped reads. An organisation sees the requests it entered (and, through them, the people it
may see under the people app's scope rules), the offers of its crisis (offers are published to
every coordinating organisation) and the allocations on its requests or its offers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypeVar, cast

from django.db import models, transaction
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import ASin, Coalesce, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils import timezone

from compatriot.assistance.convert import compatibility, engine_offer, engine_request
from compatriot.assistance.models import (
    Allocation,
    AssistanceRequest,
    MatchingRun,
    Offer,
    OfferStatus,
    RequestStatus,
)
from compatriot.assistance.schemas import BoardFilter
from compatriot.core.audit import audit_record
from compatriot.core.errors import NotFoundError
from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer
from compatriot.people.selectors import visible_persons

EARTH_KM = 6371.0088
M = TypeVar("M", bound=models.Model)


def visible_requests(viewer: Viewer) -> QuerySet[AssistanceRequest]:
    if viewer.organisation_id is None:
        return AssistanceRequest.objects.none()
    return AssistanceRequest.objects.filter(organisation_id=viewer.organisation_id)


def request_for_write(viewer: Viewer, *, request_id: uuid.UUID) -> AssistanceRequest:
    request = visible_requests(viewer).select_for_update().filter(id=request_id).first()
    if request is None:
        raise NotFoundError("No such request.", field="request_id")
    return request


def request_list(
    viewer: Viewer, *, crisis_id: uuid.UUID | None, status: str | None
) -> QuerySet[AssistanceRequest]:
    requests = visible_requests(viewer)
    if crisis_id:
        requests = requests.filter(crisis_id=crisis_id)
    if status:
        requests = requests.filter(status=status)
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.LIST,
            object_type="assistance_request",
            details={"crisis": str(crisis_id or ""), "status": status or ""},
        )
    return requests.order_by("created_at", "id")


def request_get(viewer: Viewer, *, request_id: uuid.UUID) -> AssistanceRequest:
    request = visible_requests(viewer).filter(id=request_id).first()
    if request is None:
        raise NotFoundError("No such request.", field="request_id")
    with transaction.atomic():
        audit_record(
            viewer, action=AuditAction.READ, object_type="assistance_request", object_id=request.id
        )
    return request


def offer_list(
    viewer: Viewer, *, crisis_id: uuid.UUID | None, mine: bool, status: str | None
) -> QuerySet[Offer]:
    if viewer.organisation_id is None:
        return Offer.objects.none()
    offers = Offer.objects.all()
    if mine:
        offers = offers.filter(organisation_id=viewer.organisation_id)
    if crisis_id:
        offers = offers.filter(crisis_id=crisis_id)
    if status:
        offers = offers.filter(status=status)
    return offers.order_by("created_at", "id")


def offer_get(viewer: Viewer, *, offer_id: uuid.UUID) -> Offer:
    offer = Offer.objects.filter(id=offer_id).first() if viewer.organisation_id else None
    if offer is None:
        raise NotFoundError("No such offer.", field="offer_id")
    return offer


def visible_allocations(viewer: Viewer) -> QuerySet[Allocation]:
    if viewer.organisation_id is None:
        return Allocation.objects.none()
    return Allocation.objects.filter(
        Q(request__organisation_id=viewer.organisation_id)
        | Q(offer__organisation_id=viewer.organisation_id)
    )


def allocation_list(
    viewer: Viewer, *, offer_id: uuid.UUID | None, status: str | None
) -> QuerySet[Allocation]:
    allocations = visible_allocations(viewer)
    if offer_id:
        allocations = allocations.filter(offer_id=offer_id)
    if status:
        allocations = allocations.filter(status=status)
    return allocations.order_by("created_at", "id")


def _within(rows: QuerySet[M], latitude: float, longitude: float, km: float) -> QuerySet[M]:
    """Rows whose (latitude, longitude) lie within `km` of the point (haversine, in SQL:
    Django gives SQLite the same math functions as PostgreSQL)."""
    lat0, lon0 = Value(latitude, FloatField()), Value(longitude, FloatField())
    half = Power(Sin((Radians(F("latitude")) - Radians(lat0)) / 2), 2) + Cos(Radians(lat0)) * Cos(
        Radians(F("latitude"))
    ) * Power(Sin((Radians(F("longitude")) - Radians(lon0)) / 2), 2)
    distance = 2 * EARTH_KM * ASin(Least(Sqrt(half), Value(1.0, FloatField())))
    box = km / 111.0 + 0.01
    found = (
        rows.filter(latitude__gte=latitude - box, latitude__lte=latitude + box)
        .annotate(distance_from_place=distance)
        .filter(distance_from_place__lte=km)
    )
    return cast("QuerySet[M]", found)


def request_board(viewer: Viewer, *, filters: BoardFilter) -> QuerySet[AssistanceRequest]:
    """The caller's organisation's requests for the matching board, filtered (audited)."""
    requests = visible_requests(viewer).annotate(
        effective_priority=Coalesce("priority_override", "derived_priority")
    )
    if filters.crisis:
        requests = requests.filter(crisis_id=filters.crisis)
    if filters.category:
        requests = requests.filter(category=filters.category)
    if filters.status:
        requests = requests.filter(status=filters.status)
    else:
        requests = requests.exclude(status__in=[RequestStatus.CLOSED, RequestStatus.CANCELLED])
    if filters.priority:
        requests = requests.filter(effective_priority=filters.priority)
    if filters.near_latitude is not None and filters.near_longitude is not None:
        requests = _within(
            requests, filters.near_latitude, filters.near_longitude, filters.within_km or 0
        )
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.LIST,
            object_type="assistance_request",
            details={
                "crisis": str(filters.crisis or ""),
                "category": filters.category or "",
                "status": filters.status or "",
                "priority": filters.priority or "",
                "place": filters.within_km is not None,
            },
        )
    return requests.order_by("-effective_priority", "created_at", "id")


def offer_board(viewer: Viewer, *, filters: BoardFilter) -> QuerySet[Offer]:
    """The offers of the crisis (published to every organisation), filtered."""
    if viewer.organisation_id is None:
        return Offer.objects.none()
    offers = Offer.objects.select_related("organisation")
    if filters.crisis:
        offers = offers.filter(crisis_id=filters.crisis)
    if filters.category:
        offers = offers.filter(category=filters.category)
    if filters.status:
        offers = offers.filter(status=filters.status)
    else:
        offers = offers.exclude(status=OfferStatus.WITHDRAWN)
    if filters.near_latitude is not None and filters.near_longitude is not None:
        offers = _within(
            offers, filters.near_latitude, filters.near_longitude, filters.within_km or 0
        )
    return offers.order_by("category", "created_at", "id")


def allocation_board(
    viewer: Viewer, *, crisis_id: uuid.UUID | None, statuses: list[str]
) -> QuerySet[Allocation]:
    """Allocations on the caller's requests or offers in these statuses, newest last. The
    request is joined for its size, category and priority; its person is not (see
    `request_person_names`)."""
    allocations = visible_allocations(viewer).filter(status__in=statuses)
    if crisis_id:
        allocations = allocations.filter(offer__crisis_id=crisis_id)
    return allocations.select_related("request", "offer", "offer__organisation").order_by(
        "created_at", "id"
    )


def allocation_get(viewer: Viewer, *, allocation_id: uuid.UUID) -> Allocation:
    allocation = (
        visible_allocations(viewer)
        .select_related("request", "offer", "offer__organisation")
        .filter(id=allocation_id)
        .first()
    )
    if allocation is None:
        raise NotFoundError("No such allocation.", field="allocation_id")
    return allocation


def request_person_names(
    viewer: Viewer, *, requests: list[AssistanceRequest]
) -> dict[uuid.UUID, str]:
    """The names of the people behind the caller's own requests, for those people the caller may
    still see under the people app's scope (a request of another organisation, or a person no
    longer shared, gets no name)."""
    own = [
        r.person_id for r in requests if r.person_id and r.organisation_id == viewer.organisation_id
    ]
    if not own:
        return {}
    persons = visible_persons(viewer).filter(id__in=own).only("id", "given_name", "family_name")
    names = {p.id: f"{p.given_name} {p.family_name}".strip() for p in persons}
    return {r.id: names[r.person_id] for r in requests if r.person_id in names}


def offer_allocations(viewer: Viewer, *, offer_id: uuid.UUID) -> QuerySet[Allocation]:
    """On the caller's own offer: every allocation; on another's: those on the caller's
    requests."""
    return (
        visible_allocations(viewer)
        .filter(offer_id=offer_id)
        .select_related("request")
        .order_by("created_at", "id")
    )


def request_allocations(viewer: Viewer, *, request_id: uuid.UUID) -> QuerySet[Allocation]:
    request = request_get(viewer, request_id=request_id)
    return (
        Allocation.objects.filter(request=request)
        .select_related("offer", "offer__organisation")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class Candidate:
    """An offer a request could be allocated to by hand, and what (if anything) stands in the
    way: a blocker code a coordinator may override, or `full` (never overridden)."""

    offer: Offer
    blocker: str | None
    distance_km: float | None


def offer_candidates(
    viewer: Viewer, *, request: AssistanceRequest, limit: int = 50
) -> list[Candidate]:
    """Active, unexpired offers of the request's crisis and category: compatible ones first
    (nearest first), then the others with their blocker."""
    if viewer.organisation_id is None:
        return []
    now = timezone.now()
    offers = (
        Offer.objects.select_related("organisation")
        .filter(crisis_id=request.crisis_id, category=request.category, status=OfferStatus.ACTIVE)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )
    wanted = engine_request(request)
    found = []
    for offer in offers[:500]:
        blocker, km = compatibility(wanted, engine_offer(offer))
        if offer.free < request.people:
            blocker = "full"
        found.append(Candidate(offer, blocker, km))
    found.sort(key=lambda c: (c.blocker is not None, c.distance_km or 0.0, str(c.offer.id)))
    return found[:limit]


def matching_run_list(
    viewer: Viewer, *, crisis_id: uuid.UUID | None = None
) -> QuerySet[MatchingRun]:
    """The runs of the caller's organisation (runs show what it asked for, nothing of others)."""
    if viewer.organisation_id is None:
        return MatchingRun.objects.none()
    runs = MatchingRun.objects.filter(organisation_id=viewer.organisation_id)
    if crisis_id is not None:
        runs = runs.filter(crisis_id=crisis_id)
    return runs.order_by("-started_at", "id")


def matching_run_get(viewer: Viewer, *, run_id: uuid.UUID) -> MatchingRun:
    run = matching_run_list(viewer).filter(id=run_id).first()
    if run is None:
        raise NotFoundError("No such matching run.", field="run_id")
    return run


def matching_run_latest(viewer: Viewer, *, crisis_id: uuid.UUID) -> MatchingRun | None:
    return matching_run_list(viewer, crisis_id=crisis_id).first()
