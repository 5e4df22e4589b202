"""Scoped reads of diaspora profiles and the service directory, and the radius search.

Profiles: `visible_profiles` is the one door (see its docstring); the public sees only published,
verified profiles, and of their contact details only the fields the owner published
(`public_profile`). Services are public information.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from compatriot.core.errors import NotFoundError, PermissionDeniedError
from compatriot.core.models import SharingAgreement
from compatriot.core.viewer import Viewer
from compatriot.directory.geo import (
    BANDS_PER_DEGREE,
    MAX_LISTED_BANDS,
    Window,
    haversine_km,
    window,
)
from compatriot.directory.models import (
    CONTACT_FIELDS,
    Capacity,
    DiasporaFocalPoint,
    DiasporaProfile,
    Location,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
    ServicePoint,
    ServiceStatus,
)
from compatriot.directory.schemas import GeoJsonQuery, NearQuery, ProfileFilter


def is_profile_verifier(viewer: Viewer) -> bool:
    """Diaspora focal points verify profiles; a platform administrator may too."""
    if viewer.user_id is None:
        return False
    return (
        viewer.is_platform_admin
        or DiasporaFocalPoint.objects.filter(user_id=viewer.user_id).exists()
    )


def visible_profiles(viewer: Viewer) -> QuerySet[DiasporaProfile]:
    """Every read of profiles goes through here (lists, pages, search, the gap map). Diaspora
    groups can be at risk themselves, so an unpublished profile is seen only by its owning
    organisation, by its owner's partners (organisations the owner shares with under an active
    `SharingAgreement`: owner as provider, not revoked, for one crisis or all, since profiles
    belong to no crisis), and by those who verify profiles (diaspora focal points, platform
    administrators). A published profile is seen by every organisation. Anything else is
    absent: not found, not listed, not counted."""
    if is_profile_verifier(viewer):
        return DiasporaProfile.objects.all()
    if viewer.organisation_id is None:
        raise PermissionDeniedError("Profiles are shown to partner organisations only.")
    partners = SharingAgreement.objects.filter(
        recipient_id=viewer.organisation_id, revoked_at__isnull=True
    ).values("provider_id")
    return DiasporaProfile.objects.filter(
        Q(is_published=True) | Q(owner_id=viewer.organisation_id) | Q(owner_id__in=partners)
    )


def profiles(viewer: Viewer) -> QuerySet[DiasporaProfile]:
    return visible_profiles(viewer).prefetch_related("capacities")


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


def _feature(
    longitude: float | None, latitude: float | None, properties: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
        "properties": properties,
    }


def _box_window(bounds: tuple[float, float, float, float]) -> Window:
    west, south, east, north = bounds
    lon_ranges = ((west, east),) if west <= east else ((west, 180.0), (-180.0, east))
    bands = tuple(
        range(math.floor(south * BANDS_PER_DEGREE), math.floor(north * BANDS_PER_DEGREE) + 1)
    )
    return Window(south, north, bands, lon_ranges)


def public_geojson(query: GeoJsonQuery | None = None) -> dict[str, Any]:
    """Active services and published, verified profiles as GeoJSON points, at most
    `query.limit`: profiles (the fewer) first, then services in a fixed order (by the id of the
    service-at-location link: cheap to walk even when nothing narrows the search). Profiles
    carry only the contact fields their owners published (`public_profile`)."""
    query = query or GeoJsonQuery()
    box = _box_window(query.bounds) if query.bounds else None
    found_profiles = published_profiles().filter(latitude__isnull=False)
    links = ServiceAtLocation.objects.filter(
        service__status=ServiceStatus.ACTIVE, location__latitude__isnull=False
    )
    if box is not None:
        found_profiles = _in_window(found_profiles, box)
        links = _in_window(links, box, prefix="location__")
    if query.category:
        links = links.filter(service__category=query.category)
    if query.language:
        found_profiles = found_profiles.filter(languages__icontains=f'"{query.language}"')
        links = links.filter(
            service_id__in=ServiceLanguage.objects.filter(code=query.language).values("service_id")
        )
    if query.capacity:
        found_profiles = found_profiles.filter(
            id__in=Capacity.objects.filter(kind=query.capacity).values("profile_id")
        )
        links = links.none()  # capacities are the groups'
    features = [
        _feature(
            profile.longitude,
            profile.latitude,
            {"layer": "diaspora_profile", **public_profile(profile)},
        )
        for profile in found_profiles.order_by("name", "id")[: query.limit + 1]
    ]
    room = query.limit + 1 - len(features)
    if room > 0:
        chosen = links.select_related("service__organization", "location").order_by("id")
        for link in chosen[:room]:
            service, location = link.service, link.location
            features.append(_feature(location.longitude, location.latitude, {
                "layer": "service", "id": str(service.id), "name": service.name,
                "category": service.category, "organization": service.organization.name,
                "location": location.name, "city": location.city, "url": service.url,
                "serves_third_country_nationals": service.serves_third_country_nationals,
            }))  # fmt: skip
    truncated = len(features) > query.limit
    return {
        "type": "FeatureCollection",
        "features": features[: query.limit],
        "truncated": truncated,
    }


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
#
# With a limit (the API's and the pages' case), the search reads a small circle first and widens
# it until it holds `limit` results or reaches the radius: the `limit` nearest within the radius
# all lie within the first circle that holds `limit` results, so the answer equals the brute-force
# one, and a dense city centre costs a few hundred index entries instead of tens of thousands.

FIRST_RING_KM = 0.5
MAX_RING_GROWTH = 8.0


def _in_window(queryset: QuerySet[Any], box: Window, prefix: str = "") -> QuerySet[Any]:
    lon_clause = Q()
    for west, east in box.lon_ranges:
        lon_clause |= Q(**{f"{prefix}longitude__gte": west, f"{prefix}longitude__lte": east})
    if len(box.bands) <= MAX_LISTED_BANDS:
        bands = Q(**{f"{prefix}lat_band__in": box.bands})
    else:
        bands = Q(**{f"{prefix}lat_band__range": (box.bands[0], box.bands[-1])})
    return queryset.filter(
        bands,
        lon_clause,
        **{f"{prefix}latitude__gte": box.min_lat, f"{prefix}latitude__lte": box.max_lat},
    )


Row = tuple[Any, Any, float, float]  # key, what to keep of the nearest row, latitude, longitude


def _ranked(
    rows: Iterable[Row], latitude: float, longitude: float, radius_km: float
) -> list[tuple[float, Any, Any]]:
    """(distance, key, kept) within the radius, one per key at its nearest row, nearest first
    (ties by key; between rows of one key, by what is kept)."""
    best: dict[Any, tuple[float, Any]] = {}
    for key, kept, lat, lon in rows:
        distance = haversine_km(latitude, longitude, lat, lon)
        if distance <= radius_km:
            seen = best.get(key)
            if seen is None or (distance, kept) < seen:
                best[key] = (distance, kept)
    ranked = [(distance, key, kept) for key, (distance, kept) in best.items()]
    ranked.sort(key=lambda found: (found[0], str(found[1])))
    return ranked


def _search(
    rows_in: Callable[[Window], Iterable[Row]],
    latitude: float,
    longitude: float,
    radius_km: float,
    limit: int | None,
) -> list[tuple[float, Any, Any]]:
    ring = radius_km if limit is None else min(radius_km, FIRST_RING_KM)
    while True:
        found = _ranked(rows_in(window(latitude, longitude, ring)), latitude, longitude, ring)
        if ring >= radius_km or (limit is not None and len(found) >= limit):
            return found[:limit]
        # Widen by the density seen so far, at least twice, at most MAX_RING_GROWTH times.
        growth = 1.5 * math.sqrt((limit or 1) / max(len(found), 1))
        ring = min(radius_km, ring * max(2.0, min(MAX_RING_GROWTH, growth)))


def nearest(
    points: Iterable[tuple[Any, float, float]], latitude: float, longitude: float, radius_km: float
) -> list[tuple[float, Any]]:
    """(distance, key) of the points within the radius, nearest first (ties by key)."""
    rows = ((key, None, lat, lon) for key, lat, lon in points)
    return [(distance, key) for distance, key, _ in _ranked(rows, latitude, longitude, radius_km)]


@dataclass(frozen=True)
class Near:
    distance_km: float
    location_id: uuid.UUID
    service: Service


def _window_sql(box: Window, table: str) -> tuple[str, list[Any]]:
    """The window as SQL on `table`'s geo columns, for the covering index (see geo.py)."""
    if len(box.bands) <= MAX_LISTED_BANDS:
        bands = f"{table}.lat_band IN ({', '.join(['%s'] * len(box.bands))})"
        params: list[Any] = list(box.bands)
    else:
        bands = f"{table}.lat_band BETWEEN %s AND %s"
        params = [box.bands[0], box.bands[-1]]
    longitudes = " OR ".join(f"{table}.longitude BETWEEN %s AND %s" for _ in box.lon_ranges)
    for west, east in box.lon_ranges:
        params += [west, east]
    params += [box.min_lat, box.max_lat]
    return f"{bands} AND ({longitudes}) AND {table}.latitude BETWEEN %s AND %s", params


