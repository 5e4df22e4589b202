"""Telephone numbers to E.164, with the nationality or location as the default region."""

from __future__ import annotations

import re
import string
import unicodedata
from functools import cache
from itertools import product
from typing import Any

import phonenumbers
from phonenumbers import phonenumberutil

from compatriot.normalise import NormalisationError

# Already in E.164 form: "+", a country code that does not start with 0, 7 to 15 digits in all;
# or so spaced: any two digits apart by at most one space or hyphen ("+380 50 123 4567",
# "+1-202-555-0100"), which `parse` drops before anything else. ASCII digits only: other
# decimal digits ("５", "٣") go to the library, which reads them as their ASCII digits, where
# the shortcut would give them back as written.
_E164_SHAPE = re.compile(r"\+[1-9][0-9]{6,14}")
_SPACED_E164_SHAPE = re.compile(r"\+[1-9](?:[ -]?[0-9]){6,14}")


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
    lead = text[:2]
    if lead == "00":
        text = "+" + text[2:]
    elif not lead.isascii():
        text = _international_prefix(text)
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


# A letter of any script: a word character that is neither a digit nor "_".
_LETTER = re.compile(r"[^\W\d_]")


def to_e164_digits(raw: str, *, default_regions: tuple[str, ...] = ()) -> str:
    """`to_e164` for a person's or a sought person's number, refusing one written with letters
    ("+380 50 PRIVATE", "+48 600 CALL ME", "дзвоніть"), which the library would dial as on a
    keypad into a number nobody gave. Only an extension's label at the end ("ext. 12", "x12",
    "доб. 12": the library's own reading of one) may hold letters."""
    if _LETTER.search(raw) is not None:
        _, number = phonenumberutil._maybe_strip_extension(raw.strip())
        if _LETTER.search(number) is not None:
            raise NormalisationError(
                "contains letters: write the number in digits (an extension may follow "
                '"ext." or "x")'
            )
    return to_e164(raw, default_regions=default_regions)


def _international_prefix(text: str) -> str:
    """`text` with a full-width plus, or "00" in any script's digits ("٠٠", "００"), written "+".
    The library reads both itself, but only `to_e164` knows that "00" is international when no
    region is, and its choice of regions needs the "+" (and so does the import's shortcut)."""
    if text[0] == "\uff0b":
        return "+" + text[1:]
    if (
        len(text) > 1
        and unicodedata.decimal(text[0], None) == unicodedata.decimal(text[1], None) == 0
    ):
        return "+" + text[2:]
    return text


def to_e164_whole(raw: str, *, default_regions: tuple[str, ...] = ()) -> str:
    """`to_e164`, refusing a number that carries an extension ("ext. 12", "x12", "#12"),
    which E.164 has no room for: a caller that keeps numbers as given otherwise loses nothing."""
    e164 = to_e164(raw, default_regions=default_regions)
    text = _international_prefix(raw.strip())
    for region in (None,) if text.startswith("+") else default_regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if number.extension:
            raise NormalisationError("has an extension, which E.164 cannot hold")
        break
    return e164


def split_extension(raw: str) -> tuple[str, str]:
    """`raw` (stripped) without the extension the library reads at its end ("ext. 12", "x12",
    "#12", ";ext=12", "доб. 12", ", 12"...), and that extension in ASCII digits ("" if none).
    The library's own reading (`to_e164` would drop what it finds there), so that a caller keeps
    every extension it would drop: a part it does not read as one stays in the number."""
    text = raw.strip()
    extension, main = phonenumberutil._maybe_strip_extension(text)
    if not extension:
        return text, ""
    return main.strip(), ascii_digits(extension)


def ascii_digits(text: str) -> str:
    """`text` with every decimal digit of any script ("٣", "５") written in ASCII."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


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
    country = _BY_CODE[text[:4]]
    if country is None:
        return None  # no known country code, or one left to the library: its error path
    start, prefix, _, regions = country
    national = text[start:]
    if national[0] == "0" or len(national) < 2:
        return None
    if prefix is not None and prefix.match(national):
        return None  # parse may strip a national prefix here
    if len(national) > _MAX_NATIONAL_LENGTH:
        return False
    return _valid_in(regions, national)


def _valid_in(regions: tuple[_Region, ...], national: str) -> bool:
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


def plain_e164_validity(text: str) -> bool | None:
    """`to_e164(text)`'s outcome for a number written as "+" and 7 to 15 ASCII digits, as an
    import's cells mostly are: True (`text` is its own E.164 form), False (refused as not a
    valid number). None: any other text, or a number only the full path can tell.

    The same steps as `to_e164`'s fast path without its strip, its "00" and its shape's regular
    expression (~2,300 instructions a number; `str` tests instead), nor three Python calls; a
    national prefix of digits starting with 0 (Ukraine's, and 91 other country codes') is not
    tried, since these numbers never start with 0 (docs/benchmarks.md, branch importwk7)."""
    country = _BY_CODE[text[:4]]
    if country is None or not 8 <= len(text) <= 16:
        return None
    start, prefix, single, regions = country
    national = text[start:]
    if (
        national[0] == "0"
        or not (national.isdigit() and national.isascii())
        or (prefix is not None and prefix.match(national))
    ):
        return None
    if single is None:
        return _valid_in(regions, national)
    valid = single[len(national)]
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


# A national prefix that is one literal of digits starting with 0: it never matches a national
# number the fast paths read (they leave numbers starting with 0 to the library).
_ZERO_LITERAL = re.compile(r"0[0-9]*")
# A code's national number start in "+<digits>", its national-prefix pattern (None: none, or
# one that cannot match), its regions' validity expressions per length when it has one region
# without leading digits (else None), and its regions.
_Code = tuple[int, re.Pattern[str] | None, list[re.Pattern[str] | None] | None, tuple[_Region, ...]]


class _Codes(dict[str, "_Code | None"]):
    """A geographic code's `_Code` per "+" and a number's first three digits (~800 keys, made
    as first seen); None for any other text (not kept) or a code the library decides."""

    def __missing__(self, key: str) -> _Code | None:
        found = _BY_LEADING_DIGITS.get(key[1:]) if key[:1] == "+" else None
        if found is None:
            return None
        size, code = found
        country = _country(code)
        value: _Code | None = None
        if country is not None:
            prefix, regions = country
            if prefix is not None and _ZERO_LITERAL.fullmatch(prefix.pattern):
                prefix = None
            (leading, by_length), *others = regions
            value = (
                size + 1,
                prefix,
                by_length if leading is None and not others else None,
                regions,
            )
        self[key] = value
        return value


_BY_CODE = _Codes()
