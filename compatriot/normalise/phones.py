"""Telephone numbers to E.164, with the nationality or location as the default region."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import phonenumbers
from phonenumbers import phonenumberutil

from compatriot.normalise import NormalisationError

# Already in E.164 form: "+", a country code that does not start with 0, 7 to 15 digits in all.
_E164_SHAPE = re.compile(r"\+[1-9]\d{6,14}")


def to_e164(raw: str, *, default_regions: tuple[str, ...] = ()) -> str:
    """Parse `raw` (international or national form) and return it in E.164.

    National numbers are tried against each default region in turn (the person's location, then
    nationalities); the first region where the number is valid wins.
    """
    text = raw.strip()
    if not text:
        raise NormalisationError("is empty")
    if len(text) > 40:
        raise NormalisationError("is too long to be a telephone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    if _E164_SHAPE.fullmatch(text):
        known = _e164_fast(text)
        if known is not None:
            if known:
                return text
            raise NormalisationError("is not a valid telephone number")
    regions: tuple[str | None, ...] = (None,) if text.startswith("+") else default_regions
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not text.startswith("+") and not default_regions:
        raise NormalisationError(
            "needs an international prefix (+country code) when no country is known"
        )
    raise NormalisationError("is not a valid telephone number")


# --- the fast path for numbers already written in E.164 --------------------------------------
#
# Most imported numbers are already "+<country code><national number>". For those,
# `phonenumbers.parse` does nothing but split off the country code (and, in some regions, strip a
# national prefix), yet costs two thirds of the time; and `is_valid_number` tries the number
# types one pattern at a time. Here the split is done directly and the validity test uses the
# library's own metadata: per national-number length, one regular expression that matches when
# the general description and at least one number type match, as `is_valid_number` requires. Any
# number the shortcut cannot decide exactly as the library would (a national prefix that parse
# might strip, a leading zero, a country code shared by several regions or by none) returns None
# and takes the library's full path. tests/test_normalise.py checks both agree.

# Country codes as written after the "+" (they are prefix-free: at most one of a number's first
# one, two or three digits is one).
_COUNTRY_CODES: dict[str, int] = {
    str(code): code for code in phonenumberutil.COUNTRY_CODE_TO_REGION_CODE
}
_MAX_NATIONAL_LENGTH = 17  # the library's own limit


def _e164_fast(text: str) -> bool | None:
    """Whether `text` (shaped like E.164) is valid, or None when only the full path can tell."""
    digits = text[1:]
    for size in (1, 2, 3):
        code = _COUNTRY_CODES.get(digits[:size])
        if code is not None:
            break
    else:
        return None  # no known country code: the library's error path
    country = _country(code)
    if country is None:
        return None
    prefix, by_length = country
    national = digits[size:]
    if national[0] == "0" or len(national) < 2:
        return None
    if prefix is not None and prefix.match(national):
        return None  # parse may strip a national prefix here
    valid = by_length[len(national)] if len(national) <= _MAX_NATIONAL_LENGTH else None
    return valid is not None and valid.fullmatch(national) is not None


_NON_GEOGRAPHIC = "001"  # phonenumbers' region code of non-geographic country codes (+800...)
_TYPES = (
    "mobile", "fixed_line", "premium_rate", "toll_free", "shared_cost", "voip",
    "personal_number", "pager", "uan", "voicemail",
)  # fmt: skip


# A number description: its possible lengths (empty: any) and its pattern (None: matches nothing).
_Desc = tuple[frozenset[int], str | None]


def _desc(desc: Any) -> _Desc:
    if desc is None:
        return frozenset(), None
    return frozenset(desc.possible_length), desc.national_number_pattern or None


def _fits(length: int, desc: _Desc) -> bool:
    """Whether a number of this length can match `desc` (phonenumbers'
    `_is_number_matching_desc` before its pattern test)."""
    lengths, pattern = desc
    return pattern is not None and (not lengths or length in lengths)


def _valid_pattern(length: int, general: _Desc, types: tuple[_Desc, ...]) -> re.Pattern[str] | None:
    """One expression for national numbers of `length`: its full match is the general
    description's full match (a lookahead to the end) and any fitting type's (an alternation).
    None: no number of this length is valid."""
    fitting = [pattern for desc in types if _fits(length, desc) and (pattern := desc[1])]
    if not _fits(length, general) or not fitting:
        return None
    alternatives = "|".join(f"(?:{pattern})" for pattern in fitting)
    return re.compile(f"(?=(?:{general[1]})\\Z)(?:{alternatives})")


@cache
def _country(code: int) -> tuple[re.Pattern[str] | None, list[re.Pattern[str] | None]] | None:
    """For a country code of a single geographic region: its national-prefix pattern, and the
    validity expression for each national-number length. None: a code the fast path leaves to
    the library (shared by several regions, or non-geographic)."""
    regions = phonenumberutil.COUNTRY_CODE_TO_REGION_CODE[code]
    if len(regions) != 1 or regions[0] == _NON_GEOGRAPHIC:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0], None)
    if metadata is None:
        return None
    pattern = metadata.national_prefix_for_parsing
    prefix = re.compile(pattern) if pattern else None
    general = _desc(metadata.general_desc)
    types = tuple(_desc(getattr(metadata, name)) for name in _TYPES)
    return prefix, [_valid_pattern(n, general, types) for n in range(_MAX_NATIONAL_LENGTH + 1)]
