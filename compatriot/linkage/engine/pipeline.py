"""Train, score, cluster and trace with Splink on DuckDB, stage by stage and timed.

DuckDB runs in memory with a memory limit and a thread count (uncapped training on a million
records has exhausted 24 GB on these machines); u is estimated from a capped random sample.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from splink import DuckDBAPI, Linker, block_on

from compatriot.linkage.engine import blocking, model, people
from compatriot.linkage.engine.features import COLUMNS

DEFAULT_MATCH_THRESHOLD = 0.8  # clusters join pairs at or above this (docs/linkage.md)
DEFAULT_SCORE_THRESHOLD = 0.01  # pairs below this are not worth keeping at all
SEED = 2022
GAMMAS = ("gamma_given", "gamma_family", "gamma_date_of_birth", "gamma_phones", "gamma_sex",
          "gamma_nationality", "gamma_place_of_birth")  # fmt: skip
PAIR_COLUMNS = ["unique_id_l", "unique_id_r", "match_probability", *GAMMAS]
# Fewer records than this are too few to estimate m and u from: the bundled model (estimated
# on generated multi-script data, see docs/linkage.md) is used instead.
MIN_TRAINING_RECORDS = 1000
BUNDLED_MODEL = Path(__file__).with_name("bundled_model.json")
_LISTS = ("phones", "name_keys", "name_phonetics")
_INTEGERS = ("dob_year", "dob_month", "dob_day", "name_count")
TYPES = {
    column: "VARCHAR[]" if column in _LISTS else "INTEGER" if column in _INTEGERS else "VARCHAR"
    for column in COLUMNS
} | {"namesakes": "INTEGER"}


@dataclass
class Stats:
    """What each run reports: records, pairs scored, clusters, and seconds per stage."""

    records: int = 0
    pairs_scored: int = 0
    clusters: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def timed(self, stage: str, started: float) -> None:
        self.seconds[stage] = round(time.perf_counter() - started, 3)


@dataclass(frozen=True)
class Options:
    memory_limit: str = "4GB"
    threads: int = 2
    max_u_pairs: float = 2e6
    # Training cost must not grow with the file: above this many records the model is trained on
    # a uniform random sample of them and then scores them all (see `_trained_on_sample`).
    max_training_records: int = 500_000
    match_threshold: float = DEFAULT_MATCH_THRESHOLD
    score_threshold: float = DEFAULT_SCORE_THRESHOLD
    max_years_apart: int = 2  # years of birth further apart are a hard conflict
    cluster_floor: float = 0.5  # every pair inside a cluster must score at least this
    engine: str = "duckdb"  # or "spark" (engine/spark.py): the same model on Splink's Spark backend


ENGINES = ("duckdb", "spark")


def _connection(options: Options) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{options.memory_limit}'")
    connection.execute(f"SET threads = {int(options.threads)}")
    # Spill to the system's temporary directory, not to `.tmp` under the working directory.
    spill = Path(tempfile.gettempdir()) / "compatriot-duckdb"
    connection.execute(f"SET temp_directory = '{spill}'")
    # Splink's phonetic helpers would install an extension over the network: forbid it.
    connection.execute("SET autoinstall_known_extensions = false")
    return connection


def namesakes(frame: pd.DataFrame, among: pd.DataFrame | None = None) -> pd.Series:
    """For each record, how many records share its names (the order-free pair of name keys) and
    its year of birth, itself included; empty without names or year. With `among` (a registry a
    query is compared with), the records of `among` are counted, and the record itself.

    Counted on the whole file before any training sample is drawn, so that the sample and the
    scoring see the same group sizes."""
    keys = ["pair_key", "dob_year"]
    reference = frame if among is None else among
    sizes = reference.dropna(subset=keys).groupby(keys).size().rename("size").reset_index()
    found = frame[keys].merge(sizes, on=keys, how="left")["size"].fillna(0).astype("Int64")
    counts = pd.Series(found.to_numpy(), index=frame.index, dtype="Int64")
    counts = counts + (0 if among is None else 1)
    return counts.where(frame["pair_key"].notna() & frame["dob_year"].notna())


def _with_namesakes(frame: pd.DataFrame) -> pd.DataFrame:
    return frame if "namesakes" in frame.columns else frame.assign(namesakes=namesakes(frame))


def new_linker(
    frame: pd.DataFrame,
    options: Options,
    saved_model: dict[str, Any] | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> Linker:
    settings: Any = (
        _settings_for(saved_model, len(frame)) if saved_model is not None else model.settings()
    )
    # Splink narrates every step at INFO and warns of the untrained place-of-birth levels when a
    # file has none: the commands report for themselves.
    logging.getLogger("splink").setLevel(logging.ERROR)
    frame = _with_namesakes(frame)
    if options.engine == "spark":
        from compatriot.linkage.engine import spark

        session = spark.session(options.threads)
        if isinstance(settings, dict):
            settings = spark.translated_settings(settings)
        table = spark.load(session, "records", frame, _types(frame))
        return Linker(table, settings, spark.api(session), set_up_basic_logging=False)
    if options.engine != "duckdb":
        raise ValueError(f"unknown engine {options.engine!r}: expected one of {ENGINES}")
    connection = connection or _connection(options)
    _load(connection, "records", frame)
    return Linker("records", settings, DuckDBAPI(connection=connection), set_up_basic_logging=False)


def _fetch(linker: Linker, sql: str) -> pd.DataFrame:
    """A query's result from either backend (a DuckDB relation or a Spark DataFrame)."""
    result = linker._db_api._execute_sql_against_backend(sql)
    return result.toPandas() if hasattr(result, "toPandas") else result.df()


