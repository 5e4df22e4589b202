"""Seeded synthetic instances for the benchmark and the tests: the 2022 western border.

Requests gather around Ukrainian cities near the border and the crossings; offers cluster around
the border towns (Przemyśl, Medyka, Záhony, Siret, Palanca, Vyšné Nemecké, ...). Households of
1-7, priorities skewed towards 1, supply about 85% of the people asking, per category.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from compatriot.assistance.engine.model import CATEGORIES, LANGUAGE_CATEGORIES, Offer, Request

BORDER_TOWNS = {
    "Przemyśl": (49.7838, 22.7678),
    "Medyka": (49.8030, 22.9310),
    "Záhony": (48.4056, 22.1756),
    "Vyšné Nemecké": (48.6690, 22.2650),
    "Siret": (47.9530, 26.0650),
    "Palanca": (46.4060, 30.0960),
    "Hrebenne": (50.2590, 23.5750),
    "Isaccea": (45.2700, 28.4600),
}
CITIES = {
    "Lviv": (49.8397, 24.0297),
    "Uzhhorod": (48.6208, 22.2879),
    "Chernivtsi": (48.2915, 25.9403),
    "Odesa": (46.4825, 30.7233),
    "Mostyska": (49.7950, 23.1500),
    "Rava-Ruska": (50.2333, 23.6167),
    "Izmail": (45.3500, 28.8400),
    "Mukachevo": (48.4392, 22.7178),
    **BORDER_TOWNS,
}
HOUSEHOLD = ([1, 2, 3, 4, 5, 6, 7], [30, 25, 18, 13, 7, 4, 3])
PRIORITY = ([1, 2, 3, 4, 5], [40, 25, 18, 11, 6])
CATEGORY_SHARE = [30, 15, 25, 8, 7, 8, 7]
CAPACITY = {
    "evacuation_seat": ([4, 8, 20, 50], [40, 25, 20, 15]),
    "transport": ([3, 4, 8, 16], [40, 30, 20, 10]),
    "shelter_bed": ([2, 4, 6, 12, 40], [20, 30, 25, 15, 10]),
    "interpreter": ([4, 8, 12], [50, 30, 20]),
    "legal_aid": ([5, 10, 20], [50, 30, 20]),
    "medical": ([5, 10, 20], [50, 30, 20]),
    "goods": ([10, 20, 50], [50, 30, 20]),
}
RADIUS = {
    "evacuation_seat": (40, 120),
    "transport": (60, 160),
    "shelter_bed": (15, 60),
    "interpreter": (80, 250),
    "legal_aid": (60, 200),
    "medical": (25, 90),
    "goods": (20, 70),
}
LANGUAGES = (
    [
        ["uk"],
        ["uk", "ru"],
        ["ru"],
        ["en"],
        ["ar", "en"],
        ["yo", "en"],
        ["ne", "hi"],
        ["hi", "en"],
        ["fr"],
        ["pt"],
    ],
    [40, 25, 8, 6, 4, 4, 3, 4, 3, 3],
)
OFFER_LANGUAGES = (
    ["uk", "ru", "en", "pl", "ro", "hu", "sk", "ar", "hi", "fr", "pt", "yo", "ne"],
    [60, 45, 50, 30, 15, 8, 6, 6, 5, 5, 3, 2, 2],
)
START = datetime(2022, 3, 1, tzinfo=UTC)


def _near(rng: random.Random, place: tuple[float, float], km: float) -> tuple[float, float]:
    return (place[0] + rng.gauss(0, km / 111.0), place[1] + rng.gauss(0, km / 75.0))


def generate(
    n_requests: int,
    seed: int = 2022,
    supply: float = 0.85,
    households: tuple[list[int], list[int]] = HOUSEHOLD,
):
    """(requests, offers) in arrival order. `supply` is the capacity offered per person asking
    (per category); `households` the sizes and their relative frequencies."""
    rng = random.Random(seed)  # noqa: S311  seeded test data, not security
    cities = list(CITIES.values())
    requests: list[Request] = []
    demand = dict.fromkeys(CATEGORIES, 0)
    for i in range(n_requests):
        category = rng.choices(CATEGORIES, CATEGORY_SHARE)[0]
        people = rng.choices(*households)[0]
        lat, lon = _near(rng, rng.choice(cities), 25)
        day = rng.uniform(0, 20)
        requires = set()
        for tag, share in (
            ("wheelchair", 0.05),
            ("child_friendly", 0.15),
            ("pets", 0.08),
            ("women_only", 0.04),
        ):
            if rng.random() < share:
                requires.add(tag)
        requests.append(
            Request(
                id=f"R{i + 1}",
                category=category,
                people=people,
                lat=round(lat, 5),
                lon=round(lon, 5),
                languages=frozenset(rng.choices(*LANGUAGES)[0]),
                earliest=START + timedelta(days=day),
                latest=START + timedelta(days=day + rng.uniform(1, 6)),
                priority=rng.choices(*PRIORITY)[0],
                requires=frozenset(requires),
            )
        )
        demand[category] += people
    offers: list[Offer] = []
    towns = list(BORDER_TOWNS.values())
    for category in CATEGORIES:
        target, given = int(demand[category] * supply), 0
        while given < target:
            capacity = rng.choices(*CAPACITY[category])[0]
            given += capacity
            lat, lon = _near(rng, rng.choice(towns), 12)
            day = rng.uniform(-2, 18)
            languages = {"uk"} if rng.random() < 0.5 else set()
            languages |= set(rng.choices(*OFFER_LANGUAGES, k=3))
            if category in LANGUAGE_CATEGORIES and rng.random() < 0.3:
                languages = set(rng.choices(*OFFER_LANGUAGES, k=2))
            tags = {
                t
                for t, share in (
                    ("wheelchair", 0.3),
                    ("child_friendly", 0.6),
                    ("pets", 0.3),
                    ("women_only", 0.15),
                )
                if rng.random() < share
            }
            offers.append(
                Offer(
                    id=f"O{len(offers) + 1}",
                    category=category,
                    capacity=capacity,
                    lat=round(lat, 5),
                    lon=round(lon, 5),
                    radius_km=float(rng.randint(*RADIUS[category])),
                    languages=frozenset(languages),
                    available_from=START + timedelta(days=day),
                    available_until=START + timedelta(days=day + rng.uniform(3, 12)),
                    tags=frozenset(tags),
                )
            )
    return requests, offers
