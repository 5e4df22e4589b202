"""Telephone numbers to E.164, with the nationality or location as the default region."""

from __future__ import annotations

import re
import string
from functools import cache
from itertools import product
from typing import Any

import phonenumbers
from phonenumbers import phonenumberutil

from compatriot.normalise import NormalisationError

# Already in E.164 form: "+", a country code that does not start with 0, 7 to 15 digits in all;
# or so spaced: any two digits apart by at most one space or hyphen ("+380 50 123 4567",
# "+1-202-555-0100"), which `parse` drops before anything else.
_E164_SHAPE = re.compile(r"\+[1-9]\d{6,14}")
_SPACED_E164_SHAPE = re.compile(r"\+[1-9](?:[ -]?\d){6,14}")


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
    if (e164 := _as_e164(text)) is not None:
        known = _e164_fast(e164)
        if known is not None:
            if known:
                return e164
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
# Most imported numbers, and most the API is sent, are already "+<country code><national
# number>", often spaced ("+380 50 123 4567"). For those, `phonenumbers.parse` does nothing but
# drop the spaces, split off the country code (and, in some regions, strip a national prefix),
# yet costs two thirds of the time; and `is_valid_number` tries the number types one pattern at
# a time. Here the split is done directly and the validity test uses the library's own metadata:
# per national-number length, one regular expression that matches when the general description
# and at least one number type match, as `is_valid_number` requires. Any number the shortcut
# cannot decide exactly as the library would (a national prefix that parse might strip, a
# leading zero, a non-geographic country code or none) returns None and takes the library's
# full path. A code shared by several regions (+1, +7, +44, +212...) picks its region as
# `region_code_for_number` does. people/tests/test_normalise.py checks both agree.

# Country codes as written after the "+". They are prefix-free (at most one of a number's first
# one, two or three digits is one), so a number's first three digits tell its code: here, for
# every three digits that start with a code, the code's length and value.
# (Each code followed by every tail of digits that makes three: ~800 entries, built at import
# in under a millisecond, where testing each of the 1,000 triples against each code took 65 ms
# of every process's start-up.)
_BY_LEADING_DIGITS: dict[str, tuple[int, int]] = {
    str(code) + "".join(tail): (len(str(code)), code)
    for code in phonenumberutil.COUNTRY_CODE_TO_REGION_CODE
    for tail in product(string.digits, repeat=3 - len(str(code)))
}
_MAX_NATIONAL_LENGTH = 17  # the library's own limit


def _as_e164(text: str) -> str | None:
    """`text` as E.164 if it is so written, perhaps spaced (the unspaced test first: it is the
    import's usual case and cheaper), else None."""
    if _E164_SHAPE.fullmatch(text):
        return text
    if _SPACED_E164_SHAPE.fullmatch(text):
        return text.replace(" ", "").replace("-", "")
    return None


def _e164_fast(text: str) -> bool | None:
    """Whether `text` (shaped like E.164) is valid, or None when only the full path can tell."""
    digits = text[1:]
    found = _BY_LEADING_DIGITS.get(digits[:3])
    if found is None:
        return None  # no known country code: the library's error path
    size, code = found
    country = _country(code)
    if country is None:
        return None
    prefix, regions = country
    national = digits[size:]
    if national[0] == "0" or len(national) < 2:
        return None
    if prefix is not None and prefix.match(national):
        return None  # parse may strip a national prefix here
    if len(national) > _MAX_NATIONAL_LENGTH:
        return False
    # `is_valid_number`: the region the number belongs to (`region_code_for_number`: the first
    # whose leading digits match, or, for a region without any, where the number is valid; the
    # only one when the code has a single region), then the number's validity there.
    for leading, by_length in regions:
        valid = by_length[len(national)]
        if leading is not None:
            if leading.match(national):
                return valid is not None and valid.fullmatch(national) is not None
        elif valid is not None and valid.fullmatch(national) is not None:
            return True
    return False


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


# Per region of a country code: its leading-digits pattern (None: none, or the code's only
# region) and its validity expression per national-number length.
_Region = tuple[re.Pattern[str] | None, list[re.Pattern[str] | None]]


@cache
def _country(code: int) -> tuple[re.Pattern[str] | None, tuple[_Region, ...]] | None:
    """For a geographic country code: the national-prefix pattern `parse` would apply (its main
    region's), and its regions in the library's order. None: a code the fast path leaves to the
    library (non-geographic, or no metadata for its main region)."""
    names = phonenumberutil.COUNTRY_CODE_TO_REGION_CODE[code]
    if names[0] == _NON_GEOGRAPHIC:
        return None
    main = phonenumbers.PhoneMetadata.metadata_for_region(names[0], None)
    if main is None:
        return None
    pattern = main.national_prefix_for_parsing
    prefix = re.compile(pattern) if pattern else None
    regions = []
    for name in names:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(name, None)
        if metadata is None:
            continue  # skipped by `region_code_for_number` too
        leading = metadata.leading_digits
        general = _desc(metadata.general_desc)
        types = tuple(_desc(getattr(metadata, kind)) for kind in _TYPES)
        regions.append(
            (
                re.compile(leading) if leading is not None and len(names) > 1 else None,
                [_valid_pattern(n, general, types) for n in range(_MAX_NATIONAL_LENGTH + 1)],
            )
        )
    return prefix, tuple(regions)
