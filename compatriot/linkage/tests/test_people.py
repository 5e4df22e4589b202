"""The namesakes comparison counted by people once the sure pairs are clustered (engine/people.py)."""

import math

import numpy as np
import pandas as pd
import pytest

from compatriot.linkage.engine import people

# (id, pair key, year, records of those names and year, phones, cluster)
RECORDS = [
    # One person registered twice (a1, a2: one cluster) and a record with no phone (w): a group
    # of three records but of two people.
    ("a1", "a", 1990, 3, ["+1"], "a1"),
    ("a2", "a", 1990, 3, ["+1"], "a1"),
    ("w", "a", 1990, 3, None, "w"),
    # One person registered twice, alone with those names.
    ("d1", "d", 1990, 2, ["+4"], "d1"),
    ("d2", "d", 1990, 2, ["+4"], "d1"),
    # Two people, then four, with numbers of their own.
    ("b1", "b", 1990, 2, ["+21"], "b1"),
    ("b2", "b", 1990, 2, ["+22"], "b2"),
    *((f"c{i}", "c", 1990, 4, [f"+3{i}"], f"c{i}") for i in range(4)),
    # Not of one group.
    ("x", "x", 1990, 1, None, "x"),
    ("y", "y", 1990, 1, None, "y"),
]
PAIRS = [
    ("a1", "a2", 0.995),
    ("a1", "w", 0.8),
    ("a2", "w", 0.8),
    ("d1", "d2", 0.999),
    ("b1", "b2", 0.3),
    *((f"c{i}", f"c{j}", 0.1) for i in range(4) for j in range(i + 1, 4)),
    ("x", "y", 0.7),
]
# The model's m and u of the namesakes levels by records (<= 2, 3, 4 or 5, more).
BY_RECORDS = (np.array([0.4, 0.3, 0.2, 0.1]), np.array([0.1, 0.2, 0.3, 0.4]))


def data() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frame = pd.DataFrame(
        [r[:5] for r in RECORDS],
        columns=["unique_id", "pair_key", "dob_year", "namesakes", "phones"],
    ).astype({"dob_year": "Int64", "namesakes": "Int64"})
    clusters = pd.DataFrame(
        {"unique_id": [r[0] for r in RECORDS], "cluster_id": [r[5] for r in RECORDS]}
    )
    pairs = pd.DataFrame(PAIRS, columns=["unique_id_l", "unique_id_r", "match_probability"])
    return frame, pairs, clusters


def test_people_count_the_clusters_of_a_group_with_the_pair_apart() -> None:
    frame, pairs, clusters = data()
    grouped, sizes = people.in_one_group(pairs, frame)
    counted = people.people(pairs, frame, clusters, grouped)
    by_pair = dict(
        zip(zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True), counted, strict=True)
    )
    assert by_pair[("a1", "w")] == 2  # the person registered twice, and w
    assert by_pair[("a1", "a2")] == 3  # the two apart, and w
    assert by_pair[("c0", "c1")] == 4
    assert math.isnan(by_pair[("x", "y")])
    assert sizes[1] == 3


def test_a_group_of_fewer_people_than_records_is_weighed_by_its_people() -> None:
    """w is one of three records but one of two people: its pairs take the weight of the level
    of two people, m and u counted on the file itself (m on the sure pairs of a group, u on the
    pairs with different phones), in place of the model's level of three records."""
    frame, pairs, clusters = data()
    conflicts = pd.Series(False, index=pairs.index)
    updated = people.rescored(pairs, frame, clusters, conflicts, BY_RECORDS)
    by_pair = dict(
        zip(zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True), updated, strict=True)
    )
    # Sure pairs by people: d1-d2 (2 people), a1-a2 (3): m = 1/2, 1/2. Pairs of different phones:
    # b1-b2 (2 people) and the six of c (4 people): u = 1/7 for two people.
    odds = math.log(0.8 / 0.2) - math.log(0.3 / 0.2) + math.log(0.5 / (1 / 7))
    assert by_pair[("a1", "w")] == pytest.approx(1 / (1 + math.exp(-odds)))
    assert by_pair[("a1", "w")] > 0.9
    assert by_pair[("x", "y")] == 0.7  # not of one group: unchanged


def test_nothing_changes_without_sure_pairs_or_two_people_to_count_on() -> None:
    frame, pairs, clusters = data()
    conflicts = pd.Series(False, index=pairs.index)
    unsure = pairs.assign(match_probability=pairs["match_probability"].clip(upper=0.9))
    updated = people.rescored(unsure, frame, clusters, conflicts, BY_RECORDS)
    assert updated.tolist() == unsure["match_probability"].tolist()
    # Without the namesakes comparison in the model, neither.
    updated = people.rescored(pairs, frame, clusters, conflicts, (np.ones(0), np.ones(0)))
    assert updated.tolist() == pairs["match_probability"].tolist()
