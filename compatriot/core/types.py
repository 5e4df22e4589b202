"""Validated value types shared by every app's schemas.

Each rejects bad input with a message that, with the field path pydantic adds, names the field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator, BeforeValidator, StringConstraints

from compatriot.normalise import NormalisationError
from compatriot.normalise.codes import country_alpha2, language_code
from compatriot.normalise.text import clean_text


def _clean(max_length: int, *, multiline: bool = False) -> AfterValidator:
    def validate(value: str) -> str:
        try:
            return clean_text(value, max_length=max_length, multiline=multiline)
        except NormalisationError as error:
            raise ValueError(str(error)) from error

    return AfterValidator(validate)


def _country(value: str) -> str:
    try:
        return country_alpha2(value)
    except NormalisationError as error:
        raise ValueError(str(error)) from error


def _language(value: str) -> str:
    try:
        return language_code(value)
    except NormalisationError as error:
        raise ValueError(str(error)) from error


# The raw length cap stops 10 MB strings before any work is done on them.
ShortText = Annotated[str, StringConstraints(max_length=800), _clean(200)]
NameText = Annotated[str, StringConstraints(max_length=800), _clean(200)]
LongText = Annotated[str, StringConstraints(max_length=20_000), _clean(5000, multiline=True)]
CountryCode = Annotated[
    str, StringConstraints(min_length=2, max_length=3), AfterValidator(_country)
]
LanguageCode = Annotated[
    str, StringConstraints(min_length=2, max_length=3), AfterValidator(_language)
]


# Dates and instants are ISO 8601 text. pydantic's lax mode also reads a number, or a string of
# digits ("2023"), as seconds since 1970, and its strict mode refuses all text in the Python-mode
# validation ninja runs, so neither does the job alone: text is checked to start as a date
# before pydantic parses it. A value of the type itself (from code, not JSON) passes.
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)
_RANGE = f"must be between {EARLIEST_DAY} and {LATEST_DAY}"
_DAY_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_text(value: object) -> object:
    if isinstance(value, dt.date) or (isinstance(value, str) and _DAY_TEXT.fullmatch(value)):
        return value
    raise ValueError("must be a date as ISO 8601 text, e.g. 2024-03-01")


def _instant_text(value: object) -> object:
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _DAY_TEXT.match(value)):
        return value
    raise ValueError("must be a date and time as ISO 8601 text, e.g. 2024-03-01T09:30:00Z")


def _day_in_range(value: dt.date) -> dt.date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(_RANGE)
    return value


def _in_utc(value: dt.datetime) -> dt.datetime:
    # The instant as the database gives it back (in UTC), so that a write's answer and a later
    # read agree; a time without a zone is in the platform's zone (settings.TIME_ZONE, UTC).
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    else:
        try:
            value = value.astimezone(dt.UTC)
        except OverflowError:  # 9999-12-31T23:59:59-02:00 is after the last representable time
            raise ValueError(_RANGE) from None
    _day_in_range(value.date())
    return value


def _not_after_now(ahead: dt.timedelta, message: str, *, days: bool = False) -> AfterValidator:
    """No later than now (today, for `days`) plus `ahead`, checked at validation time."""

    def validate(value: dt.date) -> dt.date:
        now = timezone.now()
        if value > (now.date() if days else now) + ahead:
            raise ValueError(message)
        return value

    return AfterValidator(validate)


# A calendar day from 1900 to 2999, given as YYYY-MM-DD.
Day = Annotated[dt.date, BeforeValidator(_date_text), AfterValidator(_day_in_range)]
# An instant from 1900 to 2999, given as ISO 8601 text, in UTC (a time without a zone is UTC).
Instant = Annotated[dt.datetime, BeforeValidator(_instant_text), AfterValidator(_in_utc)]
# An instant that has happened: no later than now, give or take a clock's drift.
CLOCK_SKEW = dt.timedelta(minutes=5)
PastInstant = Annotated[Instant, _not_after_now(CLOCK_SKEW, "cannot be in the future")]
# A day at most a day ahead of the platform's (UTC) date: the reporter's may be a day later.
PastDay = Annotated[Day, _not_after_now(dt.timedelta(days=1), "cannot be in the future", days=True)]
# A crisis's start or end: planned ends lie ahead, but not centuries ahead.
CRISIS_YEARS_AHEAD = 10
CrisisDay = Annotated[
    Day,
    _not_after_now(
        dt.timedelta(days=365 * CRISIS_YEARS_AHEAD),
        f"cannot be more than {CRISIS_YEARS_AHEAD} years ahead",
        days=True,
    ),
]
