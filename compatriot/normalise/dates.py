"""Partial dates of birth: a year, a year and month, or a full date, stored with their precision.

A partial date is stored as its first day (1990 -> 1990-01-01, precision "year") so that it sorts
and compares; the precision says how much of it is known.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from enum import StrEnum

from compatriot.normalise import NormalisationError

EARLIEST_YEAR = 1900
_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class DatePrecision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


@dataclass(frozen=True)
class PartialDate:
    value: dt.date
    precision: DatePrecision

    def __str__(self) -> str:
        if self.precision == DatePrecision.YEAR:
            return f"{self.value.year:04d}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.value.year:04d}-{self.value.month:02d}"
        return self.value.isoformat()


# Dates accepted before, by text (birth dates recur across the rows of an import), each with the
# instant its first day began (UTC midnight, in seconds since the epoch): only the future check
# is redone, and without a `today` it is the clock against that instant (the same test as the
# date against today's UTC date, without making today's date), so that a moved clock is still
# obeyed. Bounded.
_ACCEPTED: dict[str, tuple[PartialDate, float]] = {}
_ACCEPTED_LIMIT = 100_000


def parse_partial_date(text: str, *, today: dt.date | None = None) -> PartialDate:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD; refuse impossible dates and dates in the future."""
    known = _ACCEPTED.get(text)
    if known is not None:
        date, began = known
        if (time.time() >= began) if today is None else (date.value <= today):
            return date
    parsed = _parse(text, today or dt.datetime.now(tz=dt.UTC).date())
    if len(_ACCEPTED) < _ACCEPTED_LIMIT:
        midnight = dt.datetime.combine(parsed.value, dt.time(), tzinfo=dt.UTC)
        _ACCEPTED[text] = (parsed, midnight.timestamp())
    return parsed


def _parse(text: str, today: dt.date) -> PartialDate:
    match = _PATTERN.match(text.strip())
    if not match:
        raise NormalisationError("must be YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None  # noqa: S101  the pattern makes the year mandatory
    # "is not None", not truthiness: month 00 and day 00 are impossible, not missing.
    if day is not None:
        precision = DatePrecision.DAY
    elif month is not None:
        precision = DatePrecision.MONTH
    else:
        precision = DatePrecision.YEAR
    try:
        value = dt.date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError as error:
        raise NormalisationError(f"is not a real date ({error})") from error
    if year < EARLIEST_YEAR:
        raise NormalisationError(f"is before {EARLIEST_YEAR}")
    if value > today:
        raise NormalisationError("is in the future")
    return PartialDate(value, precision)


def format_partial_date(value: dt.date | None, precision: str) -> str | None:
    if value is None:
        return None
    return str(PartialDate(value, DatePrecision(precision)))