def _types(frame: pd.DataFrame) -> dict[str, str]:
    """TYPES, with the record numbers `dedupe` gives as ids kept as integers."""
    if pd.api.types.is_integer_dtype(frame["unique_id"]):
        return {**TYPES, "unique_id": "BIGINT"}
    return TYPES


def _load(connection: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """Copy the frame into DuckDB with fixed types: an all-empty column must still be text."""
    connection.register("incoming", frame)
    casts = ", ".join(
        f'CAST("{column}" AS {kind}) AS "{column}"' for column, kind in _types(frame).items()
    )
    connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {casts} FROM incoming")  # noqa: S608
    connection.unregister("incoming")


def train(linker: Linker, options: Options, stats: Stats) -> None:
    started = time.perf_counter()
    training = linker.training
    training.estimate_probability_two_random_records_match(model.deterministic_rules(), recall=0.7)
    training.estimate_u_using_random_sampling(max_pairs=options.max_u_pairs, seed=SEED)
    for column in CONDITIONAL_U:
        _condition_u(linker, column)
    _condition_namesakes_u(linker)
    for name, other in (("given", "family"), ("family", "given")):
        _condition_run_together_u(linker, name, other)
    stats.timed("train_u", started)
    started = time.perf_counter()
    for alternatives in model.TRAINING_BLOCKS:
        # The first block that has pairs in this file (none has if it has no phones, say).
        # Asked beforehand: an EM session that finds no pairs leaves Splink's settings without
        # the comparisons it had set aside.
        columns = next((block for block in alternatives if _has_pairs(linker, block)), None)
        if columns is not None:
            training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True
            )
    _unobserved_levels_say_nothing(linker)
    stats.timed("train_m", started)


def _unobserved_levels_say_nothing(linker: Linker) -> None:
    """A level that no pair of the training blocks reached keeps no m of its own, and Splink
    would then weigh it by its comparison's default m (in this file: the "run together" level,
    rare once particles such as Ben and Abdel are joined in the keys, outweighed two identical
    spellings). Such a level says nothing: m = u, a Bayes factor of 1, as a missing field."""
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            u = None if level.is_null_level or level._m_is_trained else level.u_probability
            if u is not None:
                level.m_probability = u


