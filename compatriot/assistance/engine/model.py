"""The engine's vocabulary: plain data, no Django, so the CLI, the bench and the web share it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

CATEGORIES = (
    "evacuation_seat",
    "transport",
    "shelter_bed",
    "interpreter",
    "legal_aid",
    "medical",
    "goods",
)
# Help that is given by talking: useless without a language both sides speak.
LANGUAGE_CATEGORIES = frozenset({"interpreter", "legal_aid", "medical"})
REQUIREMENTS = ("wheelchair", "women_only", "child_friendly", "pets")
MIN_PRIORITY, MAX_PRIORITY = 1, 5


def weight(priority: int) -> int:
    """A person at priority p counts as 2^(p-1) people at priority 1."""
    return 1 << (priority - 1)


@dataclass(frozen=True, slots=True)
class Request:
    id: str
    category: str
    people: int
    lat: float
    lon: float
    languages: frozenset[str] = frozenset()
    earliest: datetime | None = None
    latest: datetime | None = None
    priority: int = 1
    requires: frozenset[str] = frozenset()
    # Where to, for transport: checked against an offer's destination when both are known.
    dest_lat: float | None = None
    dest_lon: float | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    id: str
    category: str
    capacity: int
    lat: float
    lon: float
    radius_km: float
    languages: frozenset[str] = frozenset()
    available_from: datetime | None = None
    available_until: datetime | None = None
    tags: frozenset[str] = frozenset()
    dest_lat: float | None = None
    dest_lon: float | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    request_id: str
    offer_id: str
    people: int
    distance_km: float = 0.0
    reason: str = ""
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class Unmatched:
    request_id: str
    blocker: str  # a code from BLOCKERS
    reason: str


# Why a request got nothing, from the most basic to the last resort.
BLOCKERS = {
    "no_offer_in_category": "no offer in this category",
    "none_in_range": "no offer in this category serves this location (radius)",
    "no_destination": "no offer in range goes to this destination",
    "no_time_overlap": "no offer in range is available in the requested window",
    "requirements": "no offer in range and time meets the requirements",
    "no_language": "no offer in range and time shares a language",
    "household_too_large": "the household is larger than every compatible offer's free capacity",
    "all_full": "every compatible offer is full (taken by higher-priority or better-fitting requests)",
}


@dataclass(slots=True)
class Summary:
    requests: int = 0
    offers: int = 0
    people_requested: int = 0
    people_served: int = 0
    weighted_requested: int = 0
    weighted_served: int = 0
    people_km: float = 0.0
    lp_bound: float = 0.0
    seconds: float = 0.0
    parts: int = 0
    parts_exact: int = 0  # parts whose integer optimum was proved

    @property
    def ratio(self) -> float:
        return self.weighted_served / self.lp_bound if self.lp_bound else 1.0


@dataclass(slots=True)
class Result:
    allocations: list[Allocation] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
