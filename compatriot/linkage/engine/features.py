"""From raw records (names in any script, partial dates, national phone numbers, ISO-2 or ISO-3
codes) to the columns the model compares.

A field that cannot be read is left empty and reported, never fatal: one bad date must not lose
the rest of a registration. Every key is computed here in Python; nothing in the model asks DuckDB
for an extension (Splink's phonetic functions would download one).
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from compatriot.linkage.engine.keys import joined_skeleton, latin_tokens, name_tokens, phonetic_key
from compatriot.normalise import NormalisationError
from compatriot.normalise.codes import country_alpha2
from compatriot.normalise.dates import parse_partial_date
from compatriot.normalise.phones import to_e164_digits

FIELDS = (
    "id", "given_name", "family_name", "date_of_birth", "sex", "nationality", "phone",
    "place_of_birth",
)  # fmt: skip
_SEXES = {
    "m": "m", "male": "m", "man": "m", "f": "f", "female": "f", "woman": "f",
    "м": "m", "ж": "f", "ذكر": "m", "أنثى": "f",
}  # fmt: skip
_PHONE_SPLIT = re.compile(r"[;,/]|\s+(?=[+0(])")


@dataclass(frozen=True)
class Problem:
    """A field (or a row) that could not be read, with where it was."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field} {self.reason}"


@dataclass
class Prepared:
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)


def _date(
    raw: str, line: int, problems: list[Problem]
) -> tuple[int | None, int | None, int | None]:
    if not raw.strip():
        return None, None, None
    try:
        date = parse_partial_date(raw)
    except NormalisationError as error:
        problems.append(Problem(line, "date_of_birth", str(error)))
        return None, None, None
    precision = date.precision.value
    month = date.value.month if precision != "year" else None
    day = date.value.day if precision == "day" else None
    return date.value.year, month, day


def _country(raw: str, line: int, problems: list[Problem]) -> str | None:
    if not raw.strip():
        return None
    try:
        return country_alpha2(raw)
    except NormalisationError as error:
        problems.append(Problem(line, "nationality", str(error)))
        return None


def _phones(raw: str, regions: tuple[str, ...], line: int, problems: list[Problem]) -> list[str]:
    numbers: list[str] = []
    for part in _PHONE_SPLIT.split(raw):
        if not part.strip():
            continue
        try:
            numbers.append(to_e164_digits(part, default_regions=regions))
        except NormalisationError as error:
            problems.append(Problem(line, "phone", str(error)))
    return sorted(set(numbers))


def _name_columns(given: str, family: str, nationality: str | None) -> dict[str, object]:
    given_tokens, family_tokens = name_tokens(given, nationality), name_tokens(family, nationality)
    given_keys = tuple(token.key for token in given_tokens)
    family_keys = tuple(token.key for token in family_tokens)
    all_keys = given_keys + family_keys
    keys = sorted(set(all_keys))
    first_phonetic = phonetic_key(given_keys[0]) if given_keys else None
    last_phonetic = phonetic_key(family_keys[-1]) if family_keys else None
    return {
        "given_latin": " ".join(token.latin for token in given_tokens) or None,
        "family_latin": " ".join(token.latin for token in family_tokens) or None,
        "given_key": given_keys[0] if given_keys else None,
        "family_key": family_keys[-1] if family_keys else None,
        "given_phonetic": first_phonetic,
        "family_phonetic": last_phonetic,
        # Order-free forms: swapped given/family names and extra middle names still meet.
        "name_keys": keys or None,
        "name_phonetics": sorted({phonetic_key(key) for key in all_keys}) or None,
        "name_sorted": " ".join(sorted(t.latin for t in given_tokens + family_tokens)) or None,
        # Run together: "Abdul Rahman" / "Abdulrahman", in either order of the two fields.
        # Token by token: no letters are folded across a boundary the spelling had.
        "joined_key": "".join(all_keys) or None,
        "joined_key_swapped": "".join(family_keys + given_keys) or None,
        "name_count": len(all_keys) or None,
        # Blocking keys that do not care which field a name was written in.
        "pair_key": "|".join(sorted(k for k in (given_keys[:1] + family_keys[-1:]) if k)) or None,
        "phonetic_pair": "|".join(
            sorted(p for p in (first_phonetic, last_phonetic) if p is not None)
        )
        or None,
    }


# Numbers are compared on their last digits: a national number read with the wrong region
# (written in the form of the country the person was in, which the file does not say) keeps its
# subscriber digits, and no two numbers of one registry share eight final digits by chance.
PHONE_TAIL = 8


def _tails(numbers: list[str]) -> list[str]:
    return sorted({number[-PHONE_TAIL:] for number in numbers})


# Below this many rows the work is done in this process: starting workers costs more than it saves.
PARALLEL_MIN_ROWS = 50_000
_SHARED: list[tuple[int, Mapping[str, str]]] = []  # the rows, inherited by forked workers


