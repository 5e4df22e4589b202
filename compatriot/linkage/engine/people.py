"""The namesakes comparison by people rather than by records: a second look at the pairs of one
name-and-year group once the sure pairs are clustered.

The namesakes comparison weighs a pair of the same names and year by how many records share
them. A person registered three times makes a group of three records but only one person: a
fourth record of those names is then one of two people (that person, or someone else), not one
of four. After a first clustering, each such pair is weighed again by the number of people in
its group (the clusters, the pair's two records counted apart), with the level's m and u counted
on the file itself, as the records' levels are: m the share by people count of the group pairs
the model is sure of (0.99 or more, no hard conflict), u the share of the group pairs whose
phones are both known and have no number in common (two people, as `_condition_namesakes_u`
counts them by records). No label, no weight set by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from compatriot.linkage.engine import model

SURE = 0.99  # group pairs scored this high stand for one person's pairs when counting m
SMALLEST_SHARE = 1e-4  # no level is impossible: that would be infinite evidence


def level(sizes: np.ndarray) -> np.ndarray:
    """The namesakes level (0 for the smallest groups) of each size, as `model._namesakes`."""
    bounds = np.asarray(model.NAMESAKE_LEVELS, dtype=float)
    return np.searchsorted(bounds, np.asarray(sizes, dtype=float), side="left")


def in_one_group(pairs: pd.DataFrame, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each pair: whether its records are of one name-and-year group, and the group's size
    in records (the namesakes level's measure)."""
    facts = frame.set_index("unique_id")[["pair_key", "dob_year", "namesakes"]]
    left = facts.reindex(pairs["unique_id_l"]).reset_index(drop=True)
    right = facts.reindex(pairs["unique_id_r"]).reset_index(drop=True)
    same = (left["pair_key"] == right["pair_key"]) & (left["dob_year"] == right["dob_year"])
    same = (same & left["namesakes"].notna() & right["namesakes"].notna()).fillna(False)
    sizes = left["namesakes"].astype("Float64").fillna(0).to_numpy(dtype=float)
    return same.to_numpy(dtype=bool), sizes


def people(
    pairs: pd.DataFrame, frame: pd.DataFrame, clusters: pd.DataFrame, grouped: np.ndarray
) -> np.ndarray:
    """For each pair of one group, the number of people (clusters) in its group if its two
    records are two of them: the group's clusters, plus one when the two share a cluster."""
    cluster_of = clusters.set_index("unique_id")["cluster_id"]
    members = frame[["unique_id", "pair_key", "dob_year"]].dropna()
    members = members.assign(cluster=cluster_of.reindex(members["unique_id"]).to_numpy())
    counts = members.groupby(["pair_key", "dob_year"])["cluster"].nunique().rename("people")
    keys = frame.set_index("unique_id")[["pair_key", "dob_year"]].reindex(pairs["unique_id_l"])
    found = keys.reset_index(drop=True).merge(
        counts.reset_index(), on=["pair_key", "dob_year"], how="left"
    )["people"]
    left = cluster_of.reindex(pairs["unique_id_l"]).to_numpy()
    right = cluster_of.reindex(pairs["unique_id_r"]).to_numpy()
    result = found.to_numpy(dtype=float, na_value=np.nan) + (left == right)
    return np.where(grouped, result, np.nan)


def _shares(levels: np.ndarray, mask: np.ndarray, count: int) -> np.ndarray | None:
    found = np.bincount(levels[mask], minlength=count)[:count].astype(float)
    if not found.sum():
        return None
    return np.clip(found / found.sum(), SMALLEST_SHARE, 1 - SMALLEST_SHARE)


def different_phones(pairs: pd.DataFrame, frame: pd.DataFrame, among: np.ndarray) -> np.ndarray:
    """Pairs (of those `among`) whose records both have a phone and have no number in common."""
    phones = frame.set_index("unique_id")["phones"]
    left = phones.reindex(pairs["unique_id_l"][among]).to_numpy()
    right = phones.reindex(pairs["unique_id_r"][among]).to_numpy()
    found = np.zeros(len(pairs), dtype=bool)
    found[among] = [
        a is not None and b is not None and len(a) > 0 and len(b) > 0 and not set(a) & set(b)
        for a, b in zip(left, right, strict=True)
    ]
    return found


def rescored(
    pairs: pd.DataFrame,
    frame: pd.DataFrame,
    clusters: pd.DataFrame,
    conflicts: pd.Series,
    records_levels: tuple[np.ndarray, np.ndarray],
) -> pd.Series:
    """The pairs' match probabilities with each group pair's namesakes evidence counted by the
    people of its group instead of its records. `records_levels` is the model's (m, u) of the
    namesakes levels by records; `clusters` a first clustering of these pairs. Pairs outside a
    group, and every pair when the file has no sure or no two-people group pair to count the
    levels on, keep their probability."""
    probability = pairs["match_probability"].to_numpy(dtype=float)
    grouped, sizes = in_one_group(pairs, frame)
    if not grouped.any():
        return pairs["match_probability"]
    m_records, u_records = records_levels
    count = len(m_records)
    if count != len(model.NAMESAKE_LEVELS) + 1:
        return pairs["match_probability"]  # a model without the comparison
    by_people = level(np.nan_to_num(people(pairs, frame, clusters, grouped)))
    by_records = level(sizes)
    fine = grouped & ~conflicts.to_numpy(dtype=bool)
    m_people = _shares(by_people, fine & (probability >= SURE), count)
    u_people = _shares(by_people, different_phones(pairs, frame, grouped), count)
    if m_people is None or u_people is None:
        return pairs["match_probability"]
    change = np.log(m_people[by_people] / u_people[by_people]) - np.log(
        m_records[by_records] / u_records[by_records]
    )
    clipped = np.clip(probability, 1e-12, 1 - 1e-12)
    odds = np.log(clipped / (1 - clipped)) + np.where(grouped, change, 0.0)
    updated = np.where(grouped, 1 / (1 + np.exp(-odds)), probability)
    return pd.Series(updated, index=pairs.index, name="match_probability")
