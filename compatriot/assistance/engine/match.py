"""`match`: requests and offers in, allocations with reasons and unmatched with blockers out."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from compatriot.assistance.engine.compat import DEFAULT_EDGE_BUDGET, Edges, compatible_edges
from compatriot.assistance.engine.model import (
    BLOCKERS,
    LANGUAGE_CATEGORIES,
    Allocation,
    Offer,
    Request,
    Result,
    Unmatched,
    weight,
)
from compatriot.assistance.engine.solve import finish, prepare

COLLECT_SECONDS_PER_REQUEST = 2e-5


def _confirmed_load(
    confirmed: Iterable[Allocation], offers: Sequence[Offer]
) -> tuple[dict[str, int], set[str], list[Allocation]]:
    known = {o.id for o in offers}
    load: dict[str, int] = defaultdict(int)
    kept, served = [], set()
    for allocation in confirmed:
        if allocation.offer_id not in known:
            continue  # the offer was withdrawn or expired: nothing of it left to consume
        load[allocation.offer_id] += allocation.people
        served.add(allocation.request_id)
        kept.append(allocation)
    return load, served, kept


def _reason(request: Request, offer: Offer, km: float, rank: int, options: int) -> str:
    w = weight(request.priority)
    parts = [
        f"priority {request.priority} (weight {w}) x {request.people} "
        f"{'person' if request.people == 1 else 'people'}",
        f"{km:.1f} km from the offer (radius {offer.radius_km:g} km)",
    ]
    if rank == 0:
        parts.append(f"the nearest of {options} compatible offer{'s' if options > 1 else ''}")
    else:
        parts.append(
            f"{rank} nearer compatible offer{'s were' if rank > 1 else ' was'} "
            "used for other households (higher priority or a better fit)"
        )
    if request.category in LANGUAGE_CATEGORIES:
        shared = sorted(request.languages & offer.languages)
        parts.append(f"shared language {', '.join(shared)}")
    if request.requires:
        parts.append(f"offers {', '.join(sorted(request.requires))}")
    return "; ".join(parts)


def _unmatched(request: Request, code: str, options: int) -> Unmatched:
    text = BLOCKERS[code]
    if code == "requirements":
        text += f" ({', '.join(sorted(request.requires))})"
    if code == "no_language":
        text += f" ({', '.join(sorted(request.languages)) or 'no language given'})"
    if code == "household_too_large":
        text += f" ({request.people} people, never split)"
    if code == "all_full" and options == 0:
        text = "every compatible offer is already fully allocated (allocations kept from before)"
    elif code == "all_full":
        text = f"all {options} compatible offer{'s' if options > 1 else ''} are full " + (
            "(taken by higher-priority or better-fitting households)"
        )
    return Unmatched(request.id, code, text)


def match(
    requests: Sequence[Request],
    offers: Sequence[Offer],
    confirmed: Iterable[Allocation] = (),
    *,
    time_limit: float = 50.0,
    edge_budget: int = DEFAULT_EDGE_BUDGET,
    clock: Callable[[], float] = time.monotonic,
) -> Result:
    """Matches the open requests to the offers' free capacity.

    Confirmed allocations stay as they are: their people consume capacity and their requests are
    not matched again. Requests and offers must have unique ids (the callers check).

    `time_limit` is measured on `clock`: wall time by default; `time.process_time` (this
    process's CPU time, both solver threads counted) makes a run on a busy machine search as
    long as it would on a quiet one, for benchmarks.
    """
    started = clock()
    # The explanations at the end take time too (about 20 s per million requests).
    deadline = started + max(0.0, time_limit - COLLECT_SECONDS_PER_REQUEST * len(requests))
    load, already, kept = _confirmed_load(confirmed, offers)
    result = Result(allocations=list(kept))
    summary = result.summary
    summary.requests, summary.offers = len(requests), len(offers)
    by_category: dict[str, tuple[list[Request], list[Offer]]] = defaultdict(lambda: ([], []))
    for request in requests:
        if request.id not in already:
            by_category[request.category][0].append(request)
    for offer in offers:
        by_category[offer.category][1].append(offer)
    prepared = []
    for category in sorted(by_category):
        open_requests, category_offers = by_category[category]
        if not open_requests:
            continue
        free = np.array(
            [max(0, o.capacity - load.get(o.id, 0)) for o in category_offers], dtype=np.int64
        )
        edges = compatible_edges(
            open_requests, category_offers, free, category=category, edge_budget=edge_budget
        )
        people = np.array([r.people for r in open_requests], dtype=np.int64)
        weights = np.array([weight(r.priority) for r in open_requests], dtype=np.int64)
        state = prepare(edges, people, weights, free, deadline=deadline, clock=clock)
        prepared.append((open_requests, category_offers, state))
    # The time left goes to the categories in proportion to their gaps to the bound.
    gaps = [state.gap for _, _, state in prepared]
    for index, (open_requests, category_offers, state) in enumerate(prepared):
        left = max(0.0, deadline - clock())
        rest = sum(gaps[index:])
        share = gaps[index] / rest if rest > 0 else 0.0
        outcome = finish(state, deadline=clock() + left * share, clock=clock)
        summary.lp_bound += outcome.lp_weighted
        summary.parts += outcome.parts
        summary.parts_exact += outcome.parts_exact
        _collect(result, open_requests, category_offers, state.edges, outcome.chosen_edge)
    for request in requests:
        summary.people_requested += request.people
        summary.weighted_requested += request.people * weight(request.priority)
    by_request = {r.id: r for r in requests}
    for allocation in result.allocations:
        served = by_request.get(allocation.request_id)
        if served is None or allocation.confirmed:
            continue
        request = served
        summary.people_served += allocation.people
        summary.weighted_served += allocation.people * weight(request.priority)
        summary.people_km += allocation.people * allocation.distance_km
    summary.seconds = clock() - started
    return result


def _collect(
    result: Result,
    requests: Sequence[Request],
    offers: Sequence[Offer],
    edges: Edges,
    chosen: np.ndarray,
) -> None:
    starts = np.searchsorted(edges.request, np.arange(len(requests) + 1)).tolist()
    chosen_list = chosen.tolist()
    km = edges.km.tolist()
    off = edges.offer.tolist()
    for i, request in enumerate(requests):
        options = starts[i + 1] - starts[i]
        e = chosen_list[i]
        if e >= 0:
            offer = offers[off[e]]
            # Edges are nearest first: the nearer ones are those before e, ties aside.
            rank = e - starts[i]
            while rank and km[starts[i] + rank - 1] >= km[e] - 1e-9:
                rank -= 1
            result.allocations.append(
                Allocation(
                    request.id,
                    offer.id,
                    request.people,
                    round(km[e], 3),
                    _reason(request, offer, km[e], rank, options),
                )
            )
        else:
            code = edges.blocker[i] or "all_full"
            result.unmatched.append(_unmatched(request, code, options))