def _has_pairs(linker: Linker, columns: tuple[str, ...]) -> bool:
    """Whether two records agree on all the columns (none of them empty)."""
    known = " AND ".join(f"{column} IS NOT NULL" for column in columns)
    listed = ", ".join(columns)
    sql = (
        f"SELECT count(*) AS n FROM (SELECT {listed} FROM records WHERE {known}"  # noqa: S608
        f" GROUP BY {listed} HAVING count(*) > 1 LIMIT 1) AS shared"
    )
    return bool(int(_fetch(linker, sql)["n"].iloc[0]))


# Fields that a name already says much about: most Fatimas are women and most Mammadovs
# Azerbaijani. Their chance of agreeing at random is counted among records that share a given
# name key, not among all records: Splink multiplies the evidence of each field as if it were
# independent of the others, and a sex or a nationality that agrees whenever the names do would
# count the names twice.
CONDITIONAL_U = ("sex", "nationality")


def _condition_u(linker: Linker, column: str) -> None:
    """Sets u of the `same` and `else` levels of an exact comparison on `column` to the share of
    pairs of records with the same given-name key (both values known) that agree on it."""
    sql = f"""
        WITH cells AS (
            SELECT given_key, {column} AS value, count(*) AS n FROM records
            WHERE given_key IS NOT NULL AND {column} IS NOT NULL GROUP BY 1, 2
        ), keys AS (SELECT given_key, sum(n) AS n FROM cells GROUP BY 1)
        SELECT (SELECT sum(n * (n - 1) / 2) FROM cells) AS same,
               (SELECT sum(n * (n - 1) / 2) FROM keys) AS total
    """  # noqa: S608  fixed column names
    same, total = _fetch(linker, sql).iloc[0].tolist()
    if pd.isna(total) or pd.isna(same) or not total or not same:
        return  # too little to go on: keep the unconditional estimate
    # Never quite 0 or 1: a level that could not happen would be infinite evidence.
    share = min(max(float(same) / float(total), 1e-4), 1 - 1e-4)
    for comparison in linker._settings_obj.comparisons:
        if comparison.output_column_name != column:
            continue
        levels = [level for level in comparison.comparison_levels if not level.is_null_level]
        for level, value in ((levels[0], share), (levels[-1], 1 - share)):
            level.u_probability = value
            # Splink takes each level's u from its record of estimates after every EM session:
            # the estimate by random sampling is replaced there too.
            level._trained_u_probabilities = [
                {"probability": value, "description": "among same given names", "m_or_u": "u"}
            ]


def _condition_run_together_u(linker: Linker, field: str, other: str) -> None:
    """u of the "run together" level of a name comparison: the share, among pairs of records
    that agree on the other name's key, of the pairs whose names run together are the same
    letters in more or fewer words (Ben Ali/Benali).

    The level compares all the name keys run together, the other name's too, so it is reached
    only when the other name agrees as well; by random pairs its u is that of both names
    agreeing (at 100,000 generated records, 2e-6 against 4e-3 for the same spelling), and beside
    the other name's own agreement it counted that name twice: Reda Benali and Reda Ben Ali,
    born the same year, outscored two Reda Benalis, though such pairs were 1% one person."""
    sql = f"""
        WITH joined AS (
            SELECT least(joined_key, joined_key_swapped) AS k, name_count AS c, count(*) AS n
            FROM records WHERE joined_key IS NOT NULL GROUP BY 1, 2
        ), keys AS (SELECT k, sum(n) AS n FROM joined GROUP BY 1),
        others AS (
            SELECT {other}_key AS k, count(*) AS n FROM records
            WHERE {other}_key IS NOT NULL GROUP BY 1
        )
        SELECT (SELECT sum(n * (n - 1) / 2) FROM keys)
               - (SELECT sum(n * (n - 1) / 2) FROM joined) AS run,
               (SELECT sum(n * (n - 1) / 2) FROM others) AS total
    """  # noqa: S608  fixed column names
    run, total = _fetch(linker, sql).iloc[0].tolist()
    if pd.isna(total) or pd.isna(run) or not total or not run:
        return  # too little to go on: keep the estimate by random sampling
    share = min(max(float(run) / float(total), 1e-6), 1 - 1e-4)
    for comparison in linker._settings_obj.comparisons:
        if comparison.output_column_name != field:
            continue
        for level in comparison.comparison_levels:
            if level.label_for_charts != "run together":
                continue
            level.u_probability = share
            level._trained_u_probabilities = [
                {"probability": share, "description": f"among same {other} names", "m_or_u": "u"}
            ]


