"""Distances and search windows on a spherical Earth, without PostGIS.

A radius search reads the rows whose `lat_band` (hundredths of a degree, about 1.1 km) lies in
the circle's latitude span and whose longitude lies in its longitude span (one or two ranges: two
when the circle crosses the antimeridian, the whole circle of longitudes when it reaches a pole),
then keeps the rows whose exact haversine distance is within the radius. The window is a superset
of the circle (Matuschek's bounding coordinates, widened by a small margin against rounding), so
the result equals a brute-force haversine scan; the property test proves it on random data.

The indexes start (lat_band, longitude, latitude) and hold what the search returns (locations:
id; the services' search rows, `ServicePoint`: category, service, location): each band is one
seek and one short range scan, read from the index alone. A window of up to MAX_LISTED_BANDS bands lists them (`IN`, one
seek each); a taller one reads the band range (`BETWEEN`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
BANDS_PER_DEGREE = 100
# Windows taller than this many bands read a range of bands instead of listing them.
MAX_LISTED_BANDS = 200
# Widens the window by ~1 m so that rounding in the window never loses a point on the circle.
_MARGIN_RAD = 1e-7


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def lat_band(latitude: float | None) -> int | None:
    if latitude is None:
        return None
    return math.floor(latitude * BANDS_PER_DEGREE)


@dataclass(frozen=True)
class Window:
    """Latitude bounds, the lat_band values to read, and longitude ranges (inclusive)."""

    min_lat: float
    max_lat: float
    bands: tuple[int, ...]
    lon_ranges: tuple[tuple[float, float], ...]


def window(latitude: float, longitude: float, radius_km: float) -> Window:
    angular = radius_km / EARTH_RADIUS_KM + _MARGIN_RAD
    phi = math.radians(latitude)
    min_phi, max_phi = phi - angular, phi + angular
    if min_phi <= -math.pi / 2 or max_phi >= math.pi / 2 or angular >= math.pi / 2:
        # The circle holds a pole: every longitude, latitudes up to the pole.
        lon_ranges: tuple[tuple[float, float], ...] = ((-180.0, 180.0),)
        min_phi, max_phi = max(min_phi, -math.pi / 2), min(max_phi, math.pi / 2)
    else:
        half = math.degrees(math.asin(min(1.0, math.sin(angular) / math.cos(phi)))) + 1e-9
        west, east = longitude - half, longitude + half
        if west < -180:
            lon_ranges = ((west + 360, 180.0), (-180.0, east))
        elif east > 180:
            lon_ranges = ((west, 180.0), (-180.0, east - 360))
        else:
            lon_ranges = ((west, east),)
    min_lat, max_lat = math.degrees(min_phi), math.degrees(max_phi)
    first = math.floor(max(min_lat, -90.0) * BANDS_PER_DEGREE)
    last = math.floor(min(max_lat, 90.0) * BANDS_PER_DEGREE)
    return Window(min_lat, max_lat, tuple(range(first, last + 1)), lon_ranges)
