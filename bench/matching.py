"""Matching benchmark: the engine against greedy first come, first served, and the LP bound.

    .venv/bin/python bench/matching.py --sizes 1000 10000 100000

For each size: a seeded instance (compatriot/assistance/engine/instances.py: households of 1-7,
priorities skewed towards 1, offers clustered around the border towns, supply ~85% of demand
per category), then
- the engine (`match`), timed end to end (compatibility graph, flow, packing, explanations),
  with its CPU time (both threads; on a busy machine it shows what a quiet one would take);
- greedy first come, first served: each request in arrival order takes the nearest compatible
  offer with room (same hard constraints, full compatibility graph);
- the LP-relaxation upper bound on the full graph: GLOP up to --glop-max requests, and always
  the same LP solved as a network flow (exact; GLOP needs too much memory at 100,000).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")

from compatriot.assistance.engine import match, weight
from compatriot.assistance.engine.bound import UNLIMITED, lp_upper_bound
from compatriot.assistance.engine.compat import compatible_edges
from compatriot.assistance.engine.instances import generate


def greedy_first_come(requests, offers):
    """(weighted people, people, people-km) of first come, first served."""
    by_category = defaultdict(lambda: ([], []))
    for r in requests:
        by_category[r.category][0].append(r)
    for o in offers:
        by_category[o.category][1].append(o)
    weighted = people = 0
    people_km = 0.0
    for category, (rs, os_) in by_category.items():
        if not rs or not os_:
            continue
        room = [o.capacity for o in os_]
        edges = compatible_edges(rs, os_, room, category=category, edge_budget=UNLIMITED)
        starts = np.searchsorted(edges.request, np.arange(len(rs) + 1)).tolist()
        off, km = edges.offer.tolist(), edges.km.tolist()
        for i, r in enumerate(rs):  # arrival order; edges are nearest first
            for e in range(starts[i], starts[i + 1]):
                if room[off[e]] >= r.people:
                    room[off[e]] -= r.people
                    weighted += r.people * weight(r.priority)
                    people += r.people
                    people_km += r.people * km[e]
                    break
    return weighted, people, people_km


def run(size: int, seed: int, glop_max: int, time_limit: float, clock: str = "wall") -> dict:
    requests, offers = generate(size, seed=seed)
    started, cpu = time.perf_counter(), time.process_time()
    result = match(
        requests,
        offers,
        time_limit=time_limit,
        clock=time.process_time if clock == "cpu" else time.monotonic,
    )
    engine_seconds = time.perf_counter() - started
    engine_cpu = time.process_time() - cpu
    started = time.perf_counter()
    greedy = greedy_first_come(requests, offers)
    greedy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    bound = lp_upper_bound(requests, offers, method="flow")
    bound_seconds = time.perf_counter() - started
    glop = lp_upper_bound(requests, offers, method="glop") if size <= glop_max else None
    s = result.summary
    return {
        "size": size,
        "offers": len(offers),
        "people": s.people_requested,
        "weighted_demand": s.weighted_requested,
        "engine": (s.weighted_served, s.people_served, s.people_km, engine_seconds),
        "greedy": (*greedy, greedy_seconds),
        "bound": bound,
        "glop": glop,
        "bound_seconds": bound_seconds,
        "parts": (s.parts, s.parts_exact),
        "engine_cpu": engine_cpu,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--glop-max", dest="glop_max", type=int, default=10_000)
    parser.add_argument("--time-limit", dest="time_limit", type=float, default=50.0)
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="what the engine's time limit counts: wall time, or this process's CPU time "
        "(both threads), so that a busy machine searches as long as a quiet one would",
    )
    args = parser.parse_args()
    print(
        "| requests | offers | people | method | weighted served | ratio to LP bound | "
        "people served | people-km | seconds |"
    )
    print("| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for size in args.sizes:
        row = run(size, args.seed, args.glop_max, args.time_limit, args.clock)
        bound = row["bound"]
        for name in ("engine", "greedy"):
            weighted, people, people_km, seconds = row[name]
            print(
                f"| {size:,} | {row['offers']:,} | {row['people']:,} | {name} | {weighted:,} | "
                f"{weighted / bound:.4f} | {people:,} | {people_km:,.0f} | {seconds:.1f} |"
            )
        gain = row["engine"][0] / row["greedy"][0] - 1
        glop = f"{row['glop']:,.0f}" if row["glop"] is not None else "not run"
        print(
            f"| {size:,} | | | LP bound: flow {bound:,.0f}, GLOP {glop} "
            f"({row['bound_seconds']:.1f} s); engine vs greedy {gain:+.1%}; "
            f"parts {row['parts'][0]}, proved {row['parts'][1]}; engine CPU "
            f"{row['engine_cpu']:.1f} s (both threads), load average {row['load']:.1f} "
            "| | | | | |",
            flush=True,
        )


if __name__ == "__main__":
    main()
