"""Whole households into offers: the integer part of the problem (a packing problem).

`pack_greedy` is the always-feasible packing that the search (`lns.py`) starts from. A `Part`
holds edges (req, off, cost), the households' people and weights, and the offers' free
capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Part:
    req: np.ndarray  # local request index per edge, edges sorted by request then cost
    off: np.ndarray  # local offer index per edge
    cost: np.ndarray  # int64 distance units per person
    people: np.ndarray  # per local request
    weights: np.ndarray  # per local request
    free: np.ndarray  # per local offer

    def big(self) -> int:
        worst = np.zeros(len(self.people), dtype=np.int64)
        np.maximum.at(worst, self.req, self.cost)
        return int((self.people * worst).sum()) + 1

    def value(self, chosen: np.ndarray) -> tuple[int, int]:
        """(weighted people, people-distance) of a choice: one edge index or -1 per request."""
        served = chosen >= 0
        edges = chosen[served]
        people = self.people[served]
        return int((people * self.weights[served]).sum()), int((people * self.cost[edges]).sum())


def pack_greedy(part: Part, preset: np.ndarray | None = None) -> np.ndarray:
    """Keeps the preset choices (one edge or -1 per request; they must fit together), then the
    rest by highest weight first (larger households first, so they still fit), nearest offer
    with room."""
    n = len(part.people)
    starts = np.searchsorted(part.req, np.arange(n + 1)).tolist()
    room = part.free.astype(np.int64).tolist()
    chosen = np.full(n, -1, dtype=np.int64)
    people = part.people.tolist()
    offs = part.off.tolist()
    if preset is not None:
        for r in np.flatnonzero(preset >= 0).tolist():
            e = int(preset[r])
            if room[offs[e]] >= people[r]:
                room[offs[e]] -= people[r]
                chosen[r] = e
    for r in np.lexsort((-part.people, -part.weights)).tolist():
        if chosen[r] >= 0:
            continue
        need = people[r]
        for e in range(starts[r], starts[r + 1]):
            o = offs[e]
            if room[o] >= need:
                room[o] -= need
                chosen[r] = e
                break
    return chosen
