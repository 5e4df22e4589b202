"""Scoring on DuckDB with the candidate pairs found by plain joins, each pair kept once by
grouping on its two record numbers.

Splink's own `predict` keeps each pair once by repeating every rule, negated, as a filter on
the pairs of every later rule: at a million records each of the ~30 million candidate pairs of
the broad rules is tested against every earlier rule's conditions, the similarity functions
included. Grouping the pairs of all the rules' joins costs a third of that (docs/benchmarks.md,
"branch link1mb"). The pairs are the same (each rule's join, lower id on the left), each named
by the first rule that brings it as Splink names it; from them the comparison vectors and the
probabilities are computed with Splink's own SQL, so the scores are Splink's to the last digit.
"""

from __future__ import annotations

from typing import Any

from splink import Linker
from splink.internals.comparison_vector_values import (
    compute_comparison_vector_values_from_id_pairs_sqls,
)
from splink.internals.pipeline import CTEPipeline
from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
from splink.internals.vertically_concatenate import compute_df_concat_with_tf

from compatriot.linkage.engine import model

BLOCKED = "__splink__blocked_id_pairs"  # the table Splink computes comparison vectors from


def blocked_pairs_sql(rules: list[str], table: str, records: int) -> str:
    """Each pair (lower record number on the left) that any of `rules` joins, once, with the
    number of the first rule that joins it as its match key.

    The record numbers are 0 to `records` - 1 (`pipeline.dedupe` numbers them): a pair is
    grouped as one integer, left * records + right, rather than as two columns. A rule with a
    similarity filter is joined as the joins on keys that bring the same pairs
    (`model.SIMILAR_JOINS`)."""
    width = max(int(records), 1)
    joins = " UNION ALL ".join(
        f"SELECT {number} AS rule, l.unique_id * {width} + r.unique_id AS pair"  # noqa: S608
        f" FROM {table} AS l JOIN {table} AS r ON ({join}) WHERE l.unique_id < r.unique_id"
        for number, rule in enumerate(rules)
        for join in model.SIMILAR_JOINS.get(rule, (rule,))
    )
    return (
        f"SELECT CAST(min(rule) AS VARCHAR) AS match_key, pair // {width} AS join_key_l,"  # noqa: S608
        f" pair % {width} AS join_key_r FROM ({joins}) AS joined GROUP BY pair"
    )


def predict(linker: Linker, records: int, threshold_match_probability: float | None) -> Any:
    """What `linker.inference.predict` returns, for a linker of records numbered 0 to
    `records` - 1 deduplicated on DuckDB (`pipeline.dedupe`), blocked as above."""
    settings = linker._settings_obj
    db_api = linker._db_api
    nodes = compute_df_concat_with_tf(linker, CTEPipeline())
    rules = [rule.blocking_rule_sql for rule in settings._blocking_rules_to_generate_predictions]
    pipeline = CTEPipeline([nodes])
    pipeline.enqueue_sql(blocked_pairs_sql(rules, nodes.templated_name, records), BLOCKED)
    blocked = db_api.sql_pipeline_to_splink_dataframe(pipeline)
    pipeline = CTEPipeline([blocked, nodes])
    columns = settings.column_info_settings
    pipeline.enqueue_list_of_sqls(
        compute_comparison_vector_values_from_id_pairs_sqls(
            settings._columns_to_select_for_blocking,
            settings._columns_to_select_for_comparison_vector_values,
            input_tablename_l=nodes.templated_name,
            input_tablename_r=nodes.templated_name,
            source_dataset_input_column=columns.source_dataset_input_column,
            unique_id_input_column=columns.unique_id_input_column,
            link_type=settings._link_type,
            sql_dialect_str=linker._sql_dialect_str,
        )
    )
    pipeline.enqueue_list_of_sqls(
        predict_from_comparison_vectors_sqls_using_settings(
            settings,
            # Splink's annotation leaves out None (no threshold), which it takes.
            threshold_match_probability,  # type: ignore[arg-type]
            sql_infinity_expression=linker._infinity_expression,
        )
    )
    predictions = db_api.sql_pipeline_to_splink_dataframe(pipeline)
    blocked.drop_table_from_database_and_remove_from_cache()
    return predictions
