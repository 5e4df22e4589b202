"""Whole households into offers: the integer part of the problem (a packing problem).

`pack_exact` hands one small part to CP-SAT; `pack_greedy` is the always-feasible fallback and
the solver's starting hint. Both take local indices: edges (req, off, cost) of one part, the
households' people and weights, and the offers' free capacity.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

STALL_SECONDS = 0.25
SECOND_PHASE_SHARE = 0.3  # of a part's time, at most, for shorter journeys


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


def _model(part: Part):
    model = cp_model.CpModel()
    n_edges = len(part.req)
    x = [model.new_bool_var("") for _ in range(n_edges)]
    starts = np.searchsorted(part.req, np.arange(len(part.people) + 1)).tolist()
    for r in range(len(part.people)):
        if starts[r + 1] - starts[r] > 1:
            model.add_at_most_one(x[starts[r] : starts[r + 1]])
    by_offer = np.argsort(part.off, kind="stable")
    offer_starts = np.searchsorted(part.off[by_offer], np.arange(len(part.free) + 1)).tolist()
    people_of_edge = part.people[part.req].tolist()
    for o in range(len(part.free)):
        edges = by_offer[offer_starts[o] : offer_starts[o + 1]].tolist()
        if sum(people_of_edge[e] for e in edges) > part.free[o]:
            model.add(sum(people_of_edge[e] * x[e] for e in edges) <= int(part.free[o]))
    return model, x


class _Watchdog(cp_model.CpSolverSolutionCallback):
    """Stops the search when it has not improved for `patience` seconds of this process's CPU
    time (so that a busy machine does not cut it short): on these packing problems the good
    solutions come early and the rest of the time goes to proofs."""

    def __init__(self, solver: cp_model.CpSolver, patience: float) -> None:
        super().__init__()
        self.solver, self.patience = solver, patience
        self.last = time.process_time()
        self.done = threading.Event()

    def on_solution_callback(self) -> None:
        self.last = time.process_time()

    def watch(self) -> None:
        while not self.done.wait(0.02):
            if time.process_time() - self.last > self.patience:
                self.solver.stop_search()
                return


def _run(model, x, hint: np.ndarray, part: Part, seconds: float):
    hinted = np.zeros(len(x), dtype=bool)
    hinted[hint[hint >= 0]] = True
    model.clear_hints()
    for var, value in zip(x, hinted.tolist(), strict=True):
        model.add_hint(var, value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = seconds
    solver.parameters.max_time_in_seconds = seconds * 3  # the wall clock only as a backstop
    watchdog = _Watchdog(solver, patience=STALL_SECONDS + seconds / 10)
    thread = threading.Thread(target=watchdog.watch, daemon=True)
    thread.start()
    try:
        status = solver.solve(model, watchdog)
    finally:
        watchdog.done.set()
        thread.join()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    values = np.array([solver.boolean_value(v) for v in x], dtype=bool)
    chosen = np.full(len(part.people), -1, dtype=np.int64)
    edges = np.flatnonzero(values)
    chosen[part.req[edges]] = edges
    return chosen, status == cp_model.OPTIMAL


def pack_exact(
    part: Part, hint: np.ndarray, *, upper_bound: int, seconds: float
) -> tuple[np.ndarray, bool]:
    """CP-SAT on one part, lexicographically: the most weighted people, then the fewest
    people-km among those. Returns (choice, weighted optimum proved); never worse than the hint.

    `upper_bound` is the part's LP bound on weighted people: a hint that reaches it is optimal
    and the first phase is skipped.
    """
    model, x = _model(part)
    people = part.people[part.req]
    served_weight = (part.weights[part.req] * people).tolist()
    best, proved = hint, False
    best_weighted, _ = part.value(hint)
    started = time.monotonic()
    if best_weighted < upper_bound:
        objective = sum(g * v for g, v in zip(served_weight, x, strict=True))
        model.add(objective <= upper_bound)
        model.maximize(objective)
        chosen, proved = _run(model, x, hint, part, seconds * 0.7)
        if chosen is not None and part.value(chosen)[0] >= best_weighted:
            best, best_weighted = chosen, part.value(chosen)[0]
    else:
        proved = True
    remaining = min(seconds - (time.monotonic() - started), seconds * SECOND_PHASE_SHARE)
    if remaining > 0.02:
        # Second phase: keep the weighted people, shorten the journeys.
        model.add(sum(g * v for g, v in zip(served_weight, x, strict=True)) >= best_weighted)
        model.minimize(sum(c * v for c, v in zip((people * part.cost).tolist(), x, strict=True)))
        chosen, _ = _run(model, x, best, part, remaining)
        better = chosen is not None and part.value(chosen)[0] >= best_weighted
        if better and part.value(chosen)[1] <= part.value(best)[1]:
            best = chosen
    return best, proved
