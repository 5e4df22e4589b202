"""Whole households from the flow, then large-neighbourhood search with a MIP solver.

1. `round_flow`: the relaxation's whole households are kept; the flow is solved again on what
   is left (open households, offers' remaining room, only offers a household fits into whole),
   and its new whole households are kept too, a few times over. What is still open is packed
   greedily (highest weight first, nearest offer with room).
2. `improve`: neighbourhoods of a few offers each (an offer and the offers that share the most
   candidate households with it) are solved exactly with SCIP (CP-SAT when SCIP is missing):
   the households placed in those offers and the best waiting households next to them, every
   other household fixed. A neighbourhood's answer replaces the current one only when it is
   better (more weighted people, then fewer people-km), so the answer only improves and stays
   feasible. Offers where the relaxation split a household come first (that is where the gap
   to the bound is), largest lost weight first; then rounds over all offers while time lasts.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.linear_solver import pywraplp

from compatriot.assistance.engine.graph import people_flow
from compatriot.assistance.engine.pack import Part, pack_greedy

ROUNDING_PASSES = 6
NEIGHBOUR_OFFERS = 6  # offers per neighbourhood
WAITING_PER_OFFER = 12  # waiting households per offer of a neighbourhood, best first
NEIGHBOURHOOD_SECONDS = 1.0  # a neighbourhood's solver time, at most
EXACT_EDGES = 1_500  # a component up to this size is one neighbourhood, solved whole


def _load(edges_offer: np.ndarray, chosen: np.ndarray, people: np.ndarray, m: int) -> np.ndarray:
    served = chosen >= 0
    return np.bincount(edges_offer[chosen[served]], weights=people[served], minlength=m).astype(
        np.int64
    )


def round_flow(
    req: np.ndarray,
    off: np.ndarray,
    km: np.ndarray,
    people: np.ndarray,
    weights: np.ndarray,
    free: np.ndarray,
    chosen: np.ndarray,
    *,
    deadline: float,
) -> np.ndarray:
    """Extends `chosen` (edge per request or -1) with whole households of repeated flows."""
    chosen = chosen.copy()
    m = len(free)
    for _ in range(ROUNDING_PASSES):
        if time.monotonic() > deadline:
            break
        room = free - _load(off, chosen, people, m)
        usable = np.flatnonzero((chosen[req] < 0) & (people[req] <= room[off]))
        if not len(usable):
            break
        flow = people_flow(req[usable], off[usable], km[usable], people, weights, room)
        whole = flow == people[req[usable]]
        if not whole.any():
            break
        chosen[req[usable[whole]]] = usable[whole]
    part = Part(req=req, off=off, cost=np.zeros(len(req), np.int64), people=people,
                weights=weights, free=free)
    return pack_greedy(part, chosen)


class _Csr:
    def __init__(self, keys: np.ndarray, size: int) -> None:
        self.order = np.argsort(keys, kind="stable")
        self.starts = np.searchsorted(keys[self.order], np.arange(size + 1))

    def items(self, nodes: np.ndarray) -> np.ndarray:
        """Indices (into the keyed array) of every item of the given nodes."""
        lo, hi = self.starts[nodes], self.starts[nodes + 1]
        lengths = hi - lo
        if not lengths.sum():
            return np.zeros(0, dtype=np.int64)
        offsets = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
        return self.order[offsets + np.arange(lengths.sum())]


class Improver:
    """LNS over one category's compatibility graph; `chosen` is updated in place."""

    def __init__(self, req, off, cost, people, weights, free, chosen) -> None:
        self.req, self.off, self.cost = req, off, cost
        self.people, self.weights, self.free = people, weights, free
        self.chosen = chosen
        self.n, self.m = len(people), len(free)
        self.by_offer = _Csr(off, self.m)
        self.by_request = _Csr(req, self.n)
        self.value = people * weights
        self.solved = 0
        self.improved = 0

    # -- neighbourhoods -------------------------------------------------------------------
    def neighbours(self, seed: int, k: int) -> np.ndarray:
        requests = self.req[self.by_offer.items(np.array([seed]))]
        offers = self.off[self.by_request.items(requests)]
        counts = np.bincount(offers, minlength=self.m)
        counts[seed] = counts.max() + 1
        if np.count_nonzero(counts) <= k:
            return np.flatnonzero(counts)
        return np.argpartition(-counts, k - 1)[:k]

    def subproblem(self, offers: np.ndarray, waiting_cap: int | None) -> np.ndarray:
        """Edge indices of the neighbourhood of `offers`."""
        in_set = np.zeros(self.m, dtype=bool)
        in_set[offers] = True
        edges = self.by_offer.items(offers)
        r = self.req[edges]
        current = self.chosen[r]
        placed_here = (current >= 0) & in_set[self.off[np.maximum(current, 0)]]
        waiting = current < 0
        if waiting_cap is not None and waiting.any():
            w_requests = np.unique(r[waiting])
            if len(w_requests) > waiting_cap:
                rank = np.lexsort((self.people[w_requests], -self.weights[w_requests]))
                keep = np.zeros(self.n, dtype=bool)
                keep[w_requests[rank[:waiting_cap]]] = True
                waiting &= keep[r]
        return np.sort(edges[placed_here | waiting])

    # -- solving --------------------------------------------------------------------------
    def solve(self, edges: np.ndarray, seconds: float) -> bool:
        """Solves one neighbourhood; applies it when better. True when proved optimal."""
        if not len(edges):
            return True
        requests, local_req = np.unique(self.req[edges], return_inverse=True)
        offers, local_off = np.unique(self.off[edges], return_inverse=True)
        people = self.people[requests]
        current = self.chosen[requests]
        room = self.free[offers] - _load(self.off, self.chosen, self.people, self.m)[offers]
        # The households placed here give their room back.
        here = current >= 0
        np.add.at(
            room,
            np.searchsorted(offers, self.off[current[here]]),
            people[here],
        )
        edge_people = people[local_req]
        gain = (self.weights[requests] * people)[local_req]
        cost = edge_people * self.cost[edges]
        big = int(cost.max(initial=0)) * len(requests) + 1
        solver = pywraplp.Solver.CreateSolver("SCIP")
        if solver is None:  # pragma: no cover - the OR-Tools wheels ship SCIP
            return self._solve_cp_sat(edges, requests, local_req, local_off, room, seconds)
        x = [solver.BoolVar("") for _ in range(len(edges))]
        starts = np.searchsorted(local_req, np.arange(len(requests) + 1)).tolist()
        for i in range(len(requests)):
            if starts[i + 1] - starts[i] > 1:
                solver.Add(solver.Sum(x[starts[i] : starts[i + 1]]) <= 1)
        order = np.argsort(local_off, kind="stable")
        o_starts = np.searchsorted(local_off[order], np.arange(len(offers) + 1)).tolist()
        order_l, ep = order.tolist(), edge_people.tolist()
        for j in range(len(offers)):
            members = order_l[o_starts[j] : o_starts[j + 1]]
            if sum(ep[e] for e in members) > room[j]:
                ct = solver.Constraint(0.0, float(room[j]))
                for e in members:
                    ct.SetCoefficient(x[e], float(ep[e]))
        objective = solver.Objective()
        for e, (g, c) in enumerate(zip(gain.tolist(), cost.tolist(), strict=True)):
            objective.SetCoefficient(x[e], float(g * big - c))
        objective.SetMaximization()
        position = {int(g): i for i, g in enumerate(edges.tolist())}
        hint = np.zeros(len(edges), dtype=bool)
        for e in current[here].tolist():
            hint[position[e]] = True
        solver.SetHint(x, hint.astype(float).tolist())
        solver.SetTimeLimit(max(10, int(seconds * 1000)))
        params = pywraplp.MPSolverParameters()
        # Proving the people-km part optimal is not worth the time: stop once the weighted
        # people are (their gap below one unit of `big`).
        params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.5 / max(1, int(gain.sum())))
        status = solver.Solve(params)
        self.solved += 1
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return False
        values = np.array([v.solution_value() > 0.5 for v in x], dtype=bool)
        self._apply(edges, requests, local_req, values)
        return status == pywraplp.Solver.OPTIMAL

    def _solve_cp_sat(self, edges, requests, local_req, local_off, room, seconds):  # pragma: no cover
        from compatriot.assistance.engine.pack import pack_exact

        part = Part(
            req=local_req.astype(np.int64), off=local_off.astype(np.int64),
            cost=self.cost[edges], people=self.people[requests],
            weights=self.weights[requests], free=room,
        )
        position = {int(g): i for i, g in enumerate(edges.tolist())}
        hint = np.array([position.get(int(e), -1) for e in self.chosen[requests]], dtype=np.int64)
        bound = int((part.people * part.weights).sum())
        choice, proved = pack_exact(part, hint, upper_bound=bound, seconds=seconds)
        values = np.zeros(len(edges), dtype=bool)
        values[choice[choice >= 0]] = True
        self._apply(edges, requests, local_req, values)
        return proved

    def _apply(self, edges, requests, local_req, values) -> None:
        new = np.full(len(requests), -1, dtype=np.int64)
        new[local_req[values]] = edges[values]
        old = self.chosen[requests]
        old_served, new_served = old >= 0, new >= 0
        old_value = int(self.value[requests][old_served].sum())
        new_value = int(self.value[requests][new_served].sum())
        old_cost = int((self.people[requests][old_served] * self.cost[old[old_served]]).sum())
        new_cost = int((self.people[requests][new_served] * self.cost[new[new_served]]).sum())
        if (new_value, -new_cost) > (old_value, -old_cost):
            # Safety: the capacity of every offer still holds.
            trial = self.chosen.copy()
            trial[requests] = new
            if (_load(self.off, trial, self.people, self.m) <= self.free).all():
                self.chosen[requests] = new
                self.improved += 1

    # -- the search -----------------------------------------------------------------------
    def run(self, seeds: np.ndarray, deadline: float) -> None:
        covered = np.zeros(self.m, dtype=bool)
        rounds = 0
        while time.monotonic() < deadline and rounds < 3:
            before = self.improved
            order = seeds if rounds == 0 else np.concatenate([seeds, np.arange(self.m)])
            covered[:] = False
            for seed in order.tolist():
                if covered[seed]:
                    continue
                left = deadline - time.monotonic()
                if left <= 0.02:
                    return
                offers = self.neighbours(seed, NEIGHBOUR_OFFERS)
                covered[offers] = True
                edges = self.subproblem(offers, WAITING_PER_OFFER * len(offers))
                self.solve(edges, min(NEIGHBOURHOOD_SECONDS, left))
            rounds += 1
            if self.improved == before:
                return
