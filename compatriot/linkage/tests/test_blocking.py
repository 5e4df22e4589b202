"""The prediction blocks: which pairs they bring to scoring, written so that Splink's repetition
of each rule (negated, on the pairs of every later rule) stays cheap, and used by saved models."""

from __future__ import annotations

import duckdb
import pandas as pd

from compatriot.linkage.engine import model, pipeline
from compatriot.linkage.engine.features import prepare

HEADER = ("id", "given_name", "family_name", "date_of_birth", "sex", "nationality", "phone")


def _frame(*rows: tuple[str, ...]) -> pd.DataFrame:
    records = [(line, dict(zip(HEADER, row, strict=True))) for line, row in enumerate(rows, 2)]
    # As the pipeline loads it: with each record's count of namesakes (same names, same year).
    return pipeline._with_namesakes(prepare(records).frame)


def _rules_pairing(frame: pd.DataFrame) -> dict[tuple[str, str], set[int]]:
    """For each pair of records (lower id first), the prediction blocks that bring it, each
    rule evaluated both as Splink's join condition and as its exclusion filter on all pairs."""
    connection = duckdb.connect(":memory:")
    pipeline._load(connection, "records", frame)
    found: dict[tuple[str, str], set[int]] = {}
    for number, rule in enumerate(model.prediction_block_dicts()):
        sql = rule["blocking_rule"]
        joined = connection.execute(
            "SELECT l.unique_id, r.unique_id FROM records l JOIN records r"  # noqa: S608
            f" ON ({sql}) WHERE l.unique_id < r.unique_id"
        ).fetchall()
        filtered = connection.execute(
            "SELECT l.unique_id, r.unique_id FROM records l, records r"  # noqa: S608
            f" WHERE l.unique_id < r.unique_id AND coalesce(({sql}), false)"
        ).fetchall()
        # The same pairs whether DuckDB joins on the rule or filters by it (as Splink does
        # with the rules before each one): a CASE must not change what a rule means.
        assert sorted(joined) == sorted(filtered), rule
        for pair in joined:
            found.setdefault(pair, set()).add(number)
    return found


def test_a_cross_script_duplicate_with_a_spelling_change_is_blocked() -> None:
    found = _rules_pairing(
        _frame(
            # Another phone on each side, the family name spelt by another convention and the
            # given name one letter off: only the rules with a similarity filter reach them.
            ("1", "Мухаммед", "Мамедов", "1990-04-12", "male", "AZ", "+994505551234"),
            ("2", "Muhamed", "Mammadov", "1990", "male", "AZE", "+380671234567"),
            # A namesake born ten years later is not even a candidate.
            ("3", "Muhammad", "Mammadov", "2000-01-05", "male", "AZ", ""),
            # Given and family names swapped, the family name spelt another way.
            ("4", "Mamedov", "Muhammed", "1990", "male", "AZ", ""),
        )
    )
    assert found[("1", "2")]
    assert ("1", "3") not in found
    assert ("2", "3") not in found
    assert found.get(("1", "4")) or found.get(("2", "4"))
    # The given-name similarity rule keeps a one-letter-off spelling with the same family key.
    similar_given = next(
        number
        for number, rule in enumerate(model.PREDICTION_BLOCKS)
        if isinstance(rule, str) and rule.startswith("l.family_key = r.family_key")
    )
    assert similar_given in found[("1", "2")]


def test_a_saved_model_blocks_with_the_rules_of_the_code() -> None:
    saved = pipeline.bundled_model()
    saved["splink"]["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": "l.given_key = r.given_key", "sql_dialect": "duckdb"}
    ]
    settings = pipeline._settings_for(saved, 5000)
    assert settings["blocking_rules_to_generate_predictions"] == model.prediction_block_dicts()


def test_clusters_are_named_by_their_smallest_id_as_text() -> None:
    # Ids whose order as text is not their order as numbers: the engine numbers the records
    # inside, and each cluster must still be named by its smallest id as text.
    frame = _frame(
        ("p10", "Olena", "Kovalenko", "1985-02-11", "female", "UA", "+380501112233"),
        ("p9", "Олена", "Коваленко", "1985-02-11", "female", "UA", "0501112233"),
        ("p100", "Olena", "Kovalenko", "1985-02-11", "female", "UA", "+380501112233"),
        ("p2", "Chinedu", "Okafor", "1999-07-01", "male", "NG", "+2348031234567"),
    )
    clusters, pairs, _ = pipeline.dedupe(frame)
    found = dict(zip(clusters["unique_id"], clusters["cluster_id"], strict=True))
    assert found == {"p10": "p10", "p9": "p10", "p100": "p10", "p2": "p2"}
    assert (pairs["unique_id_l"] < pairs["unique_id_r"]).all()
