"""The LP-relaxation upper bound on weighted people served, from the full compatibility graph.

The relaxation lets households split. `method="flow"` solves it as the network it is (min-cost
flow, exact and fast); `method="glop"` (or "pdlp") hands the same LP to OR-Tools' linear solvers,
as an independent check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from ortools.linear_solver import pywraplp

from compatriot.assistance.engine.compat import compatible_edges
from compatriot.assistance.engine.graph import people_flow
from compatriot.assistance.engine.model import Allocation, Offer, Request, weight

UNLIMITED = 10**12


def _lp(req: np.ndarray, off: np.ndarray, people, weights, free, method: str) -> float:
    solver = pywraplp.Solver.CreateSolver(method.upper())
    if solver is None:
        raise RuntimeError(f"no {method} solver in this OR-Tools build")
    x = [solver.NumVar(0.0, 1.0, "") for _ in range(len(req))]
    by_request: dict[int, list[int]] = defaultdict(list)
    by_offer: dict[int, list[int]] = defaultdict(list)
    for e, (r, o) in enumerate(zip(req.tolist(), off.tolist(), strict=True)):
        by_request[r].append(e)
        by_offer[o].append(e)
    for edges in by_request.values():
        if len(edges) > 1:
            constraint = solver.Constraint(0.0, 1.0)
            for e in edges:
                constraint.SetCoefficient(x[e], 1.0)
    for o, edges in by_offer.items():
        constraint = solver.Constraint(0.0, float(free[o]))
        for e in edges:
            constraint.SetCoefficient(x[e], float(people[req[e]]))
    objective = solver.Objective()
    for e, r in enumerate(req.tolist()):
        objective.SetCoefficient(x[e], float(people[r] * weights[r]))
    objective.SetMaximization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        raise RuntimeError(f"{method} did not solve the relaxation")
    return float(objective.Value())


def lp_upper_bound(
    requests: Sequence[Request],
    offers: Sequence[Offer],
    confirmed: Iterable[Allocation] = (),
    *,
    method: str = "flow",
) -> float:
    load: dict[str, int] = defaultdict(int)
    served = set()
    known = {o.id for o in offers}
    for allocation in confirmed:
        if allocation.offer_id in known:
            load[allocation.offer_id] += allocation.people
            served.add(allocation.request_id)
    by_category: dict[str, tuple[list[Request], list[Offer]]] = defaultdict(lambda: ([], []))
    for request in requests:
        if request.id not in served:
            by_category[request.category][0].append(request)
    for offer in offers:
        by_category[offer.category][1].append(offer)
    total = 0.0
    for category, (rs, os_) in by_category.items():
        if not rs or not os_:
            continue
        free = np.array([max(0, o.capacity - load.get(o.id, 0)) for o in os_], dtype=np.int64)
        edges = compatible_edges(rs, os_, free, category=category, edge_budget=UNLIMITED)
        people = np.array([r.people for r in rs], dtype=np.int64)
        weights = np.array([weight(r.priority) for r in rs], dtype=np.int64)
        if method == "flow":
            flow = people_flow(edges.request, edges.offer, edges.km, people, weights, free)
            total += float((flow * weights[edges.request]).sum())
        elif len(edges.request):
            total += _lp(edges.request, edges.offer, people, weights, free, method)
    return total
