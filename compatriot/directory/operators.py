"""Reads for the operators' directory screens: the filtered profile table, the owner's stale
profiles, and the gap map (people with an open need per area beside the capacities nearby).

Scoped like `selectors`: profiles through `selectors.visible_profiles`; the people counts come
from `people.aggregates.open_needs_by_area`, which scopes and audits them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from compatriot.core.viewer import Viewer
from compatriot.directory.geo import haversine_km, window
from compatriot.directory.models import (
    Availability,
    Capacity,
    CapacityKind,
    DiasporaProfile,
    Location,
    ServiceCategory,
    ServiceStatus,
)
from compatriot.directory.schemas import ProfileFilter
from compatriot.directory.selectors import profile_list, visible_profiles
from compatriot.people.aggregates import open_needs_by_area
from compatriot.people.models import NeedCategory

# Which capacity of diaspora profiles, and which category of services, answers a need.
# Needs with no countable capacity (food, WASH, ...) are compared with services only.
NEED_SUPPLY: dict[str, tuple[str | None, str]] = {
    NeedCategory.SHELTER: (CapacityKind.SHELTER_BEDS, ServiceCategory.SHELTER),
    NeedCategory.EVACUATION: (CapacityKind.VEHICLE_SEATS, ServiceCategory.TRANSPORT),
    NeedCategory.TRANSPORT: (CapacityKind.VEHICLE_SEATS, ServiceCategory.TRANSPORT),
    NeedCategory.INTERPRETATION: (CapacityKind.INTERPRETERS, ServiceCategory.INTERPRETATION),
    NeedCategory.LEGAL: (CapacityKind.LEGAL_PROFESSIONALS, ServiceCategory.LEGAL),
    NeedCategory.HEALTH: (CapacityKind.MEDICAL_PROFESSIONALS, ServiceCategory.HEALTH),
    NeedCategory.CASH: (CapacityKind.FUNDS, ServiceCategory.CASH),
    NeedCategory.FOOD: (None, ServiceCategory.FOOD),
    NeedCategory.WASH: (None, ServiceCategory.WASH),
    NeedCategory.MHPSS: (None, ServiceCategory.PSYCHOSOCIAL),
    NeedCategory.DOCUMENTS: (None, ServiceCategory.DOCUMENTATION),
}


def profile_table(
    viewer: Viewer,
    *,
    filters: ProfileFilter,
    origin_community: str = "",
    published: bool | None = None,
) -> QuerySet[DiasporaProfile]:
    found = profile_list(viewer, filters=filters)
    if origin_community:
        found = found.filter(origin_community__icontains=origin_community)
    if published is not None:
        found = found.filter(is_published=published)
    return found.select_related("verified_by")


def stale_profiles_of_owner(viewer: Viewer) -> list[DiasporaProfile]:
    """The acting organisation's profiles flagged stale: its members are asked to confirm."""
    if viewer.organisation_id is None:
        return []
    return list(
        DiasporaProfile.objects.filter(owner_id=viewer.organisation_id, is_stale=True)
        .only("id", "name", "last_confirmed_at")
        .order_by("last_confirmed_at", "name")
    )


def _window_filter(latitude: float, longitude: float, radius_km: float, prefix: str = "") -> Q:
    box = window(latitude, longitude, radius_km)
    longitudes = Q()
    for west, east in box.lon_ranges:
        longitudes |= Q(**{f"{prefix}longitude__gte": west, f"{prefix}longitude__lte": east})
    return longitudes & Q(**{f"{prefix}lat_band__in": box.bands})


@dataclass(frozen=True)
class AreaGap:
    country: str
    admin_area: str
    persons: int  # people with an open need of the category
    latitude: float | None
    longitude: float | None
    capacity: int | None  # sum of the matching capacity of available profiles nearby
    profiles: int  # profiles nearby offering it
    services: int  # active services of the matching category nearby

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_gap(self) -> bool:
        """More people in need than places nearby (services count as none when there is a
        countable capacity; otherwise any need with no service nearby is a gap)."""
        if not self.located:
            return False
        if self.capacity is not None:
            return self.persons > self.capacity
        return self.persons > 0 and self.services == 0


def _capacity_near(
    visible: QuerySet[DiasporaProfile],
    kind: str,
    latitude: float,
    longitude: float,
    radius_km: float,
) -> tuple[int, int]:
    rows = (
        Capacity.objects.filter(
            _window_filter(latitude, longitude, radius_km, "profile__"),
            kind=kind,
            profile__latitude__isnull=False,
            profile__in=visible.values("id"),
        )
        .exclude(profile__availability=Availability.UNAVAILABLE)
        .values_list("profile_id", "profile__latitude", "profile__longitude", "quantity")
    )
    total, found = 0, set()
    for profile_id, lat, lon, quantity in rows:
        if (
            lat is not None
            and lon is not None
            and haversine_km(latitude, longitude, lat, lon) <= radius_km
        ):
            total += quantity
            found.add(profile_id)
    return total, len(found)


def _services_near(category: str, latitude: float, longitude: float, radius_km: float) -> int:
    rows = Location.objects.filter(
        _window_filter(latitude, longitude, radius_km),
        latitude__isnull=False,
        services_at__service__category=category,
        services_at__service__status=ServiceStatus.ACTIVE,
    ).values_list("latitude", "longitude", "services_at__service_id")
    return len(
        {
            service_id
            for lat, lon, service_id in rows
            if lat is not None
            and lon is not None
            and haversine_km(latitude, longitude, lat, lon) <= radius_km
        }
    )


def capacity_gaps(
    viewer: Viewer, *, crisis_id: uuid.UUID, need: str, radius_km: float
) -> list[AreaGap]:
    """Per area of the crisis with people in need: the need beside what is within `radius_km`
    of the area's centre. Areas without coordinates are listed with nothing to compare."""
    visible = visible_profiles(viewer)  # only the profiles the viewer may see are counted
    kind, category = NEED_SUPPLY[need]
    gaps = []
    for area in open_needs_by_area(viewer, crisis_id=crisis_id, category=need):
        capacity, near, services = None, 0, 0
        if area.latitude is not None and area.longitude is not None:
            if kind is not None:
                capacity, near = _capacity_near(
                    visible, kind, area.latitude, area.longitude, radius_km
                )
            services = _services_near(category, area.latitude, area.longitude, radius_km)
        gaps.append(
            AreaGap(
                area.country,
                area.admin_area,
                area.persons,
                area.latitude,
                area.longitude,
                capacity,
                near,
                services,
            )
        )
    gaps.sort(key=lambda gap: (not gap.is_gap, -gap.persons, gap.country, gap.admin_area))
    return gaps
