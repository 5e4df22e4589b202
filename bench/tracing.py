#!/usr/bin/env python
"""Family-tracing matching as the platform runs it: accuracy and time.

Generates registrations with the scenario generator (as bench/linkage.py does). For R persons
registered more than once, one registration becomes a tracing request as a relative would describe
the person: names as that registration wrote them (another script or spelling than the others),
the year of birth only, sex and nationality, no phone. The other registrations are the searchable
population. Each size is searched the two ways the platform does (compatriot/tracing/matching.py:
bundled model, prior for the whole population, threshold and top as in settings):

- sweep: every request against the whole population (the hourly sweep, a new request);
- re-check: every request against 20 newly registered records (after a registration).

Reported: recall at 1 and at 3 (a true registration ranked first / among the possible matches
kept, at TRACING_MATCH_THRESHOLD), requests whose first possible match is someone else, seconds.

    .venv/bin/python bench/tracing.py --records 1000 10000 50000 --requests 200
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from linkage import CRISIS_COUNTRY, generate  # noqa: E402

from compatriot.linkage.engine import pipeline  # noqa: E402
from compatriot.linkage.engine.features import prepare  # noqa: E402
from compatriot.tracing.matching import _model_for  # noqa: E402


def as_request(row: dict[str, str]) -> dict[str, str]:
    return {**row, "date_of_birth": row["date_of_birth"][:4], "phone": ""}


def search(queries: list, against: list, population: int) -> tuple[dict, float]:
    started = time.perf_counter()
    ranked, _ = pipeline.trace(
        prepare(enumerate(queries, start=2), phone_regions=CRISIS_COUNTRY).frame,
        prepare(enumerate(against, start=2), phone_regions=CRISIS_COUNTRY).frame,
        settings.TRACING_CANDIDATES,
        pipeline.Options(memory_limit="1GB", threads=1),
        saved_model=_model_for(len(against), population),
    )
    kept = ranked[ranked["probability"] >= settings.TRACING_MATCH_THRESHOLD]
    found: dict[str, list[str]] = defaultdict(list)
    for query, candidate in zip(kept["query_id"], kept["candidate_id"], strict=True):
        found[query].append(candidate)
    return found, round(time.perf_counter() - started, 2)


def run(records: int, requests: int, seed: int) -> dict[str, object]:
    rows, truth, _ = generate(records, seed)
    by_person: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_person[truth[row["id"]]].append(row)
    chosen = [group[-1] for group in by_person.values() if len(group) > 1][:requests]
    chosen_ids = {row["id"] for row in chosen}
    queries = [as_request(row) for row in chosen]
    against = [row for row in rows if row["id"] not in chosen_ids]
    found, sweep_seconds = search(queries, against, len(against))
    at1 = sum(
        1 for q in chosen if found[q["id"]][:1] and truth[found[q["id"]][0]] == truth[q["id"]]
    )
    at3 = sum(1 for q in chosen if any(truth[c] == truth[q["id"]] for c in found[q["id"]]))
    wrong_first = sum(
        1 for q in chosen if found[q["id"]][:1] and truth[found[q["id"]][0]] != truth[q["id"]]
    )
    _, recheck_seconds = search(queries, against[-20:], len(against))
    return {
        "records": len(against),
        "requests": len(chosen),
        "recall@1": round(at1 / len(chosen), 3),
        "recall@3": round(at3 / len(chosen), 3),
        "wrong first": round(wrong_first / len(chosen), 3),
        "sweep s": sweep_seconds,
        "re-check s": recheck_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    results = [run(n, arguments.requests, arguments.seed) for n in arguments.records]
    print("| " + " | ".join(results[0]) + " |")
    print("|" + " --- |" * len(results[0]))
    for result in results:
        print("| " + " | ".join(str(value) for value in result.values()) + " |")


if __name__ == "__main__":
    main()
