#!/usr/bin/env python
"""Error analysis of the linkage engine on generated data: missed and wrong pairs by cause.

Runs the engine as `bench/linkage.py` does (same rows, same seed), then sorts every true pair
that ended in two clusters (false negatives) and every pair of two people that shares a cluster
(false positives) by cause, with the comparison levels (gamma: -1 missing, 0 disagree, higher
agree more) that the model gave them, prints examples, and how calibrated the scores are.

    .venv/bin/python bench/linkage_errors.py --records 10000 [--examples 20] [--csv FILE]

Causes of a miss: never scored (no blocking rule reached the pair, or it scored below the
0.01 kept), scored below the cluster floor (0.5), between the floor and the threshold, at or
above the threshold but a hard conflict, or allowed but kept apart by the clustering rule
(some other pair between the two groups missing or weak). A wrong pair is of relatives (one
household) or of namesakes (anyone else). With --ceiling, the same pairs are also clustered
with each scored as the true share of its kind (`_ceiling`): the most these comparisons allow.
With --groups, the pairs of one name-and-year group scored between the floor and the threshold,
by phones and by how many people (clusters) of the group each record could be (`_group_pairs`).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from linkage import CRISIS_COUNTRY, generate, pairwise, relatives_merged

from compatriot.linkage.engine import pipeline
from compatriot.linkage.engine.features import prepare

LEVELS = {
    "gamma_given": "given", "gamma_family": "family", "gamma_date_of_birth": "dob",
    "gamma_phones": "phone", "gamma_sex": "sex", "gamma_nationality": "nat",
    "gamma_place_of_birth": "place",
}  # fmt: skip
SHOWN = ("given_name", "family_name", "date_of_birth", "sex", "nationality", "phone")


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _levels(row: Any) -> str:
    return " ".join(f"{name}={getattr(row, column)}" for column, name in LEVELS.items())


def _miss_cause(row: Any, options: pipeline.Options) -> str:
    if row is None:
        return "not scored"
    if row.match_probability < options.cluster_floor:
        return "below floor 0.5"
    if row.match_probability < options.match_threshold:
        return "0.5 to threshold"
    return "hard conflict" if row.conflict else "kept apart by clustering"


def _groups(ids_by_group: dict[str, list[str]]) -> Iterator[tuple[str, str]]:
    for ids in ids_by_group.values():
        yield from combinations(sorted(ids), 2)


def _report(title: str, counts: Counter[str], patterns: dict, examples: dict) -> None:
    print(f"\n{title} {sum(counts.values())}")
    for cause, count in counts.most_common():
        print(f"\n## {cause}: {count}")
        for pattern, n in patterns[cause].most_common(12):
            print(f"  {n:5d}  {pattern}")
        print("\n".join(examples[cause]))


def _calibration(pairs: pd.DataFrame, truth: dict[str, str]) -> None:
    ids = zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True)
    true_pair = [truth[a] == truth[b] for a, b in ids]
    edges = [0, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0]
    bins = pd.cut(pairs["match_probability"], edges)
    grouped = pd.DataFrame({"bin": bins, "true": true_pair}).groupby("bin", observed=True)
    print("\ncalibration (scored pairs: share truly one person, by probability)")
    print(pd.DataFrame({"pairs": grouped["true"].size(), "true share": grouped["true"].mean()}))


def _ceiling(
    pairs: pd.DataFrame, frame: pd.DataFrame, truth: dict[str, str], households: dict
) -> None:
    """F1 if every scored pair had, as its probability, the true share of one person among the
    scored pairs of its kind (the same comparison levels and namesakes group size): the best
    that any weighting of these comparisons could do, clustered as the engine clusters. A
    model below it at some threshold is miscalibrated there; at or near it, more recall needs
    more information than the comparisons give, or another threshold."""
    facts = pipeline._with_namesakes(frame).set_index("unique_id")
    left = facts.reindex(pairs["unique_id_l"]).reset_index(drop=True)
    right = facts.reindex(pairs["unique_id_r"]).reset_index(drop=True)
    group = (left["pair_key"] == right["pair_key"]) & (left["dob_year"] == right["dob_year"])
    size = left["namesakes"].where(group.fillna(False).astype(bool), 0).clip(upper=9)
    kind = pairs[list(LEVELS)].astype(str).agg(" ".join, axis=1) + " " + size.astype(str).values
    ids = zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True)
    true_pair = pd.Series([truth[a] == truth[b] for a, b in ids], index=pairs.index)
    oracle = pairs.assign(match_probability=true_pair.groupby(kind.values).transform("mean"))
    print("\nceiling (each kind of pair scored by its true share) against the model")
    for threshold in (0.9, 0.8, 0.7, 0.5):
        options = pipeline.Options(match_threshold=threshold)
        for name, scored in (("model", pairs), ("ceiling", oracle)):
            clusters = pipeline.cluster(scored, frame, options, pipeline.Stats())
            result = dict(zip(clusters["unique_id"], clusters["cluster_id"], strict=True))
            precision, recall, f1 = pairwise(result, truth)
            merged = relatives_merged(result, truth, households)
            print(
                f"  threshold {threshold} {name:8} P {precision:.4f} R {recall:.4f}"
                f" F1 {f1:.4f} relatives {merged:.2%}"
            )


def _phones(left: Any, right: Any) -> str:
    known_left, known_right = left is not None and len(left), right is not None and len(right)
    if not known_left and not known_right:
        return "neither"
    if not (known_left and known_right):
        return "one side"
    return "in common" if set(left) & set(right) else "different"


def _group_pairs(
    pairs: pd.DataFrame, frame: pd.DataFrame, truth: dict[str, str], options: pipeline.Options
) -> None:
    """Mean score and true share of the pairs of one name-and-year group scored between the floor
    and the threshold, by phones and by the number of people each side could be: the other
    clusters (at the threshold) of its group whose every record was scored with it without a
    hard conflict (the fewer of the two sides). A second stage that counts the people sharing a
    record's names has something to add only where the share differs from the score."""
    clusters = pipeline.cluster(pairs, frame, options, pipeline.Stats())
    cluster_of = dict(zip(clusters["unique_id"], clusters["cluster_id"], strict=True))
    fine = pairs[~pairs["conflict"]]
    allowed = set(map(_key, fine["unique_id_l"], fine["unique_id_r"]))
    grouped = frame.dropna(subset=["pair_key", "dob_year"])
    group_of: dict[str, list[str]] = {}
    for ids in grouped.groupby(["pair_key", "dob_year"])["unique_id"].agg(list):
        group_of.update(dict.fromkeys(ids, ids))

    def people(record: str) -> int:
        others: dict[str, list[str]] = defaultdict(list)
        for other in group_of.get(record, []):
            if cluster_of[other] != cluster_of[record]:
                others[cluster_of[other]].append(other)
        return sum(all(_key(record, x) in allowed for x in xs) for xs in others.values())

    facts = frame.set_index("unique_id")
    rows = []
    for row in pairs.itertuples():
        a, b = row.unique_id_l, row.unique_id_r
        weak = options.cluster_floor <= row.match_probability < options.match_threshold
        if not weak or row.conflict or cluster_of[a] == cluster_of[b] or a not in group_of:
            continue
        if group_of[a] is not group_of.get(b):
            continue
        rows.append(
            {
                "phones": _phones(facts.at[a, "phones"], facts.at[b, "phones"]),
                "people": min(people(a), people(b), 4),
                "score": row.match_probability,
                "true": truth[a] == truth[b],
            }
        )
    if not rows:
        return
    table = pd.DataFrame(rows).groupby(["phones", "people"])
    print("\npairs of one name-and-year group between the floor and the threshold")
    print("(people: other people of the group each side could be, the fewer; 4 = 4 or more)")
    print(table.agg(pairs=("true", "size"), score=("score", "mean"), share=("true", "mean")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--examples", type=int, default=15)
    parser.add_argument("--csv", type=Path, help="write every error pair with its levels here")
    parser.add_argument(
        "--ceiling", action="store_true", help="also the F1 of perfectly calibrated scores"
    )
    parser.add_argument(
        "--groups", action="store_true", help="also name-and-year group pairs by people counted"
    )
    arguments = parser.parse_args()

    rows, truth, households = generate(arguments.records, arguments.seed)
    by_id = {row["id"]: row for row in rows}
    frame = prepare(enumerate(rows, start=2), phone_regions=CRISIS_COUNTRY).frame
    options = pipeline.Options()
    clusters, pairs, stats = pipeline.dedupe(frame, options)
    print(f"records {stats.records}, pairs scored {stats.pairs_scored}, {stats.seconds}")
    cluster_of = dict(zip(clusters["unique_id"], clusters["cluster_id"], strict=True))
    pairs = pairs.assign(conflict=pipeline.conflicting(pairs, frame, options).to_numpy())
    scored = {_key(row.unique_id_l, row.unique_id_r): row for row in pairs.itertuples()}
    _calibration(pairs, truth)
    if arguments.ceiling:
        _ceiling(pairs, frame, truth, households)
    if arguments.groups:
        _group_pairs(pairs, frame, truth, options)

    def example(a: str, b: str, row: Any) -> str:
        probability = "-" if row is None else f"{row.match_probability:.3f}"
        shown = " | ".join(f"{by_id[a][f]!s:>16} ~ {by_id[b][f]!s:<16}" for f in SHOWN)
        return f"  {probability} {'-' if row is None else _levels(row)}\n    {shown}"

    out: list[dict[str, object]] = []
    for kind, members, same in (
        ("FN", _people(truth), lambda a, b: cluster_of[a] == cluster_of[b]),
        ("FP", _people(cluster_of), lambda a, b: truth[a] == truth[b]),
    ):
        counts: Counter[str] = Counter()
        patterns: dict[str, Counter[str]] = defaultdict(Counter)
        examples: dict[str, list[str]] = defaultdict(list)
        for a, b in _groups(members):
            if same(a, b):
                continue
            row = scored.get(_key(a, b))
            if kind == "FN":
                cause = _miss_cause(row, options)
            else:
                relatives = any(truth[a] in m and truth[b] in m for m in households.values())
                cause = "relatives" if relatives else "namesakes"
            pattern = "-" if row is None else _levels(row)
            counts[cause] += 1
            patterns[cause][pattern] += 1
            if len(examples[cause]) < arguments.examples:
                examples[cause].append(example(a, b, row))
            out.append({"kind": kind, "cause": cause, "a": a, "b": b, "levels": pattern})
        _report("missed pairs" if kind == "FN" else "wrong pairs", counts, patterns, examples)
    if arguments.csv:
        pd.DataFrame(out).to_csv(arguments.csv, index=False)


def _people(group_of: dict[str, str]) -> dict[str, list[str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for identifier, group in group_of.items():
        members[group].append(identifier)
    return members


if __name__ == "__main__":
    main()
