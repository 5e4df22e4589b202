"""The radius search equals a brute-force haversine scan, on random data, poles and the
antimeridian included."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compatriot.directory.geo import haversine_km, lat_band, window
from compatriot.directory.models import DirectoryOrganization, Location, Service, ServiceAtLocation
from compatriot.directory.schemas import NearQuery
from compatriot.directory.selectors import location_ids_near, service_ids_near
from compatriot.directory.services import refresh_service_points

latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
# Points cluster around the centre so that the circle's edge is actually exercised.
offsets = st.tuples(st.floats(-3, 3), st.floats(-6, 6))


def _wrap(longitude: float) -> float:
    return ((longitude + 180) % 360) - 180


def _clamp(latitude: float) -> float:
    return max(-90.0, min(90.0, latitude))


def _located() -> list[tuple[uuid.UUID, float, float]]:
    rows = Location.objects.values_list("id", "latitude", "longitude")
    return [(location_id, lat or 0.0, lon or 0.0) for location_id, lat, lon in rows]


@st.composite
def scenes(draw: st.DrawFn) -> tuple[float, float, float, list[tuple[float, float]]]:
    centre_lat = draw(st.one_of(latitudes, st.sampled_from([89.9, -89.95, 0.0, 60.0])))
    centre_lon = draw(st.one_of(longitudes, st.sampled_from([179.99, -179.99, 180.0, -180.0])))
    radius = draw(st.floats(min_value=0.001, max_value=500))
    points = [
        (_clamp(centre_lat + dlat), _wrap(centre_lon + dlon))
        for dlat, dlon in draw(st.lists(offsets, max_size=25))
    ]
    points += draw(st.lists(st.tuples(latitudes, longitudes), max_size=5))
    return centre_lat, centre_lon, radius, points


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scene=scenes())
@example(scene=(60.0, -179.99, 300.0, [(60.1, 179.5), (59.0, -178.0), (61.0, 170.0)]))
@example(scene=(-89.95, 0.0, 100.0, [(-89.5, 179.0), (-89.9, -90.0), (-85.0, 0.0)]))
def test_radius_search_equals_brute_force(
    scene: tuple[float, float, float, list[tuple[float, float]]],
) -> None:
    centre_lat, centre_lon, radius, points = scene
    Location.objects.all().delete()
    Location.objects.bulk_create(
        Location(id=uuid.uuid4(), latitude=lat, longitude=lon, lat_band=lat_band(lat))
        for lat, lon in points
    )
    brute = sorted(
        (haversine_km(centre_lat, centre_lon, lat, lon), str(location_id))
        for location_id, lat, lon in _located()
        if haversine_km(centre_lat, centre_lon, lat, lon) <= radius
    )
    found = [(d, str(i)) for d, i in location_ids_near(centre_lat, centre_lon, radius)]
    assert found == brute


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scene=scenes(), limit=st.integers(min_value=1, max_value=12))
@example(scene=(50.45, 30.52, 50.0, [(50.45, 30.52)] * 3 + [(50.46, 30.53), (50.9, 30.5)]), limit=2)
def test_the_nearest_within_the_radius_equal_brute_force(
    scene: tuple[float, float, float, list[tuple[float, float]]], limit: int
) -> None:
    """With a limit the search widens a small circle step by step; the answer is still the
    brute-force one cut at the limit, ties at the same distance included."""
    centre_lat, centre_lon, radius, points = scene
    Location.objects.all().delete()
    Location.objects.bulk_create(
        Location(id=uuid.uuid4(), latitude=lat, longitude=lon, lat_band=lat_band(lat))
        for lat, lon in points
    )
    brute = sorted(
        (haversine_km(centre_lat, centre_lon, lat, lon), str(location_id))
        for location_id, lat, lon in _located()
        if haversine_km(centre_lat, centre_lon, lat, lon) <= radius
    )[:limit]
    found = location_ids_near(centre_lat, centre_lon, radius, limit=limit)
    assert [(d, str(i)) for d, i in found] == brute


@settings(max_examples=500)
@given(scene=scenes())
def test_window_holds_every_point_of_the_circle(
    scene: tuple[float, float, float, list[tuple[float, float]]],
) -> None:
    centre_lat, centre_lon, radius, points = scene
    box = window(centre_lat, centre_lon, radius)
    for lat, lon in points:
        if haversine_km(centre_lat, centre_lon, lat, lon) <= radius:
            assert lat_band(lat) in box.bands
            assert any(west <= lon <= east for west, east in box.lon_ranges)


def test_window_across_the_antimeridian_has_two_ranges() -> None:
    box = window(65.0, 179.9, 50)
    assert len(box.lon_ranges) == 2
    assert box.lon_ranges[1][0] == -180.0


def test_window_over_a_pole_takes_every_longitude() -> None:
    assert window(89.9, 10.0, 50).lon_ranges == ((-180.0, 180.0),)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    scene=scenes(),
    limit=st.integers(min_value=1, max_value=8),
    layout=st.lists(
        st.tuples(st.sampled_from(["shelter", "legal"]), st.booleans(), st.integers(0, 29)),
        min_size=1,
        max_size=12,
    ),
    category=st.sampled_from([None, "shelter"]),
)
def test_services_near_equal_brute_force(
    scene: tuple[float, float, float, list[tuple[float, float]]],
    limit: int,
    layout: list[tuple[str, bool, int]],
    category: str | None,
) -> None:
    """Services with several locations, some inactive, some of another category: the nearest
    `limit` active ones, each at its nearest location, as a brute-force scan finds them."""
    centre_lat, centre_lon, radius, points = scene
    Service.objects.all().delete()
    Location.objects.all().delete()
    organization = DirectoryOrganization.objects.create(name="O", description="")
    locations = Location.objects.bulk_create(
        Location(id=uuid.uuid4(), latitude=lat, longitude=lon, lat_band=lat_band(lat))
        for lat, lon in points
    )
    links: list[ServiceAtLocation] = []
    for number, (kind, active, first) in enumerate(layout):
        service = Service.objects.create(
            organization=organization, name=f"S{number}", category=kind,
            status="active" if active else "inactive",
        )  # fmt: skip
        places = locations[first % max(len(locations), 1) :: 1 + number % 4][:3]
        links.extend(ServiceAtLocation(service=service, location=place) for place in places)
    ServiceAtLocation.objects.bulk_create(links)
    refresh_service_points()  # as every service write does
    best: dict[uuid.UUID, tuple[float, uuid.UUID]] = {}
    for link in ServiceAtLocation.objects.select_related("service", "location"):
        if link.service.status != "active" or category not in (None, link.service.category):
            continue
        where = link.location
        distance = haversine_km(
            centre_lat, centre_lon, where.latitude or 0.0, where.longitude or 0.0
        )
        if distance <= radius and (
            link.service_id not in best or (distance, where.id) < best[link.service_id]
        ):
            best[link.service_id] = (distance, where.id)
    brute = sorted(
        ((d, sid, lid) for sid, (d, lid) in best.items()), key=lambda f: (f[0], str(f[1]))
    )[:limit]
    query = NearQuery(
        latitude=centre_lat, longitude=centre_lon, radius_km=radius, limit=limit,
        category=category,
    )  # fmt: skip
    assert service_ids_near(query) == brute
