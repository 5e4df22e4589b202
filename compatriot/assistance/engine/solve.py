"""Matching one category: the flow relaxation, then whole households.

1. The people-flow relaxation (households divisible) over the whole category gives the LP
   upper bound and, for most households, an integral answer already.
2. The compatibility graph is cut into connected components. A component whose flow keeps
   every household whole is solved: the relaxation's optimum is integral, hence optimal.
3. Elsewhere the flow's whole households are kept, the flow is solved again on what is left
   (`lns.round_flow`) and the rest is packed greedily: a feasible answer, fast.
4. Then the time left is spent where the gap to the bound is (`lns.Improver`): a small component
   with a split household is solved whole by a MIP solver (optimal unless the time runs out);
   in a large one, neighbourhoods of a few offers are re-solved exactly, starting where the
   relaxation split households. Every step keeps the answer feasible and never makes it worse.

`prepare` does steps 1-3 and `finish` step 4, so that the caller can share the time between
categories according to their gaps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from compatriot.assistance.engine import lns
from compatriot.assistance.engine.compat import Edges
from compatriot.assistance.engine.graph import components, distance_units, people_flow

EXACT_COMPONENT_EDGES = lns.EXACT_EDGES  # components up to this size are solved whole
UNIT_KM = 0.1


@dataclass
class CategoryOutcome:
    chosen_edge: np.ndarray  # per request: index into the edges, or -1
    lp_weighted: float
    parts: int
    parts_exact: int


@dataclass
class Prepared:
    edges: Edges
    people: np.ndarray
    weights: np.ndarray
    free: np.ndarray
    chosen: np.ndarray
    lp_weighted: float
    parts: int = 0
    parts_exact: int = 0
    small_components: list[np.ndarray] | None = None  # edge indices, components with a split
    seeds: np.ndarray | None = None  # offers where the flow split households, worst first

    @property
    def weighted(self) -> int:
        served = self.chosen >= 0
        return int((self.people[served] * self.weights[served]).sum())

    @property
    def gap(self) -> float:
        return max(0.0, self.lp_weighted - self.weighted)

    def outcome(self) -> CategoryOutcome:
        return CategoryOutcome(self.chosen, self.lp_weighted, self.parts, self.parts_exact)


def prepare(
    edges: Edges,
    people: np.ndarray,
    weights: np.ndarray,
    free: np.ndarray,
    *,
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
) -> Prepared:
    n, m = len(people), len(free)
    chosen = np.full(n, -1, dtype=np.int64)
    if len(edges.request) == 0:
        return Prepared(edges, people, weights, free, chosen, 0.0)
    flow = people_flow(edges.request, edges.offer, edges.km, people, weights, free)
    lp_weighted = float((flow * weights[edges.request]).sum())
    whole = flow == people[edges.request]
    chosen[edges.request[whole]] = np.flatnonzero(whole)
    served = np.bincount(edges.request, weights=flow, minlength=n)
    split = (served > 0) & (chosen < 0)

    label = components(n + m, edges.request, edges.offer + n)
    edge_label = label[edges.request]
    edge_count = np.bincount(edge_label, minlength=n + m)
    component_ids = np.flatnonzero(edge_count)
    needs_repair = np.zeros(n + m, dtype=bool)
    needs_repair[label[:n][split]] = True
    prepared = Prepared(edges, people, weights, free, chosen, lp_weighted)
    prepared.parts = len(component_ids)
    prepared.parts_exact = int((~needs_repair[component_ids]).sum())
    if not split.any():
        return prepared
    prepared.chosen = lns.round_flow(
        edges.request,
        edges.offer,
        edges.km,
        people,
        weights,
        free,
        chosen,
        deadline=deadline,
        clock=clock,
    )
    small = needs_repair & (edge_count <= EXACT_COMPONENT_EDGES)
    small_edges = np.flatnonzero(small[edge_label])
    if len(small_edges):
        order = np.argsort(edge_label[small_edges], kind="stable")
        small_edges = small_edges[order]
        cuts = np.flatnonzero(np.diff(edge_label[small_edges])) + 1
        prepared.small_components = np.split(small_edges, cuts)
    # Seeds: offers where the relaxation split a household (also in the small components, in
    # case their exact solve runs out of time).
    split_edge = (flow > 0) & split[edges.request]
    lost = np.bincount(
        edges.offer[split_edge],
        weights=(flow * weights[edges.request])[split_edge],
        minlength=m,
    )
    seeds = np.flatnonzero(lost > 0)
    prepared.seeds = seeds[np.argsort(-lost[seeds], kind="stable")]
    return prepared


def finish(
    prepared: Prepared, *, deadline: float, clock: Callable[[], float] = time.monotonic
) -> CategoryOutcome:
    if prepared.small_components is None and prepared.seeds is None:
        return prepared.outcome()
    edges = prepared.edges
    improver = lns.Improver(
        edges.request,
        edges.offer,
        distance_units(edges.km, UNIT_KM),
        prepared.people,
        prepared.weights,
        prepared.free,
        prepared.chosen,
    )
    for group in sorted(prepared.small_components or [], key=len):
        left = deadline - clock()
        if left <= 0.02:
            break
        if improver.solve(group, min(left, lns.NEIGHBOURHOOD_SECONDS)):
            prepared.parts_exact += 1
    if prepared.seeds is not None and len(prepared.seeds):
        improver.run(prepared.seeds, deadline, clock=clock)
    return prepared.outcome()


def solve_category(
    edges: Edges,
    people: np.ndarray,
    weights: np.ndarray,
    free: np.ndarray,
    *,
    deadline: float,
) -> CategoryOutcome:
    return finish(prepare(edges, people, weights, free, deadline=deadline), deadline=deadline)
