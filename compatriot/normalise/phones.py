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
# types in an order that puts the common ones (mobile, fixed line) last. Here the split is done
# directly and the validity test uses the library's own metadata and matcher, mobile first. Any
# number the shortcut cannot decide exactly as the library would (a national prefix that parse
# might strip, a leading zero, a country code shared by several regions or by none) returns None
# and takes the library's full path. tests/test_normalise.py checks both agree.


def _e164_fast(text: str) -> bool | None:
    """Whether `text` (shaped like E.164) is valid, or None when only the full path can tell."""
    digits = text[1:]
    for size in (1, 2, 3):
        descs = _descs_for(int(digits[:size]))
        if descs is None:
            continue
        if isinstance(descs, bool):
            return None
        prefix, general, types = descs
        national = digits[size:]
        if national[0] == "0" or len(national) < 2:
            return None
        if prefix is not None and prefix.match(national):
            return None  # parse may strip a national prefix here
        if not _matches(national, general):
            return False
        return any(_matches(national, desc) for desc in types)
    return None  # no known country code: the library's error path


_NON_GEOGRAPHIC = "001"  # phonenumbers' region code of non-geographic country codes (+800...)
_TYPES = (
    "mobile", "fixed_line", "premium_rate", "toll_free", "shared_cost", "voip",
    "personal_number", "pager", "uan", "voicemail",
)  # fmt: skip


# A number description, compiled: its possible lengths (empty: any) and its pattern.
_Desc = tuple[frozenset[int], re.Pattern[str] | None]


def _compiled(desc: Any) -> _Desc:
    pattern = desc.national_number_pattern if desc is not None else None
    lengths = frozenset(desc.possible_length) if desc is not None else frozenset()
    return lengths, re.compile(pattern) if pattern else None


def _matches(national: str, desc: _Desc) -> bool:
    """phonenumbers' `_is_number_matching_desc`, on a precompiled description."""
    lengths, pattern = desc
    if pattern is None or (lengths and len(national) not in lengths):
        return False
    return pattern.fullmatch(national) is not None


@cache
def _descs_for(country_code: int) -> tuple[Any, _Desc, tuple[_Desc, ...]] | bool | None:
    """For a country code of a single geographic region: its national-prefix pattern, general
    description and number-type descriptions. None: not a country code; False: one the fast path
    leaves to the library (shared by several regions, or non-geographic)."""
    regions = phonenumberutil.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if regions is None:
        return None
    if len(regions) != 1 or regions[0] == _NON_GEOGRAPHIC:
        return False
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0], None)
    if metadata is None:
        return False
    pattern = metadata.national_prefix_for_parsing
    prefix = re.compile(pattern) if pattern else None
    types = tuple(_compiled(getattr(metadata, name)) for name in _TYPES)
    return prefix, _compiled(metadata.general_desc), types
