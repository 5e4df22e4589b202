"""Matching one category: the flow relaxation, then whole households, part by part.

1. The people-flow relaxation (households divisible) over the whole category gives the LP
   upper bound and, for most households, an integral answer already.
2. The compatibility graph is cut into connected components. A component whose flow keeps
   every household whole is solved: the relaxation's optimum is integral, hence optimal.
3. A small component with a split household goes whole to CP-SAT (optimal unless the time runs
   out). In a large one only the neighbourhood of the split households is re-packed: the
   households split, those sharing an offer with them and the best waiting households next to
   those offers; everything else keeps its flow assignment.
4. Whatever CP-SAT cannot finish in time keeps the greedy packing it started from, so the answer
   is always feasible.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from compatriot.assistance.engine.compat import Edges
from compatriot.assistance.engine.graph import components, distance_units, people_flow
from compatriot.assistance.engine.pack import Part, pack_exact, pack_greedy

EXACT_COMPONENT_EDGES = 5_000  # components up to this size go whole to CP-SAT
CP_SAT_MAX_EDGES = 40_000  # larger repair parts are packed greedily
WAITING_PER_OFFER = 32  # waiting households considered per re-packed offer
UNIT_KM = 0.1
PART_SECONDS_PER_EDGE = 1 / 1_000  # CP-SAT time per part, at most, beside the deadline's share


@dataclass
class CategoryOutcome:
    chosen_edge: np.ndarray  # per request: index into the edges, or -1
    lp_weighted: float
    parts: int
    parts_exact: int


def _repack_set(
    edges: Edges,
    flow: np.ndarray,
    weights: np.ndarray,
    assigned_edge: np.ndarray,
    split: np.ndarray,
    label: np.ndarray,
    small_component: np.ndarray,
) -> np.ndarray:
    """Which requests are packed again (boolean per request)."""
    n = len(split)
    free_set = split.copy()
    in_small = small_component[label[:n]]
    free_set |= in_small & (label[:n] >= 0)
    touched = np.zeros(label.shape[0] - n, dtype=bool)
    touched[edges.offer[(flow > 0) & split[edges.request]]] = True
    has = assigned_edge >= 0
    free_set[has] |= touched[edges.offer[assigned_edge[has]]]
    # The best waiting households next to each touched offer.
    waiting = (assigned_edge < 0) & ~split
    candidate = waiting[edges.request] & touched[edges.offer]
    idx = np.flatnonzero(candidate)
    if len(idx):
        r, o = edges.request[idx], edges.offer[idx]
        order = np.lexsort((edges.km[idx], -weights[r], o))
        o_sorted = o[order]
        first = np.searchsorted(o_sorted, o_sorted, side="left")
        rank = np.arange(len(order)) - first
        free_set[r[order][rank < WAITING_PER_OFFER]] = True
    return free_set


def solve_category(
    edges: Edges,
    people: np.ndarray,
    weights: np.ndarray,
    free: np.ndarray,
    *,
    deadline: float,
) -> CategoryOutcome:
    n, m = len(people), len(free)
    chosen = np.full(n, -1, dtype=np.int64)
    if len(edges.request) == 0:
        return CategoryOutcome(chosen, 0.0, 0, 0)
    flow = people_flow(edges.request, edges.offer, edges.km, people, weights, free)
    lp_weighted = float((flow * weights[edges.request]).sum())
    whole = flow == people[edges.request]
    chosen[edges.request[whole]] = np.flatnonzero(whole)
    served = np.bincount(edges.request, weights=flow, minlength=n)
    split = (served > 0) & (chosen < 0)

    label = components(n + m, edges.request, edges.offer + n)
    has_edge = np.zeros(n + m, dtype=bool)
    has_edge[edges.request] = True
    has_edge[edges.offer + n] = True
    label = np.where(has_edge, label, -1)
    edge_label = label[edges.request]
    edge_count = np.bincount(edge_label, minlength=n + m)
    component_ids = np.flatnonzero(edge_count)
    needs_repair = np.zeros(n + m, dtype=bool)
    needs_repair[label[:n][split]] = True
    small = (edge_count <= EXACT_COMPONENT_EDGES) & needs_repair
    parts = len(component_ids)
    parts_exact = int((~needs_repair[component_ids]).sum())
    if not split.any():
        return CategoryOutcome(chosen, lp_weighted, parts, parts_exact)

    small_or_none = np.append(small, False)  # label -1 (no edge) reads the appended False
    free_set = _repack_set(edges, flow, weights, chosen, split, label, small_or_none)
    flow_whole = chosen.copy()  # the flow's whole households: the packing starts from them
    chosen[free_set] = -1
    room = free.astype(np.int64).copy()
    fixed = chosen >= 0
    np.subtract.at(room, edges.offer[chosen[fixed]], people[fixed])

    sub = free_set[edges.request] & (people[edges.request] <= room[edges.offer])
    sub_edges = np.flatnonzero(sub)
    sub_label = label[edges.request[sub_edges]]
    order = np.argsort(sub_label, kind="stable")
    sub_edges, sub_label = sub_edges[order], sub_label[order]
    bounds = np.flatnonzero(np.diff(sub_label)) + 1
    groups = np.split(sub_edges, bounds)
    proved = 0
    left = sum(len(g) for g in groups)
    for group in sorted(groups, key=len):
        if not len(group):
            continue
        exact = _pack_group(
            edges,
            group,
            people,
            weights,
            room,
            chosen,
            flow_whole,
            deadline,
            share=len(group) / left,
        )
        left -= len(group)
        if exact and small[label[edges.request[group[0]]]]:
            proved += 1
    return CategoryOutcome(chosen, lp_weighted, parts, parts_exact + proved)


def _pack_group(
    edges: Edges,
    group: np.ndarray,
    people: np.ndarray,
    weights: np.ndarray,
    room: np.ndarray,
    chosen: np.ndarray,
    flow_whole: np.ndarray,
    deadline: float,
    share: float,
) -> bool:
    """Packs one part in place (updates `chosen` and `room`); True when proved optimal."""
    req_global = edges.request[group]
    off_global = edges.offer[group]
    requests, local_req = np.unique(req_global, return_inverse=True)
    offers, local_off = np.unique(off_global, return_inverse=True)
    part = Part(
        req=local_req.astype(np.int64),
        off=local_off.astype(np.int64),
        cost=distance_units(edges.km[group], UNIT_KM),
        people=people[requests],
        weights=weights[requests],
        free=room[offers],
    )
    # `group` is sorted (edges keep their order within a component): find the flow's edges in it.
    kept = flow_whole[requests]
    position = np.searchsorted(group, np.maximum(kept, 0))
    position = np.minimum(position, len(group) - 1)
    preset = np.where((kept >= 0) & (group[position] == kept), position, -1)
    local_choice = pack_greedy(part, preset)
    exact = False
    remaining = deadline - time.monotonic()
    if len(group) <= CP_SAT_MAX_EDGES and remaining > 0.05:
        relaxed = people_flow(
            part.req, part.off, edges.km[group], part.people, part.weights, part.free
        )
        bound = int((relaxed * part.weights[part.req]).sum())
        budget = min(remaining * share, PART_SECONDS_PER_EDGE * len(group) + 0.5)
        local_choice, exact = pack_exact(part, local_choice, upper_bound=bound, seconds=budget)
    served = local_choice >= 0
    chosen[requests[served]] = group[local_choice[served]]
    np.subtract.at(room, offers[part.off[local_choice[served]]], part.people[served])
    return exact
