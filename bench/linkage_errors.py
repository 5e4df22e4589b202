#!/usr/bin/env python
"""Error analysis of the linkage engine on generated data: missed and wrong pairs by cause.

Runs the engine as `bench/linkage.py` does (same rows, same seed), then sorts every true pair
that ended in two clusters (false negatives) and every pair of two people that shares a cluster
(false positives) by cause, with the comparison levels (gamma: -1 missing, 0 disagree, higher
agree more) that the model gave them, and prints examples.

    .venv/bin/python bench/linkage_errors.py --records 10000 [--examples 20]

Causes of a miss: never scored (no blocking rule reached the pair, or it scored below the
0.01 kept), scored below the cluster floor (0.5), between the floor and the threshold, at or
above the threshold but a hard conflict, or allowed but kept apart by the clustering rule
(some other pair between the two groups missing or weak).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from linkage import CRISIS_COUNTRY, generate  # noqa: E402

from compatriot.linkage.engine import pipeline  # noqa: E402
from compatriot.linkage.engine.features import prepare  # noqa: E402

LEVELS = {
    "gamma_given": "given", "gamma_family": "family", "gamma_date_of_birth": "dob",
    "gamma_phones": "phone", "gamma_sex": "sex", "gamma_nationality": "nat",
    "gamma_place_of_birth": "place",
}  # fmt: skip


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--examples", type=int, default=15)
    parser.add_argument("--csv", type=Path, help="write every error pair with its levels here")
    arguments = parser.parse_args()

    rows, truth, households = generate(arguments.records, arguments.seed)
    by_id = {row["id"]: row for row in rows}
    prepared = prepare(enumerate(rows, start=2), phone_regions=CRISIS_COUNTRY).frame
    options = pipeline.Options()
    clusters, pairs, stats = pipeline.dedupe(prepared, options)
    print(f"records {stats.records}, pairs scored {stats.pairs_scored}, {stats.seconds}")
    cluster_of = dict(zip(clusters["unique_id"], clusters["cluster_id"], strict=True))
    conflicts = pipeline.conflicting(pairs, prepared, options)
    pairs = pairs.assign(conflict=conflicts.to_numpy())
    scored = {
        _key(a, b): row
        for a, b, row in zip(
            pairs["unique_id_l"], pairs["unique_id_r"], pairs.itertuples(index=False), strict=True
        )
    }
    true_pair = [truth[a] == truth[b] for a, b in zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True)]
    bins = pd.cut(pairs["match_probability"], [0, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0])
    calibration = pd.DataFrame({"bin": bins, "true": true_pair}).groupby("bin", observed=True)["true"]
    print("\ncalibration (scored pairs: share truly one person, by probability)")
    print(pd.DataFrame({"pairs": calibration.size(), "true share": calibration.mean().round(3)}))
    relative_of: dict[str, str] = {}
    for ref, members in households.items():
        for person in members:
            relative_of.setdefault(person, ref)

    people: dict[str, list[str]] = defaultdict(list)
    for identifier, person in truth.items():
        people[person].append(identifier)

    out: list[dict[str, object]] = []
    misses: Counter[str] = Counter()
    patterns: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)

    def describe(a: str, b: str) -> str:
        ra, rb = by_id[a], by_id[b]
        fields = ("given_name", "family_name", "date_of_birth", "sex", "nationality", "phone")
        return " | ".join(f"{ra[f]!s:>16} ~ {rb[f]!s:<16}" for f in fields)

    def levels(row: object) -> str:
        return " ".join(f"{name}={getattr(row, column)}" for column, name in LEVELS.items())

    for ids in people.values():
        for a, b in combinations(sorted(ids), 2):
            if cluster_of[a] == cluster_of[b]:
                continue
            row = scored.get(_key(a, b))
            if row is None:
                cause = "not scored"
                pattern = "-"
            else:
                p = row.match_probability
                if p < options.cluster_floor:
                    cause = "below floor 0.5"
                elif p < options.match_threshold:
                    cause = "0.5 to threshold"
                elif row.conflict:
                    cause = "hard conflict"
                else:
                    cause = "kept apart by clustering"
                pattern = levels(row)
            misses[cause] += 1
            patterns[cause][pattern] += 1
            if len(examples[cause]) < arguments.examples:
                prob = "-" if row is None else f"{row.match_probability:.3f}"
                examples[cause].append(f"  {prob} {pattern}\n    {describe(a, b)}")
            out.append({"kind": "FN", "cause": cause, "a": a, "b": b, "levels": pattern})

    total = sum(len(ids) * (len(ids) - 1) // 2 for ids in people.values())
    print(f"\ntrue pairs {total}, missed {sum(misses.values())}")
    for cause, count in misses.most_common():
        print(f"\n## FN {cause}: {count}")
        for pattern, n in patterns[cause].most_common(12):
            print(f"  {n:5d}  {pattern}")
        print("\n".join(examples[cause]))

    members: dict[str, list[str]] = defaultdict(list)
    for identifier, cluster_id in cluster_of.items():
        members[cluster_id].append(identifier)
    wrong: Counter[str] = Counter()
    wrong_patterns: dict[str, Counter[str]] = defaultdict(Counter)
    wrong_examples: dict[str, list[str]] = defaultdict(list)
    for ids in members.values():
        for a, b in combinations(sorted(ids), 2):
            pa, pb = truth[a], truth[b]
            if pa == pb:
                continue
            relatives = relative_of.get(pa) is not None and any(
                pa in m and pb in m for m in households.values()
            )
            cause = "relatives" if relatives else "namesakes"
            row = scored.get(_key(a, b))
            pattern = "-" if row is None else levels(row)
            wrong[cause] += 1
            wrong_patterns[cause][pattern] += 1
            if len(wrong_examples[cause]) < arguments.examples:
                prob = "-" if row is None else f"{row.match_probability:.3f}"
                wrong_examples[cause].append(f"  {prob} {pattern}\n    {describe(a, b)}")
            out.append({"kind": "FP", "cause": cause, "a": a, "b": b, "levels": pattern})
    print(f"\nwrong pairs {sum(wrong.values())}")
    for cause, count in wrong.most_common():
        print(f"\n## FP {cause}: {count}")
        for pattern, n in wrong_patterns[cause].most_common(12):
            print(f"  {n:5d}  {pattern}")
        print("\n".join(wrong_examples[cause]))
    if arguments.csv:
        pd.DataFrame(out).to_csv(arguments.csv, index=False)


if __name__ == "__main__":
    main()
