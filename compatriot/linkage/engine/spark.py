"""The same pipeline on Splink's Spark backend (`--engine spark`).

Everything but the database is shared with DuckDB: the features are computed in Python, the
model's SQL is written in DuckDB's dialect and translated by Splink (sqlglot) for Spark, and the
Jaro-Winkler function comes from the Scala UDF jar that Splink ships.

`session()` returns the active Spark session if there is one (a job started by `spark-submit`
on a cluster, see docs/operations.md), otherwise a local one (`local[threads]`), with Splink's
jar on the class path. pyspark is an optional dependency (`pip install -e '.[spark]'`).
"""

from __future__ import annotations

import copy
import logging
import os
from typing import Any

import pandas as pd

# Where Splink writes its intermediate tables (parquet): a path every executor can reach on a
# cluster. COMPATRIOT_SPARK_CHECKPOINT_DIR overrides it, unless the session already has one.
CHECKPOINT_DIR = "/tmp/compatriot-linkage-spark"  # noqa: S108


def session(threads: int = 2, memory: str = "2g") -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise RuntimeError(
            "--engine spark needs pyspark: pip install -e '.[spark]' (and Java 17)"
        ) from error
    from splink.backends.spark import similarity_jar_location

    # py4j logs the closing of its connections at exit, after the streams are closed.
    logging.getLogger("py4j").setLevel(logging.WARNING)

    active = SparkSession.getActiveSession()
    if active is not None:
        if not active.sparkContext._jsc.sc().getCheckpointDir().isDefined():
            active.sparkContext.setCheckpointDir(_checkpoint_dir())
        return active
    spark = (
        SparkSession.builder.appName("compatriot-linkage")
        .master(f"local[{int(threads)}]")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", memory)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(max(2, int(threads) * 2)))
        .config("spark.default.parallelism", str(max(2, int(threads) * 2)))
        .getOrCreate()
    )
    # Spark logs the fallback from generated code for the long comparison expressions as an
    # error with a stack trace; it is not one (the query runs interpreted).
    spark.sparkContext.setLogLevel("FATAL")
    spark.sparkContext.setCheckpointDir(_checkpoint_dir())
    return spark


def _checkpoint_dir() -> str:
    return os.environ.get("COMPATRIOT_SPARK_CHECKPOINT_DIR") or CHECKPOINT_DIR


def api(spark: Any) -> Any:
    from splink import SparkAPI

    # Few partitions: a file of thousands of records split in hundreds of tasks spends its
    # time scheduling them.
    db_api = SparkAPI(
        spark_session=spark,
        break_lineage_method="parquet",
        num_partitions_on_repartition=max(2, spark.sparkContext.defaultParallelism),
    )
    # sqlglot translates DuckDB's jaro_winkler_similarity to JAROWINKLER_SIMILARITY; Splink
    # registers the jar's function as jaro_winkler only: register it under that name too.
    from pyspark.sql.types import DoubleType

    spark.udf.registerJavaFunction(
        "jarowinkler_similarity", "uk.gov.moj.dash.linkage.JaroWinklerSimilarity", DoubleType()
    )
    return db_api


def load(spark: Any, name: str, frame: pd.DataFrame, types: dict[str, str]) -> Any:
    """The frame as a Spark DataFrame with fixed types, also registered as the view `name`."""
    from pyspark.sql import functions as f

    kinds = {
        "VARCHAR": "string",
        "INTEGER": "int",
        "BIGINT": "bigint",
        "VARCHAR[]": "array<string>",
    }
    converters = {"VARCHAR": str, "INTEGER": int, "BIGINT": int, "VARCHAR[]": list}
    schema = ", ".join(f"{column} {kinds[kind]}" for column, kind in types.items())

    def value(raw: Any, kind: str) -> Any:
        if raw is None or (not isinstance(raw, list | tuple) and pd.isna(raw)):
            return None
        return converters[kind](raw)

    columns = list(types.items())
    records = [
        tuple(value(raw, kind) for raw, (_, kind) in zip(row, columns, strict=True))
        for row in frame[[column for column, _ in columns]].itertuples(index=False, name=None)
    ]
    table = spark.createDataFrame(records, schema=schema)
    table = table.select([f.col(column) for column in types])
    table.createOrReplaceTempView(name)
    return table


def translated_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """A model saved from DuckDB, with its SQL translated for Spark."""
    from splink.internals.comparison_level_library import _translate_sql_string
    from splink.internals.dialects import SplinkDialect

    target = SplinkDialect.from_string("spark").sqlglot_dialect
    translated = copy.deepcopy(settings)
    source = translated.get("sql_dialect", "duckdb")
    if source == "spark":
        return translated
    for comparison in translated["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("sql_condition") and level["sql_condition"].strip().upper() != "ELSE":
                level["sql_condition"] = _translate_sql_string(
                    level["sql_condition"], target, source
                )
    rules = translated.get("blocking_rules_to_generate_predictions", [])
    translated["blocking_rules_to_generate_predictions"] = [
        {**rule, "sql_dialect": rule.get("sql_dialect", source)}
        if isinstance(rule, dict)
        else {"blocking_rule": rule, "sql_dialect": source}
        for rule in rules
    ]
    translated["sql_dialect"] = "spark"
    return translated
