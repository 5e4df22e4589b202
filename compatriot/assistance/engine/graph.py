"""Connected components and the people-flow relaxation, on numpy arrays."""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow


def components(n_nodes: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """A component label per node (the smallest node index in it): hook and compress."""
    parent = np.arange(n_nodes, dtype=np.int64)
    if len(u) == 0:
        return parent
    while True:
        pu, pv = parent[u], parent[v]
        if np.array_equal(pu, pv):
            return parent
        low = np.minimum(pu, pv)
        # Roots only ever point to smaller roots, so no cycle can form.
        np.minimum.at(parent, pu, low)
        np.minimum.at(parent, pv, low)
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped


def distance_units(km: np.ndarray, unit_km: float) -> np.ndarray:
    return np.rint(km / unit_km).astype(np.int64)


def people_flow(
    req: np.ndarray,
    off: np.ndarray,
    km: np.ndarray,
    people: np.ndarray,
    weights: np.ndarray,
    free: np.ndarray,
) -> np.ndarray:
    """People sent along each edge in the LP relaxation (households divisible).

    Each request supplies its people; they go to an offer (cost: distance) or are left unserved
    (cost: BIG x weight per person). BIG exceeds every possible total of distance costs, so the
    minimum cost first serves the most weighted people and only then the fewest people-km:
    the lexicographic objective, exactly. The relaxation is a network, so the optimum is integral
    in people and is the LP optimum GLOP would find.
    """
    n, m = len(people), len(free)
    if len(req) == 0:
        return np.zeros(0, dtype=np.int64)
    for unit_km in (0.1, 1.0, 10.0, 100.0):
        cost = distance_units(km, unit_km)
        worst = np.zeros(n, dtype=np.int64)
        np.maximum.at(worst, req, cost)
        big = int((people * worst).sum()) + 1
        if big * int(weights.max()) * (n + m + 2) >= 2**62:
            continue
        flow = min_cost_flow.SimpleMinCostFlow()
        sink = n + m
        edge_arcs = flow.add_arcs_with_capacity_and_unit_cost(req, off + n, people[req], cost)
        requests = np.arange(n, dtype=np.int64)
        flow.add_arcs_with_capacity_and_unit_cost(
            requests, np.full(n, sink, np.int64), people, big * weights
        )
        offers = np.arange(m, dtype=np.int64)
        flow.add_arcs_with_capacity_and_unit_cost(
            offers + n, np.full(m, sink, np.int64), free, np.zeros(m, np.int64)
        )
        supplies = np.concatenate([people, np.zeros(m, np.int64), [-int(people.sum())]])
        flow.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int64), supplies)
        status = flow.solve()
        if status == flow.OPTIMAL:
            return np.asarray(flow.flows(edge_arcs), dtype=np.int64)
        if status != flow.BAD_COST_RANGE:
            raise RuntimeError(f"min-cost flow failed with status {status}")
    raise RuntimeError("min-cost flow: costs out of range at every distance unit")