def _condition_namesakes_u(linker: Linker) -> None:
    """u of each level of the namesakes comparison: the share of pairs of two people within one
    name-and-year group whose group has that size.

    Not the share of random pairs: they almost never share a group, and the names and the year
    would be counted a second time. Nor of all the pairs within groups: a group of two is often
    one person registered twice, so that share would be the matches' as much as the namesakes'.
    The pairs within a group whose phone numbers are both known and have none in common are
    nearly all two people (0.4% were one at 100,000 generated records) and are counted instead;
    a file without phones falls back to all the pairs within groups."""
    different_phones = (
        " AND l.phone_first <> r.phone_first"
        " AND coalesce(l.phone_last, '') <> coalesce(r.phone_last, '')"
        " AND l.phone_first <> coalesce(r.phone_last, '')"
        " AND coalesce(l.phone_last, '') <> r.phone_first"
    )
    for condition in (different_phones, ""):
        sql = f"""
            SELECT l.namesakes AS n, count(*) AS pairs FROM records AS l JOIN records AS r
            ON l.pair_key = r.pair_key AND l.dob_year = r.dob_year
            AND l.unique_id < r.unique_id{condition}
            GROUP BY 1
        """  # noqa: S608  fixed column names
        counts = _fetch(linker, sql)
        if not counts.empty and counts["pairs"].sum() > 0:
            break
    else:
        return  # no two records share names and a year: keep the sampled estimate
    sizes, pairs_by_size = counts["n"].astype(float), counts["pairs"].astype(float)
    total = float(pairs_by_size.sum())
    shares, lower = [], 0.0
    for upper in (*model.NAMESAKE_LEVELS, float("inf")):
        shares.append(float(pairs_by_size[(sizes > lower) & (sizes <= upper)].sum()) / total)
        lower = upper
    for comparison in linker._settings_obj.comparisons:
        if comparison.output_column_name != "namesakes":
            continue
        levels = [level for level in comparison.comparison_levels if not level.is_null_level]
        for level, share in zip(levels, shares, strict=True):
            # Never quite 0 or 1: a level that could not happen would be infinite evidence.
            value = min(max(share, 1e-4), 1 - 1e-4)
            level.u_probability = value
            level._trained_u_probabilities = [
                {"probability": value, "description": "among namesakes", "m_or_u": "u"}
            ]


def save_model(linker: Linker, path: Path, records: int) -> None:
    """The Splink model and the number of records it was trained on (to rescale the prior)."""
    document = {"trained_records": records, "splink": linker.misc.save_model_to_json()}
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")


