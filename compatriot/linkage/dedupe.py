"""A crisis's persons as the engine's records, the engine's scored pairs, and the hard
identifiers that forbid an automatic merge.

The persons become rows in the file-mode columns (as compatriot.tracing.matching does) and the
engine's own pipeline functions score them (compatriot.linkage.engine.pipeline.dedupe): trained
on the crisis when it has enough records, the bundled model otherwise.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from compatriot.linkage.engine import pipeline
from compatriot.linkage.engine.features import prepare
from compatriot.linkage.rows import person_row
from compatriot.people.models import DatePrecision, Person, Sex

# Years of birth further apart than this are two people (a parent and a child of one name).
MAX_YEARS_APART = 2


@dataclass(frozen=True)
class ScoredPair:
    person_a: uuid.UUID  # the smaller id
    person_b: uuid.UUID
    probability: float
    agreements: dict[str, int]


@dataclass
class Scored:
    pairs: list[ScoredPair]
    records: int
    pairs_scored: int
    seconds: dict[str, float] = field(default_factory=dict)


def _options(lower: float, upper: float) -> pipeline.Options:
    return pipeline.Options(
        memory_limit="1GB", threads=1, score_threshold=lower, match_threshold=upper
    )


def _found(pairs: pd.DataFrame, lower: float) -> list[ScoredPair]:
    """The engine's scored pairs at `lower` or above, strongest first, with the field levels."""
    gammas = [c for c in pairs.columns if str(c).startswith("gamma_")]
    found: list[ScoredPair] = []
    for record in pairs.to_dict("records"):
        probability = float(record["match_probability"])
        if probability < lower:
            continue
        left, right = uuid.UUID(str(record["unique_id_l"])), uuid.UUID(str(record["unique_id_r"]))
        a, b = (left, right) if str(left) < str(right) else (right, left)
        levels = {
            str(g).removeprefix("gamma_"): int(record[g])
            for g in gammas
            if record[g] is not None and record[g] == record[g]  # not NaN
        }
        found.append(ScoredPair(a, b, probability, levels))
    found.sort(key=lambda p: (-p.probability, str(p.person_a), str(p.person_b)))
    return found


def score(persons: Iterable[Person], *, lower: float, upper: float) -> Scored:
    """Every pair of the persons the engine scores at `lower` or above, with the field levels."""
    rows = [(line, person_row(p)) for line, p in enumerate(persons, start=2)]
    if len(rows) < 2:
        return Scored(pairs=[], records=len(rows), pairs_scored=0)
    _, pairs, stats = pipeline.dedupe(prepare(rows).frame, _options(lower, upper))
    return Scored(
        pairs=_found(pairs, lower),
        records=stats.records,
        pairs_scored=stats.pairs_scored,
        seconds=stats.seconds,
    )


def score_new(
    new: Iterable[Person], existing: Iterable[Person], *, lower: float, upper: float
) -> Scored:
    """The pairs of a few new persons with the existing ones and with one another that the
    engine scores at `lower` or above (compatriot.linkage.engine.pipeline.link_new)."""
    fresh = [person_row(p) for p in new]
    if not fresh:
        return Scored(pairs=[], records=0, pairs_scored=0)
    rows = list(enumerate([*fresh, *(person_row(p) for p in existing)], start=2))
    frame = prepare(rows).frame  # one preparation: the name keys are derived from all names
    is_new = frame["unique_id"].astype(str).isin({row["id"] for row in fresh})
    pairs, stats = pipeline.link_new(frame[is_new], frame[~is_new], _options(lower, upper))
    return Scored(
        pairs=_found(pairs, lower),
        records=len(rows),
        pairs_scored=stats.pairs_scored,
        seconds=stats.seconds,
    )


def hard_conflicts(a: Person, b: Person, agreements: dict[str, int] | None = None) -> list[str]:
    """The hard identifiers that say two people, however alike the rest (docs/linkage.md):

    - `birth_date`: both full dates of birth known (day precision) and different;
    - `birth_year`: both years of birth known and more than MAX_YEARS_APART apart;
    - `sex`: both recorded as female or male, and different;
    - `given_name`: both given names known and nothing in common in any form, script or
      spelling (the engine's level 0): twins and siblings share everything else.

    A pair with any of them is never merged automatically; it goes to review."""
    conflicts: list[str] = []
    if a.birth_date and b.birth_date:
        both_full = a.birth_date_precision == b.birth_date_precision == DatePrecision.DAY
        if both_full and a.birth_date != b.birth_date:
            conflicts.append("birth_date")
        if abs(a.birth_date.year - b.birth_date.year) > MAX_YEARS_APART:
            conflicts.append("birth_year")
    known = (Sex.FEMALE, Sex.MALE)
    if a.sex in known and b.sex in known and a.sex != b.sex:
        conflicts.append("sex")
    if (agreements or {}).get("given") == 0:
        conflicts.append("given_name")
    return conflicts
