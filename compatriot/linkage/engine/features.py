"""From raw records (names in any script, partial dates, national phone numbers, ISO-2 or ISO-3
codes) to the columns the model compares.

A field that cannot be read is left empty and reported, never fatal: one bad date must not lose
the rest of a registration. Every key is computed here in Python; nothing in the model asks DuckDB
for an extension (Splink's phonetic functions would download one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from compatriot.linkage.engine.keys import joined_skeleton, latin_tokens, name_tokens, phonetic_key
from compatriot.normalise import NormalisationError
from compatriot.normalise.codes import country_alpha2
from compatriot.normalise.dates import parse_partial_date
from compatriot.normalise.phones import to_e164

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
            numbers.append(to_e164(part, default_regions=regions))
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


def prepare(
    rows: Iterable[tuple[int, Mapping[str, str]]],
    *,
    phone_regions: tuple[str, ...] = (),
) -> Prepared:
    """Rows as (line, mapping of FIELDS) -> the comparison frame and the problems found.

    National phone numbers are read with the nationality as the default region, then with
    `phone_regions` (the crisis or host country, where the caller knows it).
    """
    problems: list[Problem] = []
    out: list[dict[str, object]] = []
    for line, row in rows:

        def get(name: str, _row: Mapping[str, str] = row) -> str:
            return (_row.get(name) or "").strip()

        nationality = _country(get("nationality"), line, problems)
        year, month, day = _date(get("date_of_birth"), line, problems)
        regions = ((nationality,) if nationality else ()) + phone_regions
        place_tokens = latin_tokens(get("place_of_birth"))
        phones = _tails(_phones(get("phone"), regions, line, problems))
        record: dict[str, object] = {
            "unique_id": get("id"),
            "sex": _SEXES.get(get("sex").lower()),
            "nationality": nationality,
            "dob_year": year,
            "dob_month": month,
            "dob_day": day,
            "dob": f"{year:04d}-{month:02d}-{day:02d}" if day and month and year else None,
            "phones": phones or None,
            "phone_first": phones[0] if phones else None,
            "phone_last": phones[-1] if len(phones) > 1 else None,
            "place_key": joined_skeleton(place_tokens) or None,
        }
        record.update(_name_columns(get("given_name"), get("family_name"), nationality))
        out.append(record)
    frame = pd.DataFrame.from_records(out, columns=COLUMNS)
    for column in ("dob_year", "dob_month", "dob_day", "name_count"):
        frame[column] = frame[column].astype("Int64")
    return Prepared(frame, problems)


COLUMNS = (
    "unique_id", "sex", "nationality", "dob_year", "dob_month", "dob_day", "dob", "phones",
    "phone_first", "place_key", "given_latin", "family_latin", "given_key", "family_key", "given_phonetic",
    "family_phonetic", "name_keys", "name_phonetics", "name_sorted", "joined_key",
    "joined_key_swapped", "pair_key", "name_count", "phonetic_pair", "phone_last",
)  # fmt: skip
