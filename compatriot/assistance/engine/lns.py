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

import threading
import time
from collections.abc import Callable

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from compatriot.assistance.engine.graph import people_flow
from compatriot.assistance.engine.pack import Part, pack_greedy

ROUNDING_PASSES = 6
MIN_ROUNDING_PASSES = 3
SOLVER = "scip"  # or "cp-sat"
NEIGHBOUR_OFFERS = 3  # offers per neighbourhood
WAITING_PER_OFFER = 10  # waiting households per offer of a neighbourhood, best first
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
    clock: Callable[[], float] = time.monotonic,
) -> np.ndarray:
    """Extends `chosen` (edge per request or -1) with whole households of repeated flows."""
    chosen = chosen.copy()
    m = len(free)
    for done in range(ROUNDING_PASSES):
        # The first passes are cheap and worth most: they run even past the deadline.
        if done >= MIN_ROUNDING_PASSES and clock() > deadline:
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
    part = Part(
        req=req,
        off=off,
        cost=np.zeros(len(req), np.int64),
        people=people,
        weights=weights,
        free=free,
    )
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
        self.load = _load(off, chosen, people, self.m)
        self.lock = threading.Lock()
        self.busy_offers = np.zeros(self.m, dtype=bool)
        self.busy_requests = np.zeros(self.n, dtype=bool)
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
        with self.lock:
            current = self.chosen[requests].copy()
            room = self.free[offers] - self.load[offers]
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
        solver = pywraplp.Solver.CreateSolver("SCIP") if SOLVER == "scip" else None
        if solver is None:
            return self._solve_cp_sat(
                edges, requests, local_req, local_off, room, seconds, gain, cost, big
            )
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
            if e in position:
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
        self._apply(edges, requests, local_req, values, current)
        return status == pywraplp.Solver.OPTIMAL

    def _solve_cp_sat(self, edges, requests, local_req, local_off, room, seconds, gain, cost, big):
        model = cp_model.CpModel()
        x = [model.new_bool_var("") for _ in range(len(edges))]
        starts = np.searchsorted(local_req, np.arange(len(requests) + 1)).tolist()
        for i in range(len(requests)):
            if starts[i + 1] - starts[i] > 1:
                model.add_at_most_one(x[starts[i] : starts[i + 1]])
        order = np.argsort(local_off, kind="stable")
        o_starts = np.searchsorted(local_off[order], np.arange(len(room) + 1)).tolist()
        order_l = order.tolist()
        ep = self.people[requests][local_req].tolist()
        for j in range(len(room)):
            members = order_l[o_starts[j] : o_starts[j + 1]]
            if sum(ep[e] for e in members) > room[j]:
                model.add(sum(ep[e] * x[e] for e in members) <= int(room[j]))
        coefficients = (gain * big - cost).tolist()
        model.maximize(sum(c * v for c, v in zip(coefficients, x, strict=True)))
        position = {int(g): i for i, g in enumerate(edges.tolist())}
        hint = np.zeros(len(edges), dtype=bool)
        current = self.chosen[requests].copy()
        for e in current.tolist():
            if e in position:
                hint[position[e]] = True
        for v, h in zip(x, hint.tolist(), strict=True):
            model.add_hint(v, h)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.absolute_gap_limit = big * 0.99
        status = solver.solve(model)
        self.solved += 1
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        values = np.array([solver.boolean_value(v) for v in x], dtype=bool)
        self._apply(edges, requests, local_req, values, current)
        return status == cp_model.OPTIMAL or (
            solver.best_objective_bound - solver.objective_value < big
        )

    def _apply(self, edges, requests, local_req, values, current) -> None:
        new = np.full(len(requests), -1, dtype=np.int64)
        new[local_req[values]] = edges[values]
        people, value = self.people[requests], self.value[requests]
        old_served, new_served = current >= 0, new >= 0
        old_key = (
            int(value[old_served].sum()),
            -int((people * self.cost[current])[old_served].sum()),
        )
        new_key = (int(value[new_served].sum()), -int((people * self.cost[new])[new_served].sum()))
        if new_key <= old_key:
            return
        with self.lock:
            if not np.array_equal(self.chosen[requests], current):
                return  # changed meanwhile (cannot happen with disjoint neighbourhoods)
            load = self.load.copy()
            np.subtract.at(load, self.off[current[old_served]], people[old_served])
            np.add.at(load, self.off[new[new_served]], people[new_served])
            touched = np.concatenate([self.off[current[old_served]], self.off[new[new_served]]])
            if (load[touched] <= self.free[touched]).all():  # capacity, checked again
                self.load = load
                self.chosen[requests] = new
                self.improved += 1

    # -- the search -----------------------------------------------------------------------
    def run(
        self,
        seeds: np.ndarray,
        deadline: float,
        workers: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Neighbourhoods around the seeds, then around every offer, while they improve;
        `workers` threads solve disjoint neighbourhoods at once (the solvers release the GIL)."""
        self._order = seeds
        self._cursor = 0
        self._round = 0
        self._round_start_improved = self.improved
        self._covered = np.zeros(self.m, dtype=bool)
        self._deadline = deadline
        self._clock = clock
        threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers - 1)]
        for thread in threads:
            thread.start()
        self._work()
        for thread in threads:
            thread.join()

    def _work(self) -> None:
        while True:
            with self.lock:
                task = self._next_task()
            if task is None:
                return
            edges, offers, requests = task
            try:
                left = self._deadline - self._clock()
                if left > 0.02 and len(edges):
                    self.solve(edges, min(NEIGHBOURHOOD_SECONDS, left))
            finally:
                with self.lock:
                    self.busy_offers[offers] = False
                    self.busy_requests[requests] = False

    def _next_task(self):
        """The next free neighbourhood, claimed (called under the lock); None when done."""
        while self._clock() < self._deadline - 0.02:
            if self._cursor >= len(self._order):
                if self._round >= 2 or self.improved == self._round_start_improved:
                    return None
                self._round += 1
                self._round_start_improved = self.improved
                self._order = np.concatenate([self._order, np.arange(self.m)])
                self._cursor = 0
                self._covered[:] = False
            seed = int(self._order[self._cursor])
            self._cursor += 1
            if self._covered[seed] or self.busy_offers[seed]:
                continue
            offers = self.neighbours(seed, NEIGHBOUR_OFFERS)
            offers = offers[~self.busy_offers[offers]]
            self._covered[offers] = True
            edges = self.subproblem(offers, WAITING_PER_OFFER * len(offers))
            edges = edges[~self.busy_requests[self.req[edges]]]
            requests = np.unique(self.req[edges])
            self.busy_offers[offers] = True
            self.busy_requests[requests] = True
            return edges, offers, requests
        return None
