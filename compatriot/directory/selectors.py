"""Scoped reads of diaspora profiles and the service directory, and the radius search.

Profiles are visible to partner organisations (any caller acting for an organisation); the
public sees only published profiles, and of their contact details only the fields the owner
published (`public_profile`). Services are public information.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from compatriot.core.errors import NotFoundError, PermissionDeniedError
from compatriot.core.viewer import Viewer
from compatriot.directory.geo import haversine_km, window
from compatriot.directory.models import (
    CONTACT_FIELDS,
    Capacity,
    DiasporaProfile,
    Location,
    Service,
    ServiceAtLocation,
    ServiceStatus,
)
from compatriot.directory.schemas import NearQuery, ProfileFilter


def _require_partner(viewer: Viewer) -> None:
    if viewer.organisation_id is None and not viewer.is_platform_admin:
        raise PermissionDeniedError("Profiles are shown to partner organisations only.")


def profiles(viewer: Viewer) -> QuerySet[DiasporaProfile]:
    _require_partner(viewer)
    return DiasporaProfile.objects.prefetch_related("capacities")


def profile_list(viewer: Viewer, *, filters: ProfileFilter) -> QuerySet[DiasporaProfile]:
    found = profiles(viewer)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.country:
        found = found.filter(country=filters.country)
    if filters.origin_country:
        found = found.filter(origin_country=filters.origin_country)
    if filters.is_stale is not None:
        found = found.filter(is_stale=filters.is_stale)
    if filters.verified is not None:
        found = found.filter(verified_at__isnull=not filters.verified)
    if filters.mine:
        found = found.filter(owner_id=viewer.organisation_id)
    return found


def profile_get(viewer: Viewer, *, profile_id: uuid.UUID) -> DiasporaProfile:
    profile = profiles(viewer).filter(id=profile_id).first()
    if profile is None:
        raise NotFoundError("No such profile.")
    return profile


def public_profile(profile: DiasporaProfile) -> dict[str, Any]:
    """A published profile as the public may see it: only the contact fields its owner published."""
    published = set(profile.published_contact_fields)
    contacts = {name: getattr(profile, name) for name in CONTACT_FIELDS if name in published}
    return {
        "id": str(profile.id),
        "kind": profile.kind,
        "name": profile.name,
        "origin_country": profile.origin_country,
        "country": profile.country,
        "city": profile.city,
        "languages": profile.languages,
        "availability": profile.availability,
        "verified": profile.verified_at is not None,
        "last_confirmed_at": profile.last_confirmed_at.isoformat(),
        "capacities": sorted({c.kind for c in profile.capacities.all()}),
        "contacts": contacts,
    }


def published_profiles() -> QuerySet[DiasporaProfile]:
    """What the public may see: published by the owner and verified by a focal point."""
    return DiasporaProfile.objects.filter(
        is_published=True, verified_at__isnull=False
    ).prefetch_related("capacities")


def _feature(longitude: float, latitude: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
        "properties": properties,
    }


def public_geojson() -> dict[str, Any]:
    features = []
    links = (
        ServiceAtLocation.objects.filter(
            service__status=ServiceStatus.ACTIVE, location__latitude__isnull=False
        )
        .select_related("service__organization", "location")
        .order_by("service__name", "id")
    )
    for link in links:
        service, location = link.service, link.location
        features.append(_feature(location.longitude, location.latitude, {
            "layer": "service", "id": str(service.id), "name": service.name,
            "category": service.category, "organization": service.organization.name,
            "location": location.name, "city": location.city, "url": service.url,
            "serves_third_country_nationals": service.serves_third_country_nationals,
        }))  # fmt: skip
    features.extend(
        _feature(
            profile.longitude,
            profile.latitude,
            {"layer": "diaspora_profile", **public_profile(profile)},
        )
        for profile in published_profiles().filter(latitude__isnull=False).order_by("name", "id")
    )
    return {"type": "FeatureCollection", "features": features}


def services() -> QuerySet[Service]:
    return Service.objects.select_related("organization").prefetch_related(
        "languages",
        "phones",
        "required_documents",
        Prefetch(
            "at_locations",
            queryset=ServiceAtLocation.objects.select_related("location"),
        ),
    )


def service_get(*, service_id: uuid.UUID) -> Service:
    service = services().filter(id=service_id).first()
    if service is None:
        raise NotFoundError("No such service.")
    return service


# ---- Radius search


def _in_window(
    queryset: QuerySet[Any], latitude: float, longitude: float, radius_km: float
) -> QuerySet[Any]:
    box = window(latitude, longitude, radius_km)
    lon_clause = Q()
    for west, east in box.lon_ranges:
        lon_clause |= Q(longitude__gte=west, longitude__lte=east)
    return queryset.filter(lon_clause, lat_band__in=box.bands)


def nearest(
    points: Iterable[tuple[Any, float, float]], latitude: float, longitude: float, radius_km: float
) -> list[tuple[float, Any]]:
    """(distance, key) of the points within the radius, nearest first (ties by key)."""
    found = []
    for key, lat, lon in points:
        distance = haversine_km(latitude, longitude, lat, lon)
        if distance <= radius_km:
            found.append((distance, key))
    found.sort(key=lambda pair: (pair[0], str(pair[1])))
    return found


@dataclass(frozen=True)
class Near:
    distance_km: float
    location_id: uuid.UUID
    service: Service


def location_ids_near(
    latitude: float, longitude: float, radius_km: float
) -> list[tuple[float, uuid.UUID]]:
    candidates = _in_window(Location.objects.all(), latitude, longitude, radius_km).values_list(
        "id", "latitude", "longitude"
    )
    return nearest(candidates, latitude, longitude, radius_km)


def services_near(query: NearQuery) -> list[Near]:
    """Active services with a location within the radius, each once at its nearest location."""
    located = location_ids_near(query.latitude, query.longitude, query.radius_km)
    distance_of = {location_id: distance for distance, location_id in located}
    links = ServiceAtLocation.objects.filter(
        location_id__in=list(distance_of), service__status=ServiceStatus.ACTIVE
    )
    if query.category:
        links = links.filter(service__category=query.category)
    if query.language:
        links = links.filter(service__languages__code=query.language)
    best: dict[uuid.UUID, tuple[float, uuid.UUID]] = {}
    for service_id, location_id in links.values_list("service_id", "location_id"):
        candidate = (distance_of[location_id], location_id)
        if service_id not in best or candidate < best[service_id]:
            best[service_id] = candidate
    ranked = sorted(best.items(), key=lambda item: (item[1][0], str(item[0])))[: query.limit]
    loaded = services().in_bulk([service_id for service_id, _ in ranked])
    return [Near(distance, location_id, loaded[sid]) for sid, (distance, location_id) in ranked]


def profiles_near(
    query: NearQuery, *, base: QuerySet[DiasporaProfile]
) -> list[tuple[float, DiasporaProfile]]:
    found = _in_window(base, query.latitude, query.longitude, query.radius_km)
    if query.language:
        found = found.filter(languages__icontains=f'"{query.language}"')
    if query.capacity:
        found = found.filter(
            id__in=Capacity.objects.filter(
                kind=query.capacity, quantity__gte=query.min_quantity
            ).values("profile_id")
        )
    ranked = nearest(
        found.values_list("id", "latitude", "longitude"),
        query.latitude,
        query.longitude,
        query.radius_km,
    )[: query.limit]
    loaded = base.in_bulk([profile_id for _, profile_id in ranked])
    return [(distance, loaded[profile_id]) for distance, profile_id in ranked]