def prepare(
    rows: Iterable[tuple[int, Mapping[str, str]]],
    *,
    phone_regions: tuple[str, ...] = (),
    workers: int | None = None,
) -> Prepared:
    """Rows as (line, mapping of FIELDS) -> the comparison frame and the problems found.

    National phone numbers are read with the nationality as the default region, then with
    `phone_regions` (the crisis or host country, where the caller knows it).

    Large inputs are split in one chunk per worker process (`workers`, default one per core, at
    most 2), forked so that the rows need not be pickled to them; the frame and the problems come
    back in the input's order. One large chunk each, not many small ones: each process reads a
    repeated value once.
    """
    rows = list(rows)
    count = _workers(workers, len(rows))
    if count <= 1:
        return _prepare_chunk(rows, phone_regions)
    global _SHARED
    _SHARED = rows
    try:
        size = -(-len(rows) // count)
        bounds = [(start, min(start + size, len(rows))) for start in range(0, len(rows), size)]
        with multiprocessing.get_context("fork").Pool(count) as pool:
            parts = pool.starmap(_prepare_shared, [(*bound, phone_regions) for bound in bounds])
    finally:
        _SHARED = []
    frame = pd.concat([part.frame for part in parts], ignore_index=True)
    return Prepared(frame, [problem for part in parts for problem in part.problems])


def _workers(workers: int | None, rows: int) -> int:
    if workers is None:
        if rows < PARALLEL_MIN_ROWS or "fork" not in multiprocessing.get_all_start_methods():
            return 1
        # A daemonic process (a worker pool's child) may not start children of its own.
        if multiprocessing.current_process().daemon:
            return 1
        workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, 2)
    return max(1, min(int(workers), rows))


def _prepare_shared(start: int, end: int, phone_regions: tuple[str, ...]) -> Prepared:
    return _prepare_chunk(_SHARED[start:end], phone_regions)


def _dates(raw: str, line: int, problems: list[Problem]) -> tuple[object, ...]:
    """A date's columns: year, month, day and the full date as text (when all three are known)."""
    year, month, day = _date(raw, line, problems)
    return year, month, day, f"{year:04d}-{month:02d}-{day:02d}" if day and month and year else None


def _place(raw: str, line: int, problems: list[Problem]) -> str | None:
    return joined_skeleton(latin_tokens(raw)) or None


def _field(row: Mapping[str, str], name: str) -> str:
    return (row.get(name) or "").strip()


def _prepare_chunk(
    rows: list[tuple[int, Mapping[str, str]]], phone_regions: tuple[str, ...]
) -> Prepared:
    problems: list[Problem] = []
    # Each record as a tuple: the columns of _RECORD_COLUMNS, then its name's (_NAME_COLUMNS).
    out: list[tuple[object, ...]] = []
    # Registrations repeat names, dates, countries, places and phone numbers: each distinct
    # value is read once per chunk (with the problems it gave, reported again at every line that
    # has it).
    names: dict[tuple[str, str, str | None], tuple[object, ...]] = {}
    dates: dict[str, tuple[tuple[object, ...], list[Problem]]] = {}
    countries: dict[str, tuple[str | None, list[Problem]]] = {}
    places: dict[str, tuple[str | None, list[Problem]]] = {}
    phone_cache: dict[tuple[str, tuple[str, ...]], tuple[list[str], list[Problem]]] = {}

    def memo(
        cache: dict[Any, Any], key: Any, line: int, read: Callable[..., Any], *args: Any
    ) -> Any:
        cached = cache.get(key)
        if cached is None:
            found: list[Problem] = []
            cached = cache[key] = (read(*args, 0, found), found)
        value, found = cached
        if found:
            problems.extend(Problem(line, problem.field, problem.reason) for problem in found)
        return value

    for line, row in rows:
        raw_country, raw_date = _field(row, "nationality"), _field(row, "date_of_birth")
        raw_phone = _field(row, "phone")
        nationality = memo(countries, raw_country, line, _country, raw_country)
        date = memo(dates, raw_date, line, _dates, raw_date)
        regions = ((nationality,) if nationality else ()) + phone_regions
        raw_place = _field(row, "place_of_birth")
        place_key = memo(places, raw_place, line, _place, raw_place)
        key = (raw_phone, regions)
        phones = _tails(memo(phone_cache, key, line, _phones, raw_phone, regions))
        # The name's keys depend on the nationality too (its national Latin conventions).
        name = (_field(row, "given_name"), _field(row, "family_name"), nationality)
        named = names.get(name)
        if named is None:
            columns = _name_columns(*name)
            named = names[name] = tuple(columns[column] for column in _NAME_COLUMNS)
        out.append(
            (
                _field(row, "id"),
                _SEXES.get(_field(row, "sex").lower()),
                nationality,
                *date,
                phones or None,
                phones[0] if phones else None,
                phones[-1] if len(phones) > 1 else None,
                place_key,
                *named,
            )
        )
    frame = pd.DataFrame.from_records(out, columns=_RECORD_COLUMNS + _NAME_COLUMNS)
    frame = frame[list(COLUMNS)]
    for column in ("dob_year", "dob_month", "dob_day", "name_count"):
        frame[column] = frame[column].astype("Int64")
    return Prepared(frame, problems)


COLUMNS = (
    "unique_id", "sex", "nationality", "dob_year", "dob_month", "dob_day", "dob", "phones",
    "phone_first", "place_key", "given_latin", "family_latin", "given_key", "family_key", "given_phonetic",
    "family_phonetic", "name_keys", "name_phonetics", "name_sorted", "joined_key",
    "joined_key_swapped", "pair_key", "name_count", "phonetic_pair", "phone_last",
)  # fmt: skip
# The columns `_prepare_chunk` computes for each record, in its tuples' order; the others are
# the name's (`_name_columns`), read once per distinct name.
_RECORD_COLUMNS = (
    "unique_id", "sex", "nationality", "dob_year", "dob_month", "dob_day", "dob", "phones",
    "phone_first", "phone_last", "place_key",
)  # fmt: skip
_NAME_COLUMNS = tuple(column for column in COLUMNS if column not in _RECORD_COLUMNS)
