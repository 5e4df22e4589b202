"""Which request may go to which offer: the hard constraints, vectorised.

For one category, `compatible_edges` returns every (request, offer) pair that satisfies all the
hard constraints that do not depend on the other requests (distance within the offer's radius,
destination, overlapping windows, requirements among the tags, a shared language where the help
is spoken, a household no larger than the offer's free capacity), with its distance. Requests
left without any pair get the first constraint that blocked them all, for the explanation.

Candidates come from a grid join (each offer claims the grid cells its radius box covers), so
the work grows with the pairs that are near each other, not with requests x offers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from compatriot.assistance.engine.model import LANGUAGE_CATEGORIES, Offer, Request

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0
# Past this many pairs per category, each request keeps only its nearest offers.
DEFAULT_EDGE_BUDGET = 1_000_000
MIN_NEIGHBOURS = 24
OFFER_CHUNK = 512


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; accepts scalars or numpy arrays (degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _bitsets(sets: Sequence[frozenset[str]], vocabulary: dict[str, int]) -> np.ndarray:
    words = max(1, (len(vocabulary) + 63) // 64)
    bits = np.zeros((len(sets), words), dtype=np.uint64)
    for row, values in enumerate(sets):
        for value in values:
            index = vocabulary.setdefault(value, len(vocabulary))
            if index // 64 >= bits.shape[1]:
                bits = np.concatenate([bits, np.zeros_like(bits)], axis=1)
            bits[row, index // 64] |= np.uint64(1) << np.uint64(index % 64)
    return bits


def _pad(bits: np.ndarray, words: int) -> np.ndarray:
    if bits.shape[1] >= words:
        return bits
    return np.concatenate([bits, np.zeros((bits.shape[0], words - bits.shape[1]), bits.dtype)], 1)


def _seconds(value, default: float) -> float:
    return default if value is None else value.timestamp()


@dataclass
class Edges:
    """Compatible pairs, sorted by request then distance."""

    request: np.ndarray  # int64 index into the category's requests
    offer: np.ndarray  # int64 index into the category's offers
    km: np.ndarray  # float64
    blocker: list[str | None]  # per request: why it has no pair (None when it has some)
    pruned: bool = False  # True when only the nearest offers were kept per request


class _Arrays:
    def __init__(self, requests: Sequence[Request], offers: Sequence[Offer]) -> None:
        self.r_lat = np.array([r.lat for r in requests], dtype=np.float64)
        self.r_lon = np.array([r.lon for r in requests], dtype=np.float64)
        self.r_people = np.array([r.people for r in requests], dtype=np.int64)
        self.r_from = np.array([_seconds(r.earliest, -np.inf) for r in requests])
        self.r_until = np.array([_seconds(r.latest, np.inf) for r in requests])
        self.r_dest = np.array(
            [
                (r.dest_lat, r.dest_lon) if r.dest_lat is not None else (np.nan, np.nan)
                for r in requests
            ],
            dtype=np.float64,
        ).reshape(-1, 2)
        self.o_lat = np.array([o.lat for o in offers], dtype=np.float64)
        self.o_lon = np.array([o.lon for o in offers], dtype=np.float64)
        self.o_radius = np.array([o.radius_km for o in offers], dtype=np.float64)
        self.o_from = np.array([_seconds(o.available_from, -np.inf) for o in offers])
        self.o_until = np.array([_seconds(o.available_until, np.inf) for o in offers])
        self.o_dest = np.array(
            [
                (o.dest_lat, o.dest_lon) if o.dest_lat is not None else (np.nan, np.nan)
                for o in offers
            ],
            dtype=np.float64,
        ).reshape(-1, 2)
        tags: dict[str, int] = {}
        self.r_requires = _bitsets([r.requires for r in requests], tags)
        self.o_tags = _bitsets([o.tags for o in offers], tags)
        words = max(self.r_requires.shape[1], self.o_tags.shape[1])
        self.r_requires, self.o_tags = _pad(self.r_requires, words), _pad(self.o_tags, words)
        languages: dict[str, int] = {}
        self.r_lang = _bitsets([r.languages for r in requests], languages)
        self.o_lang = _bitsets([o.languages for o in offers], languages)
        words = max(self.r_lang.shape[1], self.o_lang.shape[1])
        self.r_lang, self.o_lang = _pad(self.r_lang, words), _pad(self.o_lang, words)


def _grid_candidates(a: _Arrays, members: np.ndarray, offers: np.ndarray, cell: float):
    """(request, offer) pairs whose grid cells meet, for the requests and offers given."""
    r_cx = np.floor(a.r_lon[members] / cell).astype(np.int64)
    r_cy = np.floor(a.r_lat[members] / cell).astype(np.int64)
    key = r_cy * 1_000_003 + r_cx
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    dlat = a.o_radius[offers] / KM_PER_DEGREE
    cos = np.maximum(np.cos(np.radians(np.minimum(np.abs(a.o_lat[offers]) + dlat, 89.0))), 1e-3)
    dlon = np.minimum(dlat / cos, 180.0)
    y0 = np.floor((a.o_lat[offers] - dlat) / cell).astype(np.int64)
    y1 = np.floor((a.o_lat[offers] + dlat) / cell).astype(np.int64)
    x0 = np.floor((a.o_lon[offers] - dlon) / cell).astype(np.int64)
    x1 = np.floor((a.o_lon[offers] + dlon) / cell).astype(np.int64)
    ny, nx = y1 - y0 + 1, x1 - x0 + 1
    per_offer = ny * nx
    owner = np.repeat(offers, per_offer)
    within = np.arange(per_offer.sum()) - np.repeat(np.cumsum(per_offer) - per_offer, per_offer)
    cy = np.repeat(y0, per_offer) + within // np.repeat(nx, per_offer)
    cx = np.repeat(x0, per_offer) + within % np.repeat(nx, per_offer)
    cell_key = cy * 1_000_003 + cx
    start = np.searchsorted(sorted_key, cell_key, side="left")
    end = np.searchsorted(sorted_key, cell_key, side="right")
    counts = end - start
    total = int(counts.sum())
    pair_offer = np.repeat(owner, counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    pair_request = members[order[np.repeat(start, counts) + offsets]]
    return pair_request, pair_offer


def _any_overlap(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    if left.shape[1] == 1:
        return (left[:, 0] & right[:, 0]) != 0
    return np.any((left & right) != 0, axis=1)


def _all_within(needed: np.ndarray, offered: np.ndarray) -> np.ndarray:
    if needed.shape[1] == 1:
        return (needed[:, 0] & ~offered[:, 0]) == 0
    return np.all((needed & ~offered) == 0, axis=1)


STAGES = ("in_range", "destination", "time", "requirements", "language", "room", "fits")
BLOCKER_OF_STAGE = (
    "none_in_range",
    "no_destination",
    "no_time_overlap",
    "requirements",
    "no_language",
    "all_full",  # every compatible offer is taken by allocations kept from before
    "household_too_large",
)


def _filter(a: _Arrays, free, req, off, needs_language: bool, passed=None):
    """The pairs that pass every check. With `passed` (flags per stage), checks go in the
    order of the explanations and mark, per request, the last stage some offer passed;
    without, the cheap checks go first."""

    def mark(stage: str) -> None:
        if passed is not None:
            passed[stage][req] = True

    # A cheap latitude test first: most grid candidates fail it.
    reach = a.o_radius[off]
    ok = np.abs(a.r_lat[req] - a.o_lat[off]) * KM_PER_DEGREE <= reach + 1e-6
    req, off, reach = req[ok], off[ok], reach[ok]
    if passed is None:
        ok = (a.r_from[req] <= a.o_until[off]) & (a.o_from[off] <= a.r_until[req])
        ok &= a.r_people[req] <= free[off]
        req, off, reach = req[ok], off[ok], reach[ok]
    km = haversine_km(a.r_lat[req], a.r_lon[req], a.o_lat[off], a.o_lon[off])
    ok = km <= reach + 1e-9
    req, off, km = req[ok], off[ok], km[ok]
    mark("in_range")
    both = ~np.isnan(a.r_dest[req, 0]) & ~np.isnan(a.o_dest[off, 0])
    if both.any():
        dkm = haversine_km(a.r_dest[req, 0], a.r_dest[req, 1], a.o_dest[off, 0], a.o_dest[off, 1])
        ok = ~both | (dkm <= a.o_radius[off])
        req, off, km = req[ok], off[ok], km[ok]
    mark("destination")
    ok = (a.r_from[req] <= a.o_until[off]) & (a.o_from[off] <= a.r_until[req])
    req, off, km = req[ok], off[ok], km[ok]
    mark("time")
    ok = _all_within(a.r_requires[req], a.o_tags[off])
    req, off, km = req[ok], off[ok], km[ok]
    mark("requirements")
    if needs_language:
        ok = _any_overlap(a.r_lang[req], a.o_lang[off])
        req, off, km = req[ok], off[ok], km[ok]
    mark("language")
    if passed is not None:
        mark_room = free[off] > 0
        passed["room"][req[mark_room]] = True
    ok = a.r_people[req] <= free[off]
    req, off, km = req[ok], off[ok], km[ok]
    mark("fits")
    return req, off, km


def compatible_edges(
    requests: Sequence[Request],
    offers: Sequence[Offer],
    free_capacity: Sequence[int] | np.ndarray,
    *,
    category: str,
    edge_budget: int = DEFAULT_EDGE_BUDGET,
) -> Edges:
    n = len(requests)
    if not offers or n == 0:
        return Edges(*(np.zeros(0, np.int64),) * 2, np.zeros(0), ["no_offer_in_category"] * n)
    a = _Arrays(requests, offers)
    free = np.asarray(free_capacity, dtype=np.int64)
    needs_language = category in LANGUAGE_CATEGORIES
    cell = max(0.05, float(np.median(a.o_radius)) / KM_PER_DEGREE / 2)
    everyone = np.arange(n)
    kept_r, kept_o, kept_d = [], [], []
    all_offers = np.arange(len(offers))
    for begin in range(0, len(offers), OFFER_CHUNK):
        chunk = all_offers[begin : begin + OFFER_CHUNK]
        req, off = _grid_candidates(a, everyone, chunk, cell)
        req, off, km = _filter(a, free, req, off, needs_language)
        kept_r.append(req)
        kept_o.append(off)
        kept_d.append(km)
    req = np.concatenate(kept_r)
    off = np.concatenate(kept_o)
    km = np.concatenate(kept_d)
    # One float key (request, then distance) sorts several times faster than a lexsort.
    order = np.argsort(req * 1e6 + np.minimum(km, 999_999.0), kind="stable")
    req, off, km = req[order].astype(np.int64), off[order].astype(np.int64), km[order]
    pruned = False
    if len(req) > edge_budget:
        keep_per_request = max(MIN_NEIGHBOURS, edge_budget // n)
        first = np.searchsorted(req, req, side="left")
        rank = np.arange(len(req)) - first
        ok = rank < keep_per_request
        pruned = not bool(ok.all())
        req, off, km = req[ok], off[ok], km[ok]
    blocker: list[str | None] = [None] * n
    stranded = np.setdiff1d(everyone, req)
    if len(stranded):
        # Only the requests with no offer at all are examined again, stage by stage.
        passed = {stage: np.zeros(n, dtype=bool) for stage in STAGES}
        for begin in range(0, len(offers), OFFER_CHUNK):
            chunk = all_offers[begin : begin + OFFER_CHUNK]
            r, o = _grid_candidates(a, stranded, chunk, cell)
            _filter(a, free, r, o, needs_language, passed)
        for i in stranded.tolist():
            blocker[i] = next(
                (
                    code
                    for stage, code in zip(STAGES, BLOCKER_OF_STAGE, strict=True)
                    if not passed[stage][i]
                ),
                "household_too_large",
            )
    return Edges(req, off, km, blocker, pruned)
