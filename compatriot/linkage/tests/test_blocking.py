"""The prediction blocks: which pairs they bring to scoring, written so that Splink's repetition
of each rule (negated, on the pairs of every later rule) stays cheap, and used by saved models."""

from __future__ import annotations

from random import Random

import duckdb
import pandas as pd

from compatriot.linkage.engine import blocking, model, pipeline
from compatriot.linkage.engine.features import prepare
from compatriot.linkage.tests.test_speed import FAMILY, GIVEN

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


def _typo(name: str, rng: Random) -> str:
    at = rng.randrange(1, len(name))
    return name[:at] + rng.choice("aeiknrs") + name[at + 1 :]


def _registry(people: int) -> pd.DataFrame:
    """Households of three sharing a phone (most of them), some people registered again with a
    typo in a name, the year of birth alone, no phone, another phone added or the names
    swapped: pairs that many rules bring, and namesakes."""
    rng = Random(11)
    rows: list[tuple[str, ...]] = []
    for person in range(people):
        phone = f"+38050{1000000 + person // 3 * 7}" if rng.random() < 0.7 else ""
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        date = f"{rng.randint(1960, 2010)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        sex = rng.choice(("male", "female"))
        base = (given, family, date, sex, "UA", phone)
        rows.append((f"p{person}-0", *base))
        for copy in range(rng.choice((0, 1, 1, 2))):
            change = rng.choice(("given", "family", "year", "phone", "added", "swap"))
            again = {
                "given": (_typo(given, rng), family, date, sex, "UA", phone),
                "family": (given, _typo(family, rng), date, sex, "UA", phone),
                "year": (given, family, date[:4], sex, "UA", phone),
                "phone": (given, family, date, sex, "UA", ""),
                "added": (given, family, date, sex, "UA", f"{phone}; +38067{person:07d}"),
                "swap": (family, given, date, sex, "UA", phone),
            }[change]
            rows.append((f"p{person}-{copy + 1}", *again))
    return _frame(*rows)


def _numbered(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbered 0 to n - 1 in the order of the ids, as `pipeline.dedupe` does."""
    frame = frame.sort_values("unique_id", key=lambda ids: ids.astype(str), kind="stable")
    return frame.reset_index(drop=True).assign(unique_id=range(len(frame)))


def test_each_blocked_pair_is_kept_once_with_the_first_rule_that_brings_it() -> None:
    frame = _numbered(
        _frame(
            # Same names and phone: the name-pair rule (0) and the phone rule (1) both join them.
            ("1", "Olena", "Kovalenko", "1985-02-11", "female", "UA", "+380501112233"),
            ("2", "Олена", "Коваленко", "1985-02-11", "female", "UA", "+380501112233"),
            # Another person sharing the phone only: the phone rule alone.
            ("3", "Chinedu", "Okafor", "1999-07-01", "male", "NG", "+380501112233"),
        )
    )
    connection = duckdb.connect(":memory:")
    pipeline._load(connection, "records", frame)
    rules = [rule["blocking_rule"] for rule in model.prediction_block_dicts()]
    found = connection.execute(blocking.blocked_pairs_sql(rules, "records", len(frame)))
    assert sorted(found.fetchall()) == [("0", 0, 1), ("1", 0, 2), ("1", 1, 2)]


def test_a_similarity_rule_is_joined_on_keys_with_the_same_pairs() -> None:
    frame = pd.concat(
        [
            _registry(400),
            # Names missing on one side, one letter long, or alike at one end only.
            _frame(
                ("n1", "", "Kovalenko", "1985", "female", "UA", ""),
                ("n2", "Olena", "", "1985", "female", "UA", ""),
                ("n3", "O", "Kovalenko", "1985", "female", "UA", ""),
                ("n4", "Lena", "Kovalenko", "1985", "female", "UA", ""),
                ("n5", "Olena", "Kovalenko", "1985", "female", "UA", ""),
            ),
        ],
        ignore_index=True,
    )
    frame = _numbered(frame)
    linker = pipeline.new_linker(frame, pipeline.Options(), pipeline.bundled_model())
    connection = duckdb.connect(":memory:")
    pipeline._load(connection, "records", frame)

    def pairs(condition: str) -> list[tuple[int, int]]:
        return connection.execute(
            "SELECT l.unique_id, r.unique_id FROM records l JOIN records r"  # noqa: S608
            f" ON ({condition}) WHERE l.unique_id < r.unique_id"
        ).fetchall()

    # The rules as the linker's settings hold them, which `blocking.predict` looks up.
    rules = [
        rule.blocking_rule_sql
        for rule in linker._settings_obj._blocking_rules_to_generate_predictions
    ]
    similar = [rule for rule in rules if rule in model.SIMILAR_JOINS]
    assert len(similar) == sum("jaro_winkler" in rule for rule in rules) > 0
    by_last_letter = 0
    for rule in similar:
        first, last = (pairs(join) for join in model.SIMILAR_JOINS[rule])
        assert not set(first) & set(last)
        assert sorted(first + last) == sorted(pairs(rule))
        assert first
        by_last_letter += len(last)
    assert by_last_letter  # Lena/Olena at least


def test_scoring_blocked_by_joins_gives_splinks_pairs_and_scores() -> None:
    frame = pipeline._with_namesakes(_numbered(_registry(800)))
    options = pipeline.Options()
    splinks = pipeline.new_linker(frame, options, pipeline.bundled_model())
    ours = pipeline.new_linker(frame, options, pipeline.bundled_model())
    columns = ["unique_id_l", "unique_id_r", "match_key", "match_probability", *pipeline.GAMMAS]

    def scored(table: object) -> pd.DataFrame:
        pairs = table.as_pandas_dataframe()[columns]  # type: ignore[attr-defined]
        return pairs.sort_values(["unique_id_l", "unique_id_r"]).reset_index(drop=True)

    # Every candidate pair, however unlikely (no threshold).
    expected = scored(splinks.inference.predict())
    found = scored(blocking.predict(ours, len(frame), None))
    # Registered again with a lost phone, the year alone or the names swapped: pairs that
    # several rules bring, each under the first of them.
    assert len(expected) > 2000
    assert expected["match_key"].nunique() >= 8
    pd.testing.assert_frame_equal(found, expected, check_exact=False, rtol=1e-12)


def test_pairs_of_equal_probability_give_the_same_clusters_in_any_order() -> None:
    frame = _numbered(
        _frame(
            ("1", "Olena", "Kovalenko", "1985", "female", "UA", ""),
            ("2", "Olena", "Kovalenko", "1985", "female", "UA", ""),
            ("3", "Olena", "Kovalenko", "1985", "female", "UA", ""),
        )
    )
    # 0 and 2 were not scored together: only one of the two equally strong pairs can be merged.
    pairs = pd.DataFrame(
        {
            "unique_id_l": [1, 0],
            "unique_id_r": [2, 1],
            "match_probability": [0.95, 0.95],
            "gamma_given": [4, 4],
        }
    )
    options = pipeline.Options()
    clusters = [
        pipeline.cluster(ordered, frame, options, pipeline.Stats())["cluster_id"].tolist()
        for ordered in (pairs, pairs.iloc[::-1])
    ]
    assert clusters == [[0, 0, 2], [0, 0, 2]]