def load_model(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or "splink" not in document:
        raise ValueError("is not a model saved by this engine")
    return document


def _settings_for(saved: dict[str, Any], records: int) -> dict[str, Any]:
    """A saved model applied to a file of another size: the chance that two random records
    match falls as 1/N for a given share of duplicates, so the prior is rescaled by size."""
    settings = json.loads(json.dumps(saved["splink"]))
    trained = int(saved.get("trained_records") or records)
    prior = settings["probability_two_random_records_match"] * trained / max(records, 2)
    settings["probability_two_random_records_match"] = min(prior, 0.5)
    settings["retain_matching_columns"] = settings["retain_intermediate_calculation_columns"] = True
    # How candidate pairs are found is not something the model learnt: a saved model (the
    # bundled one too) blocks with the rules of this code, not those of the day it was saved.
    settings["blocking_rules_to_generate_predictions"] = model.prediction_block_dicts()
    if records < MIN_TRAINING_RECORDS:
        # Frequencies counted in a handful of records are noise: two records of one phone
        # number in a file of six would make it look like the commonest there is (names have
        # no frequency adjustment; their commonness is the namesakes comparison's).
        for comparison in settings["comparisons"]:
            for level in comparison["comparison_levels"]:
                level.pop("tf_adjustment_column", None)
                level.pop("tf_adjustment_weight", None)
    return settings


def bundled_model() -> dict[str, Any]:
    return load_model(BUNDLED_MODEL)


def score(linker: Linker, options: Options, stats: Stats, records: int | None = None) -> Any:
    """The scored pairs above the score threshold. Given `records` (the linker's records are
    numbered 0 to `records` - 1, as `dedupe` numbers them), DuckDB blocks by plain joins
    (`blocking.predict`); Spark, and ids of any other kind, by Splink's own `predict`."""
    started = time.perf_counter()
    if records is not None and options.engine == "duckdb":
        predictions = blocking.predict(linker, records, options.score_threshold)
    else:
        predictions = linker.inference.predict(threshold_match_probability=options.score_threshold)
    stats.pairs_scored = _count(linker, predictions)
    stats.timed("score", started)
    return predictions


def _pairs(linker: Linker, table: Any) -> pd.DataFrame:
    present = set(_fetch(linker, f"SELECT * FROM {table.physical_name} LIMIT 0").columns)  # noqa: S608
    # Splink leaves out the comparison of a field that no pair had (a file without phones):
    # for the rules that read it, it is unknown on every pair.
    columns = ", ".join(c if c in present else f"-1 AS {c}" for c in PAIR_COLUMNS)
    sql = f"SELECT {columns} FROM {table.physical_name}"  # noqa: S608  a Splink table name
    pairs = _fetch(linker, sql)
    if pd.api.types.is_integer_dtype(pairs["unique_id_l"]):
        return pairs  # the record numbers of `dedupe`, mapped back to ids there
    return pairs.astype({"unique_id_l": str, "unique_id_r": str})


def _count(linker: Linker, table: Any) -> int:
    sql = f"SELECT count(*) AS n FROM {table.physical_name}"  # noqa: S608  a Splink table name
    return int(_fetch(linker, sql)["n"].iloc[0])


def conflicting(pairs: pd.DataFrame, frame: pd.DataFrame, options: Options) -> pd.Series:
    """Pairs that a hard identifier says are two people, however alike the rest: both dates of
    birth known and years apart (a parent and a child of the same name), both full dates known
    and differing in two parts or more (siblings a year or two apart, sharing a phone), both
    sexes known and different, or given names with nothing in common in any form (twins and
    siblings share everything else). They are never merged automatically; in the platform they
    go to review.

    A day and month swapped is a misreading, not a conflict; so is 1 January, which registrars
    write for a date of birth they do not know."""
    facts = frame.set_index("unique_id")[["dob_year", "dob_month", "dob_day", "sex"]]
    left = facts.reindex(pairs["unique_id_l"]).reset_index(drop=True)
    right = facts.reindex(pairs["unique_id_r"]).reset_index(drop=True)
    years_apart = (left["dob_year"] - right["dob_year"]).abs() > options.max_years_apart
    sexes_differ = left["sex"].notna() & right["sex"].notna() & (left["sex"] != right["sex"])
    given_differ = pd.Series(pairs["gamma_given"].to_numpy() == 0)
    return (
        years_apart.fillna(False) | sexes_differ | given_differ | _dates_differ(left, right)
    ).set_axis(pairs.index)


def _dates_differ(left: pd.DataFrame, right: pd.DataFrame) -> pd.Series:
    def known(side: pd.DataFrame) -> pd.Series:
        default = (side["dob_month"] == 1) & (side["dob_day"] == 1)
        return (side["dob_day"].notna() & ~default.fillna(False)).astype(bool)

    parts = ("dob_year", "dob_month", "dob_day")
    differing = sum((left[part] != right[part]).fillna(False).astype(int) for part in parts)
    swapped = (
        (left["dob_year"] == right["dob_year"])
        & (left["dob_month"] == right["dob_day"])
        & (left["dob_day"] == right["dob_month"])
    ).fillna(False)
    return (known(left) & known(right) & (differing >= 2) & ~swapped).astype(bool)


def cluster(
    pairs: pd.DataFrame, frame: pd.DataFrame, options: Options, stats: Stats
) -> pd.DataFrame:
    """unique_id -> cluster_id (the smallest id in the cluster, so reruns give the same ids).

    Pairs at or above the match threshold are merged strongest first, but two groups are joined
    only if every record of one was scored against every record of the other at or above the
    cluster floor, without a hard conflict. Plain connected components would chain namesakes
    (A like B, B like C, so A with C whom nothing links) into clusters of dozens.
    """
    started = time.perf_counter()
    allowed = pairs[~conflicting(pairs, frame, options)]
    allowed = allowed[allowed["match_probability"] >= options.cluster_floor]
    scored = {
        (left, right) if left < right else (right, left)
        for left, right in zip(allowed["unique_id_l"], allowed["unique_id_r"], strict=True)
    }
    strong = allowed[allowed["match_probability"] >= options.match_threshold]
    # Strongest first, ties (pairs of equal probability, which DuckDB returns in no fixed order)
    # by their ids: the same pairs give the same clusters on every run.
    strong = strong.sort_values(
        ["match_probability", "unique_id_l", "unique_id_r"], ascending=[False, True, True]
    )
    members: dict[str, list[str]] = {}
    root: dict[str, str] = {}
    for left, right in zip(strong["unique_id_l"], strong["unique_id_r"], strict=True):
        a, b = root.get(left, left), root.get(right, right)
        if a == b:
            continue
        group_a, group_b = members.get(a, [a]), members.get(b, [b])
        if not all(((x, y) if x < y else (y, x)) in scored for x in group_a for y in group_b):
            continue
        keep, drop = (a, b) if a < b else (b, a)
        joined = group_a + group_b
        members[keep] = joined
        members.pop(drop, None)
        for item in joined:
            root[item] = keep
    ids = frame["unique_id"]
    if not pd.api.types.is_integer_dtype(ids):
        ids = ids.astype(str)
    clusters = pd.DataFrame({"unique_id": ids, "cluster_id": [root.get(i, i) for i in ids]})
    clusters["cluster_id"] = clusters.groupby("cluster_id")["unique_id"].transform("min")
    stats.clusters = int(clusters["cluster_id"].nunique())
    stats.timed("cluster", started)
    return clusters


def dedupe(
    frame: pd.DataFrame,
    options: Options | None = None,
    *,
    saved_model: dict[str, Any] | None = None,
    keep_linker: Callable[[Linker], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, Stats]:
    """Cluster the records: (clusters, scored pairs, stats). Trains unless given a saved model.

    Inside, the records are numbered and Splink joins, compares and deduplicates pairs of
    integers rather than of the caller's text ids (millions of candidate pairs at a million
    records); the pairs and clusters returned carry the caller's ids."""
    options = options or Options()
    stats = Stats(records=len(frame))
    if saved_model is None and len(frame) < MIN_TRAINING_RECORDS:
        saved_model = bundled_model()
    # Numbered in the order of the ids, so that each pair keeps the orientation (left id below
    # right) it has with text ids: a few comparison levels are not symmetric.
    ids = frame["unique_id"].astype(str).to_numpy()
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    numbers = np.empty(len(ids), dtype="int64")
    numbers[order] = np.arange(len(ids), dtype="int64")
    numbered = _with_namesakes(frame).assign(unique_id=numbers)
    if saved_model is None and len(frame) > options.max_training_records:
        saved_model = _trained_on_sample(numbered, options, stats)
    linker = new_linker(numbered, options, saved_model)
    if saved_model is None:
        train(linker, options, stats)
    if keep_linker is not None:
        keep_linker(linker)
    predictions = score(linker, options, stats, records=len(numbered))
    pairs = _pairs(linker, predictions)
    started = time.perf_counter()
    # The namesakes comparison counted again by people, once the sure pairs are clustered.
    first = cluster(pairs, numbered, options, Stats())
    pairs["match_probability"] = people.rescored(
        pairs,
        numbered,
        first,
        conflicting(pairs, numbered, options),
        _namesakes_levels(linker),
    ).to_numpy()
    stats.timed("people", started)
    # Clustered on the record numbers (hashing integers, not text, millions of times at a million
    # records); numbered in the ids' order, the smallest number of a cluster is its smallest id.
    numbered_clusters = cluster(pairs, numbered, options, stats)
    clusters = pd.DataFrame(
        {
            "unique_id": frame["unique_id"].astype(str).to_numpy(),
            "cluster_id": ids[numbered_clusters["cluster_id"].to_numpy(dtype="int64")],
        },
        index=frame.index,
    )
    pairs["unique_id_l"] = ids[pairs["unique_id_l"].to_numpy(dtype="int64")]
    pairs["unique_id_r"] = ids[pairs["unique_id_r"].to_numpy(dtype="int64")]
    return clusters, pairs, stats


def _namesakes_levels(linker: Linker) -> tuple[np.ndarray, np.ndarray]:
    """m and u of the namesakes comparison's levels (null level left out), as trained."""
    for comparison in linker._settings_obj.comparisons:
        if comparison.output_column_name == "namesakes":
            levels = [level for level in comparison.comparison_levels if not level.is_null_level]
            break
    else:
        return np.ones(0), np.ones(0)

    def known(value: Any) -> float:
        # A level EM never saw has no m: as rare as a level may be.
        if isinstance(value, int | float) and value > 0:
            return float(value)
        return people.SMALLEST_SHARE

    return (
        np.array([known(level.m_probability) for level in levels]),
        np.array([known(level.u_probability) for level in levels]),
    )


def _trained_on_sample(frame: pd.DataFrame, options: Options, stats: Stats) -> dict[str, Any]:
    """The model trained on `options.max_training_records` records drawn at random, as saved.

    A uniform sample keeps every estimate the full file would give: u and the prior are shares
    of pairs (a person's two records are both drawn as often as any two records are), m is
    estimated within blocks of the sample, and the term frequencies are counted on the full file
    when it is scored. The prior is therefore not rescaled: the model is saved as if trained on
    the full file."""
    sample = frame.sample(n=options.max_training_records, random_state=SEED).sort_index()
    linker = new_linker(sample, options)
    train(linker, options, stats)
    return {"trained_records": len(frame), "splink": linker.misc.save_model_to_json()}


def link_new(
    new: pd.DataFrame,
    existing: pd.DataFrame,
    options: Options | None = None,
    *,
    saved_model: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, Stats]:
    """Score a few new records against many existing ones and against one another (not the
    existing ones among themselves): the scored pairs in the columns `dedupe` gives, each pair
    once. The model is the bundled one unless given (training on every few registrations would
    cost more than the scoring), its prior set for all the records together."""
    options = options or Options()
    if options.engine != "duckdb":
        raise ValueError("scoring new records runs on DuckDB only")
    stats = Stats(records=len(new))
    everything = pd.concat([existing, new], ignore_index=True)
    everything = everything.assign(namesakes=namesakes(everything))
    new = new.assign(namesakes=everything["namesakes"].iloc[len(existing) :].to_numpy())
    connection = _connection(options)
    linker = new_linker(everything, options, saved_model or bundled_model(), connection)
    started = time.perf_counter()
    # Each new record is asked for as a query (an id of its own) against all the records, the
    # new ones included, so that two new registrations of one person meet too.
    _load(connection, "queries", new.assign(unique_id="__q__" + new["unique_id"].astype(str)))
    found = linker.inference.find_matches_to_new_records(
        "queries", blocking_rules=model.prediction_blocks(), match_weight_threshold=-10
    )
    pairs = _pairs(linker, found)
    for side in ("unique_id_l", "unique_id_r"):
        pairs[side] = pairs[side].str.removeprefix("__q__")
    pairs = pairs[pairs["unique_id_l"] != pairs["unique_id_r"]]
    ordered = pairs["unique_id_l"] < pairs["unique_id_r"]
    left = pairs["unique_id_l"].where(ordered, pairs["unique_id_r"])
    pairs = pairs.assign(unique_id_r=pairs["unique_id_r"].where(ordered, pairs["unique_id_l"]))
    pairs = pairs.assign(unique_id_l=left)
    pairs = pairs.sort_values("match_probability", ascending=False, kind="stable")
    pairs = pairs.drop_duplicates(["unique_id_l", "unique_id_r"]).reset_index(drop=True)
    stats.pairs_scored = len(pairs)
    stats.timed("score", started)
    return pairs, stats


def trace(
    queries: pd.DataFrame,
    against: pd.DataFrame,
    top: int,
    options: Options | None = None,
    *,
    saved_model: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, Stats]:
    """For each query, its `top` best candidates in `against`: query_id, candidate_id, rank,
    probability. The model is trained on `against` (or loaded) and applied to each query."""
    options = options or Options()
    stats = Stats(records=len(against))
    if saved_model is None and len(against) < MIN_TRAINING_RECORDS:
        saved_model = bundled_model()
    against = _with_namesakes(against)
    if saved_model is None and len(against) > options.max_training_records:
        saved_model = _trained_on_sample(against, options, stats)
    connection = _connection(options) if options.engine == "duckdb" else None
    linker = new_linker(against, options, saved_model, connection)
    if saved_model is None:
        train(linker, options, stats)
    started = time.perf_counter()
    # A query is a new record: give it ids that cannot collide with the registry's.
    renamed = queries.assign(
        unique_id="__q__" + queries["unique_id"].astype(str),
        namesakes=namesakes(queries, among=against),
    )
    table: Any = "queries"
    if connection is not None:
        _load(connection, "queries", renamed)
    else:
        from compatriot.linkage.engine import spark

        table = spark.load(spark.session(options.threads), "queries", renamed, TYPES)
    found = linker.inference.find_matches_to_new_records(
        table, blocking_rules=model.prediction_blocks(), match_weight_threshold=-10
    ).as_pandas_dataframe()
    stats.timed("score", started)
    stats.pairs_scored = len(found)
    return _ranked(found, top), stats


def _ranked(found: pd.DataFrame, top: int) -> pd.DataFrame:
    columns = ["query_id", "candidate_id", "rank", "probability"]
    if found.empty:
        return pd.DataFrame(columns=columns)
    query_is_left = found["unique_id_l"].astype(str).str.startswith("__q__")
    query = found["unique_id_l"].where(query_is_left, found["unique_id_r"]).astype(str)
    candidate = found["unique_id_r"].where(query_is_left, found["unique_id_l"]).astype(str)
    ranked = pd.DataFrame(
        {
            "query_id": query.str.removeprefix("__q__"),
            "candidate_id": candidate,
            "probability": found["match_probability"].astype(float),
        }
    )
    ranked = ranked[~ranked["candidate_id"].str.startswith("__q__")]
    ranked = ranked.sort_values(
        ["query_id", "probability", "candidate_id"], ascending=[True, False, True]
    )
    ranked["rank"] = ranked.groupby("query_id").cumcount() + 1
    return ranked[ranked["rank"] <= top][columns].reset_index(drop=True)