def _rows(sql: str, params: list[Any]) -> list[Any]:
    # Hand-written SQL: the ORM would spend more time building each window's query than the
    # database spends answering it.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[Any] = cursor.fetchall()
    return rows


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def location_ids_near(
    latitude: float, longitude: float, radius_km: float, *, limit: int | None = None
) -> list[tuple[float, uuid.UUID]]:
    table = connection.ops.quote_name(Location._meta.db_table)

    def rows_in(box: Window) -> Iterable[Row]:
        where, params = _window_sql(box, table)
        sql = f"SELECT {table}.id, NULL, {table}.latitude, {table}.longitude FROM {table} WHERE "  # noqa: S608
        return _rows(sql + where, params)

    found = _search(rows_in, latitude, longitude, radius_km, limit)
    return [(distance, _as_uuid(location_id)) for distance, location_id, _ in found]


def service_ids_near(query: NearQuery) -> list[tuple[float, uuid.UUID, uuid.UUID]]:
    """(distance, service id, location id): active services with a location within the radius,
    each once at its nearest location, nearest first, at most `query.limit`. Read from the
    search rows (`ServicePoint`: one per active service at a located location), whose covering
    index answers each window alone."""
    quote = connection.ops.quote_name
    point, language = (quote(model._meta.db_table) for model in (ServicePoint, ServiceLanguage))
    # Names come from the models, values go as parameters.
    select = f"SELECT {point}.service_id, {point}.location_id, {point}.latitude, {point}.longitude FROM {point} WHERE "  # noqa: S608
    filters: list[Any] = []
    if query.category:
        select += f"{point}.category = %s AND "
        filters.append(query.category)
    if query.language:
        select += (
            f"EXISTS (SELECT 1 FROM {language} WHERE {language}.service_id = {point}.service_id"  # noqa: S608
            f" AND {language}.code = %s) AND "
        )
        filters.append(query.language)

    def rows_in(box: Window) -> Iterable[Row]:
        where, params = _window_sql(box, point)
        return _rows(select + where, filters + params)

    found = _search(rows_in, query.latitude, query.longitude, query.radius_km, query.limit)
    return [
        (distance, _as_uuid(service_id), _as_uuid(location_id))
        for distance, service_id, location_id in found
    ]


def services_near(query: NearQuery) -> list[Near]:
    """Active services with a location within the radius, each once at its nearest location."""
    ranked = service_ids_near(query)
    loaded = services().in_bulk([service_id for _, service_id, _ in ranked])
    return [Near(distance, location_id, loaded[sid]) for distance, sid, location_id in ranked]


def profiles_near(
    query: NearQuery, *, base: QuerySet[DiasporaProfile]
) -> list[tuple[float, DiasporaProfile]]:
    found = base
    if query.language:
        found = found.filter(languages__icontains=f'"{query.language}"')
    if query.capacity:
        found = found.filter(
            id__in=Capacity.objects.filter(
                kind=query.capacity, quantity__gte=query.min_quantity
            ).values("profile_id")
        )

    def rows_in(box: Window) -> Iterable[Row]:
        located = _in_window(found, box).values_list("id", "latitude", "longitude")
        return ((profile_id, None, lat, lon) for profile_id, lat, lon in located)

    ranked = _search(rows_in, query.latitude, query.longitude, query.radius_km, query.limit)
    loaded = base.in_bulk([profile_id for _, profile_id, _ in ranked])
    return [(distance, loaded[profile_id]) for distance, profile_id, _ in ranked]
