"""Properties of compatriot.normalise over generated input: transliteration, name search keys,
telephone numbers, partial dates, country and language codes, free text."""

from __future__ import annotations

import calendar
import datetime as dt
import string
import sys
import unicodedata

import phonenumbers
import pycountry
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from compatriot.normalise import NormalisationError, phones
from compatriot.normalise.codes import country_alpha2, language_code
from compatriot.normalise.dates import DatePrecision, PartialDate, parse_partial_date
from compatriot.normalise.names import query_terms, search_text, skeleton, to_latin, tokens
from compatriot.normalise.phones import to_e164
from compatriot.normalise.text import clean_text

FEW = settings(max_examples=60, deadline=None)
TODAY = dt.datetime.now(tz=dt.UTC).date()

# Names as people write them: any script, with the punctuation names carry.
NAME_ALPHABET = st.characters(
    categories=["L", "M", "Nd", "Zs", "Pd", "Po"], exclude_characters="\x00"
)
names = st.text(NAME_ALPHABET, max_size=40)
some_text = st.text(max_size=60)


@FEW
@given(some_text)
@example("Олена Коваленко")
@example("محمد")
@example("पूजा शर्मा")
@example("O'Brien-Smith")
@example("ǅemal ßtraße")
def test_to_latin_is_ascii_and_idempotent(text):
    latin = to_latin(text)

    assert latin.isascii()
    assert set(latin) <= set(string.ascii_letters + "' -")
    assert latin == latin.strip()
    assert to_latin(latin) == latin


@FEW
@given(st.text(string.ascii_letters, min_size=1, max_size=20), st.randoms(use_true_random=False))
@example("Khachaturyan", None)
@example("SHCHERBAKOV", None)
def test_skeleton_ignores_case(token, random):
    recased = "".join(
        char.swapcase() if random is None or random.random() < 0.5 else char for char in token
    )

    assert (
        skeleton(token) == skeleton(recased) == skeleton(token.lower()) == skeleton(token.upper())
    )


@FEW
@given(names)
@example("Олена Коваленко")
@example("Mohammed al-Hassan")
def test_search_text_holds_every_latin_token(name):
    text = search_text(name)

    for token in tokens(to_latin(name)):
        assert f" {token} " in text
        assert f" ~{skeleton(token)} " in text


def finds(text: str, query: str) -> bool:
    """What the person search does (people.selectors): every query word matches the search text
    by one of its spellings, as a token prefix or by its skeleton."""
    return all(
        any(f" {token}" in text or f" ~{key} " in text for token, key in spellings)
        for spellings in query_terms(query)
    )


@FEW
@given(names)
@example("Мамедов")
@example("पूजा")
def test_a_name_finds_itself_as_written_and_in_latin(name):
    """What the person search relies on: each query term matches the stored search text."""
    text = search_text(name)

    for query in (name, to_latin(name), to_latin(name).upper()):
        assert finds(text, query)


# Names in the scripts whose transliteration needs more than anyascii's letter by letter: Han
# and Hangul (a syllable per character), Serbian Cyrillic and South Slavic Latin (đ, ђ, ћ, џ),
# Vietnamese (its đ is a d), and others.
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
SERBIAN_CYRILLIC = st.sampled_from("абвгдђежзијклљмнњопрстћуфхцчџшАБВГДЂЕЖЗИЈКЛЉМНЊОПРСТЋУФХЦЧЏШ")
SOUTH_SLAVIC_LATIN = st.sampled_from("abcčćddžđefghijklljmnnjoprsštuvzžĐČĆŠŽ")
VIETNAMESE = st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyĐạảãặỗứừệ")
SCRIPT_WORDS = st.one_of(
    st.text(HAN, min_size=1, max_size=4),
    st.text(HANGUL, min_size=1, max_size=4),
    st.text(SERBIAN_CYRILLIC, min_size=1, max_size=8),
    st.text(SOUTH_SLAVIC_LATIN, min_size=1, max_size=8),
    st.text(VIETNAMESE, min_size=1, max_size=6),
    st.text(st.sampled_from("محمدأحسينعلي"), min_size=1, max_size=6),
    st.text(NAME_ALPHABET, min_size=1, max_size=8),
)
script_names = st.lists(SCRIPT_WORDS, min_size=1, max_size=3).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(script_names)
@example("张伟")
@example("김민준")
@example("Ђорђе Ђорђевић")
@example("Đorđe Đinđić")
@example("Đặng Văn Đức")
def test_a_name_in_any_script_is_found_by_its_own_transliteration(name):
    """The record is found by its written form, its Latin form (as stored and shown), that form
    in capitals, and a CJK name also by its syllables written together ("Zhangwei")."""
    text = search_text(name)
    latin = to_latin(name)

    assert finds(text, name)
    assert finds(text, latin)
    assert finds(text, latin.upper())
    for word in name.split():
        if all(HAN_OR_HANGUL(char) for char in word) and len(word) <= 6:
            assert finds(text, to_latin(word).replace(" ", ""))


def HAN_OR_HANGUL(char: str) -> bool:  # noqa: N802  # a predicate read as a set's name
    return "\u4e00" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7a3"


@pytest.mark.parametrize(
    ("written", "latin"),
    [
        ("Ђорђе", "Djordje"),
        ("Đorđe", "Djordje"),
        ("ĐORĐE", "DJORDJE"),
        ("Đinđić", "Djindjic"),
        ("Ћирић", "Ciric"),
        ("Ćirić", "Ciric"),
        # Vietnamese đ is a d: by a vowel's mark, or a word that is one Vietnamese syllable.
        ("Đặng Văn Đức", "Dang Van Duc"),
        ("Đinh", "Dinh"),
        ("张伟", "Zhang Wei"),
        ("欧阳娜娜", "Ou Yang Na Na"),
        ("김민준", "Gim Min Jun"),
        ("Wang 伟", "Wang Wei"),
    ],
)
def test_latin_forms_of_south_slavic_han_and_hangul(written, latin):
    assert to_latin(written) == latin


@pytest.mark.parametrize(
    ("record", "query"),
    [
        ("Ђорђе", "Đorđe"),
        ("Đorđe", "Ђорђе"),
        ("Ђорђе", "Djordje"),
        ("Đorđe", "Dorde"),  # đ typed without its stroke
        ("Dorde", "Đorđe"),
        ("Ћирић", "Ćirić"),
        ("Џафер", "Džafer"),
        ("张伟", "Zhang Wei"),
        ("张伟", "Zhangwei"),
        ("张伟", "Wei Zhang"),
        ("欧阳娜娜", "Ouyang Nana"),
        ("김민준", "Kim Minjun"),
        ("김민준", "Minjun Kim"),
        ("김민준", "Gim Min Jun"),
        ("김", "Kim"),
        ("이", "Lee"),
        ("이", "Yi"),
        ("박", "Park"),
        ("최", "Choi"),
        ("정", "Jung"),
        ("Kim", "김"),  # a Hangul query finds the common spelling
        ("Lee Seojun", "이서준"),
        ("Park", "박"),
    ],
)
def test_names_found_whichever_script_the_record_and_query_are_in(record, query):
    assert finds(search_text(record, to_latin(record)), query)


@pytest.mark.parametrize(
    ("record", "query"),
    [
        ("Đặng", "Djang"),  # Vietnamese đ is a d only
        ("김민준", "Lee"),
        ("박", "Kim"),
        ("民", "Park"),  # Korean spellings are for Hangul names, not Han
        ("张伟", "Zhang Li"),
    ],
)
def test_other_names_are_not_found(record, query):
    assert not finds(search_text(record, to_latin(record)), query)


@pytest.mark.parametrize(
    ("_case", "written", "romanised"),
    [
        ("Cyrillic", "Коваленко", "Kovalenko"),
        ("Arabic", "محمد", "Mohammed"),
        ("Arabic, other spelling", "محمد", "Muhammad"),
        ("Azerbaijani", "Мамедов", "Mammadov"),
        ("Devanagari", "पूजा", "Pooja"),
        ("Greek", "Παπαδόπουλος", "Papadopoulos"),
    ],
)
def test_transliterations_share_a_skeleton(_case, written, romanised):
    assert [skeleton(t) for t in tokens(written)] == [skeleton(t) for t in tokens(romanised)]


REGIONS = ["UA", "PL", "NG", "IN", "MA"]
NUMBER_TYPES = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]


@st.composite
def valid_numbers(draw):
    """A valid number of one of the regions: its example number with new subscriber digits."""
    region = draw(st.sampled_from(REGIONS))
    example_number = phonenumbers.example_number_for_type(
        region, draw(st.sampled_from(NUMBER_TYPES))
    )
    national = phonenumbers.national_significant_number(example_number)
    tail = draw(st.text("0123456789", min_size=4, max_size=4))
    number = phonenumbers.parse(f"+{example_number.country_code}{national[:-4]}{tail}")
    assume(
        phonenumbers.is_valid_number(number)
        and phonenumbers.region_code_for_number(number) == region
    )
    return region, number


def formatted(number, style):
    return phonenumbers.format_number(number, style)


@FEW
@given(valid_numbers())
def test_international_and_national_forms_give_the_same_e164(generated):
    region, number = generated
    e164 = formatted(number, phonenumbers.PhoneNumberFormat.E164)
    international = formatted(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = formatted(number, phonenumbers.PhoneNumberFormat.NATIONAL)

    assert to_e164(international) == e164
    assert to_e164(international, default_regions=("GB",)) == e164
    assert to_e164("00" + international.removeprefix("+")) == e164
    assert to_e164(f"  {national} ", default_regions=(region,)) == e164
    assert to_e164(e164) == e164


def library_e164(text: str) -> str | None:
    """What phonenumbers' full path (parse, is_valid_number, format) makes of `text`."""
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return formatted(number, phonenumbers.PhoneNumberFormat.E164)


def our_e164(text: str) -> str | None:
    try:
        return to_e164(text)
    except NormalisationError:
        return None


def example_e164(region: str, kind: int) -> str | None:
    number = phonenumbers.example_number_for_type(region, kind)
    return formatted(number, phonenumbers.PhoneNumberFormat.E164) if number else None


EXAMPLES = sorted(
    {
        e164
        for region in phonenumbers.SUPPORTED_REGIONS
        for kind in [*NUMBER_TYPES, phonenumbers.PhoneNumberType.TOLL_FREE]
        if (e164 := example_e164(region, kind))
    }
)


def code_and_digits(fewest: int, most: int) -> st.SearchStrategy[str]:
    """A "+", any country code, and any digits after it (mostly invalid numbers)."""
    return st.builds(
        lambda code, digits: f"+{code}{digits}",
        st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
        st.text("0123456789", min_size=fewest, max_size=most),
    )


# Every region's example numbers with one digit changed, added or dropped.
EDITED_EXAMPLES = st.builds(
    lambda e164, position, digit, edit: (
        e164[:position] + digit + e164[position + 1 :]
        if edit == 0
        else e164 + digit
        if edit == 1
        else e164[:-1]
    ),
    st.sampled_from(EXAMPLES),
    st.integers(2, 14),
    st.sampled_from("0123456789"),
    st.integers(0, 2),
)


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        # Any country code with any digits after it (mostly invalid numbers)...
        code_and_digits(4, 12),
        # ...and every region's example numbers with one digit changed, added or dropped.
        EDITED_EXAMPLES,
    )
)
def test_numbers_already_in_e164_are_judged_as_the_library_judges_them(text):
    """The shortcut for "+<digits>" input gives exactly phonenumbers' own answer."""
    assert our_e164(text) == library_e164(text)


# Every decimal digit of every script, as its ASCII digit (what `\d` matches, and the library reads).
ASCII_DIGITS = {
    code: str(value)
    for code in range(sys.maxunicode + 1)
    if (value := unicodedata.decimal(chr(code), None)) is not None
}


def full_path_e164(raw: str, regions: tuple[str, ...]) -> str | None:
    """`to_e164` without its shortcut: the library's parse, validity test and format for every
    input, regions tried in turn (the reference the shortcut must equal). "+", a full-width
    "＋", or "00" in any script's digits is international."""
    text = raw.strip()
    if not text or len(text) > 40:
        return None
    if text[:2].translate(ASCII_DIGITS) == "00":
        text = "+" + text[2:]
    elif text.startswith("\uff0b"):
        text = "+" + text[1:]
    for region in (None,) if text.startswith("+") else regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return formatted(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def spaced(digits: str, gaps: list[str]) -> str:
    """`digits` with `gaps[i]` (a separator or nothing) written after its i-th digit."""
    gaps = [*gaps, *[""] * len(digits)][: len(digits)]
    return "".join(digit + gap for digit, gap in zip(digits, gaps, strict=True))


# How people and forms space numbers: single spaces or hyphens (the shortcut's shape), and
# what it leaves to the library (two in a row, dots, brackets, a separator first or last).
GAPS = st.lists(st.sampled_from(["", "", " ", "-", "  ", ".", " - ", "(", ")"]), max_size=16)
ANY_REGIONS = st.lists(st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)), max_size=3)


@settings(max_examples=4000, deadline=None)
@given(
    st.one_of(
        # every region's example numbers, one digit changed, added or dropped, then spaced...
        EDITED_EXAMPLES,
        # ...any country code with any digits after it...
        code_and_digits(2, 16),
        # ...and the same digits written nationally, with a leading 0 or 00 or none.
        st.builds(
            lambda lead, digits: lead + digits,
            st.sampled_from(["", "0", "00", "8"]),
            st.text("0123456789", min_size=4, max_size=14),
        ),
    ),
    GAPS,
    ANY_REGIONS,
    st.sampled_from(["", " ", "\t"]),
)
@example("+234 803 123 4567", [], [], "")
@example("+380-50-123-4567", [], ["UA"], "")
@example("+7 8 912 345 6789", [], ["RU"], "")  # a national prefix after the code
@example("+39 06 1234 5678", [], ["IT"], "")  # Italy's leading zero
def test_written_numbers_are_judged_as_the_full_path_judges_them(number, gaps, regions, pad):
    """Spaced, hyphenated, national or international, with any default regions: `to_e164`
    gives exactly the library's full answer (the number, or a refusal)."""
    sign, digits = ("+", number[1:]) if number.startswith("+") else ("", number)
    raw = pad + sign + spaced(digits, gaps) + pad
    regions = tuple(regions)
    try:
        ours = to_e164(raw, default_regions=regions)
    except NormalisationError:
        ours = None
    assert ours == full_path_e164(raw, regions)


# Decimal digits of other scripts, as people type them on their own keyboards: Arabic-Indic,
# Extended Arabic-Indic (Persian, Urdu), Devanagari, Bengali, full-width.
OTHER_DIGITS = ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "০১২৩৪৫৬৭৮৯", "０１２３４５６７８９"]


# How a number's international prefix is written: "+", the full-width plus of CJK keyboards,
# or "00" (each zero ASCII or another script's, as the digits after it may be).
PREFIXES = st.one_of(
    st.sampled_from(["+", "\uff0b"]),
    st.tuples(
        st.sampled_from(["0", *(d[0] for d in OTHER_DIGITS)]),
        st.sampled_from(["0", *(d[0] for d in OTHER_DIGITS)]),
    ).map("".join),
)


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(EDITED_EXAMPLES, code_and_digits(4, 12)),
    st.sampled_from(OTHER_DIGITS),
    st.lists(st.booleans(), min_size=20, max_size=20),
    GAPS,
    PREFIXES,
    ANY_REGIONS,
)
@example("+380502621335", OTHER_DIGITS[4], [False] * 11 + [True], [], "+", [])
@example("+380502621335", OTHER_DIGITS[0], [True] * 16, [], "+", [])
@example("+380502621335", OTHER_DIGITS[0], [True] * 16, [], "\uff0b", [])
@example("+380502621335", OTHER_DIGITS[0], [True] * 16, [], "\u0660\u0660", [])
@example("+380502621335", OTHER_DIGITS[4], [True] * 16, [], "\uff10\uff10", ["US"])
def test_digits_of_other_scripts_are_stored_as_ascii_digits(
    number, digits, swaps, gaps, prefix, regions
):
    """A number written wholly or partly in another script's digits, after any international
    prefix, is judged as the library judges it and, when valid, stored in E.164's ASCII digits,
    never as written."""
    written = prefix + spaced(
        "".join(
            digits[int(digit)] if swap else digit
            for digit, swap in zip(number[1:], swaps, strict=False)
        ),
        gaps,
    )
    regions = tuple(regions)
    try:
        ours = to_e164(written, default_regions=regions)
    except NormalisationError:
        ours = None
    assert ours == full_path_e164(written, regions)
    assert ours is None or (ours.isascii() and ours[1:].isdigit())


@FEW
@given(valid_numbers(), PREFIXES, st.sampled_from(OTHER_DIGITS), st.sampled_from([(), ("US",)]))
def test_an_international_prefix_is_read_in_any_script(generated, prefix, digits, regions):
    """A full-width "＋" or "00" in any digits is as good as "+", with or without a country known
    (where "00" is not the country's own international prefix, as in the US)."""
    _, number = generated
    e164 = formatted(number, phonenumbers.PhoneNumberFormat.E164)
    international = formatted(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    in_script = international[1:].translate(str.maketrans("0123456789", digits))

    assert to_e164(prefix + international[1:], default_regions=regions) == e164
    assert to_e164(prefix + in_script, default_regions=regions) == e164
    assert to_e164(f" {prefix}{e164[1:]} ", default_regions=regions) == e164


@pytest.mark.parametrize(
    ("raw", "regions", "message"),
    [
        ("\uff0b", (), "is not a valid telephone number"),
        ("\uff0b999 123 456 789", (), "is not a valid telephone number"),
        ("\u0660\u0660999 123 456 789", (), "is not a valid telephone number"),
        ("\uff10\uff10380 12", ("UA",), "is not a valid telephone number"),
        ("\u0660", (), "needs an international prefix"),
        ("\u0660\u0665\u0660 123 4567", (), "needs an international prefix"),
        ("\uff0b380" + "1" * 40, (), "is too long"),
    ],
)
def test_bad_numbers_after_such_a_prefix_are_refused_as_others_are(raw, regions, message):
    with pytest.raises(NormalisationError, match=message):
        to_e164(raw, default_regions=regions)


def test_an_extension_is_refused_where_the_whole_number_is_needed():
    assert phones.to_e164_whole("\uff0b380 50 262 1335") == "+380502621335"
    assert phones.to_e164_whole("050 262 1335", default_regions=("UA",)) == "+380502621335"
    for raw in ("+1 202 555 0134 ext. 12", "+1 202 555 0134 x12", "\uff0b1 202 555 0134 #12"):
        assert to_e164(raw) == "+12025550134"  # the extension dropped
        with pytest.raises(NormalisationError, match="extension"):
            phones.to_e164_whole(raw)
    with pytest.raises(NormalisationError, match="extension"):
        phones.to_e164_whole("(202) 555-0134 ext 7", default_regions=("US",))


LETTERS = st.text(st.characters(categories=["L"]), min_size=1, max_size=8)  # any script
EXTENSION_LABELS = ["ext. ", "ext", " x", "#", ";ext=", " доб. ", " extension ", " ｅｘｔ "]


@FEW
@given(valid_numbers(), LETTERS, st.integers(0, 10), st.booleans())
@example(("UA", phonenumbers.parse("+380507748283")), "PRIVATE", 3, False)  # the keypad's 7748283
@example(("PL", phonenumbers.parse("+48600225563")), "ДЗВОНИ", 9, True)
def test_a_number_with_letters_is_refused_and_only_an_extension_label_may_have_them(
    generated, word, position, national
):
    """Letters of any script, between the number's groups or after them, are refused (never
    read as a keypad's digits); an extension's label after the number is read as `to_e164`
    reads it. (Letters with exactly one group after them could be an extension's label.)"""
    region, number = generated
    formats = phonenumbers.PhoneNumberFormat
    style = formats.NATIONAL if national else formats.INTERNATIONAL
    groups = formatted(number, style).split(" ")
    cut = min(position, len(groups))
    if cut == len(groups) - 1:
        cut = len(groups)
    written = " ".join([*groups[:cut], word, *groups[cut:]])
    regions = (region,)

    with pytest.raises(NormalisationError, match="contains letters"):
        phones.to_e164_digits(written, default_regions=regions)
    for label in EXTENSION_LABELS:
        with_extension = formatted(number, style) + label + "12"
        assert phones.to_e164_digits(with_extension, default_regions=regions) == to_e164(
            with_extension, default_regions=regions
        )
        with pytest.raises(NormalisationError, match="contains letters"):
            phones.to_e164_digits(f"{written}{label}12", default_regions=regions)


def test_a_full_width_digit_is_not_stored_as_written():
    assert to_e164("+38050262133５") == "+380502621335"
    assert to_e164("+٣٨٠٥٠٢٦٢١٣٣٥") == "+380502621335"


def test_every_example_number_is_valid_in_e164():
    assert [e164 for e164 in EXAMPLES if our_e164(e164) != e164] == []


def test_every_one_digit_edit_of_an_example_is_judged_as_the_library_judges_it():
    """Each region's examples with the last digits changed, added or dropped: the lengths next
    to a valid one and the patterns' last branches, where the shortcut's expression per length
    could part from the library's description-by-description test."""
    edits = {
        edited
        for e164 in EXAMPLES
        for position in range(len(e164) - 3, len(e164))
        for edited in (
            *(e164[:position] + digit + e164[position + 1 :] for digit in "0123456789"),
            e164 + e164[position],
            e164[:-1],
        )
    }

    assert [text for text in sorted(edits) if our_e164(text) != library_e164(text)] == []


def test_codes_shared_by_regions_take_the_fast_path_and_pick_the_librarys_region():
    """+1, +7, +44, +212...: each region's examples (and their last digit changed) are decided
    by the fast path itself, not handed to the library, with the library's answer."""
    from compatriot.normalise.phones import _e164_fast

    shared = {
        code
        for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()
        if len(regions) > 1
    }
    numbers = {
        e164[:-1] + digit
        for e164 in EXAMPLES
        if phonenumbers.parse(e164).country_code in shared
        for digit in "0123456789"
    }
    decided = {text: _e164_fast(text) for text in numbers}
    regions = {phonenumbers.region_code_for_number(phonenumbers.parse(e164)) for e164 in EXAMPLES}
    assert {"US", "AG", "RU", "KZ", "GB", "JE", "IM", "MA", "FI", "AX"} <= regions
    assert sum(verdict is not None for verdict in decided.values()) > 0.8 * len(numbers)
    assert [
        text
        for text, verdict in decided.items()
        if verdict is not None and verdict != (library_e164(text) == text)
    ] == []


@pytest.mark.parametrize(
    ("_case", "raw", "regions", "message"),
    [
        ("empty", "   ", ("UA",), "is empty"),
        ("too short", "12", ("UA",), "is not a valid telephone number"),
        ("letters", "call me", ("PL",), "is not a valid telephone number"),
        ("national without a region", "050 123 4567", (), "needs an international prefix"),
        ("overlong", "+380" + "1" * 40, ("UA",), "is too long"),
        ("unknown country code", "+999 123 456 789", (), "is not a valid telephone number"),
    ],
)
def test_invalid_phones_raise(_case, raw, regions, message):
    with pytest.raises(NormalisationError, match=message):
        to_e164(raw, default_regions=regions)


@st.composite
def partial_dates(draw):
    value = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    precision = draw(st.sampled_from(list(DatePrecision)))
    if precision == DatePrecision.YEAR:
        value = value.replace(month=1, day=1)
    elif precision == DatePrecision.MONTH:
        value = value.replace(day=1)
    return PartialDate(value, precision)


@FEW
@given(partial_dates())
def test_partial_dates_round_trip(date):
    text = str(date)

    assert parse_partial_date(text) == date
    assert len(text) == {"year": 4, "month": 7, "day": 10}[date.precision]


@FEW
@given(st.integers(1900, TODAY.year - 1), st.integers(1, 12), st.integers(29, 99))
def test_days_beyond_the_month_raise(year, month, day):
    assume(day > calendar.monthrange(year, month)[1])

    with pytest.raises(NormalisationError, match="is not a real date"):
        parse_partial_date(f"{year:04d}-{month:02d}-{day:02d}")


@FEW
@given(st.integers(1900, TODAY.year - 1), st.sampled_from([0, *range(13, 100)]), st.booleans())
def test_impossible_months_raise(year, month, with_day):
    text = f"{year:04d}-{month:02d}" + ("-01" if with_day else "")

    with pytest.raises(NormalisationError, match="is not a real date"):
        parse_partial_date(text)


@FEW
@given(st.integers(1900, TODAY.year - 1), st.integers(1, 12))
def test_day_zero_raises(year, month):
    with pytest.raises(NormalisationError, match="is not a real date"):
        parse_partial_date(f"{year:04d}-{month:02d}-00")


@FEW
@given(st.dates(min_value=TODAY + dt.timedelta(days=1)), st.sampled_from(list(DatePrecision)))
def test_future_dates_raise(value, precision):
    assume(value.year > TODAY.year or precision != DatePrecision.YEAR)
    assume(value.replace(day=1) > TODAY or precision == DatePrecision.DAY)

    with pytest.raises(NormalisationError, match="is in the future"):
        parse_partial_date(str(PartialDate(value, precision)))


def test_a_date_accepted_before_is_refused_once_the_clock_is_before_it(time_machine):
    """Accepted dates are remembered by their text; a clock set back (or a `today` given)
    before the date still makes it a date in the future."""
    assert parse_partial_date("2024-03-05").value == dt.date(2024, 3, 5)

    time_machine.move_to(dt.datetime(2024, 3, 4, 23, 59, tzinfo=dt.UTC), tick=False)
    with pytest.raises(NormalisationError, match="is in the future"):
        parse_partial_date("2024-03-05")
    with pytest.raises(NormalisationError, match="is in the future"):
        parse_partial_date("2024-03-05", today=dt.date(2024, 3, 4))
    time_machine.move_to(dt.datetime(2024, 3, 5, 0, 0, tzinfo=dt.UTC), tick=False)
    assert parse_partial_date("2024-03-05").value == dt.date(2024, 3, 5)


@FEW
@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(1899, 12, 31)))
def test_dates_before_1900_raise(value):
    with pytest.raises(NormalisationError, match="is before 1900"):
        parse_partial_date(value.isoformat())


@FEW
@given(st.text(max_size=12))
def test_anything_else_is_a_normalisation_error_or_a_date(text):
    try:
        parsed = parse_partial_date(text)
    except NormalisationError:
        return
    assert dt.date(1900, 1, 1) <= parsed.value <= TODAY


COUNTRIES = list(pycountry.countries)


def test_every_country_code_maps_to_its_alpha_2():
    mismatches = [
        country.alpha_2
        for country in COUNTRIES
        if not (
            country_alpha2(country.alpha_2)
            == country_alpha2(country.alpha_3)
            == country_alpha2(country.alpha_3.lower())
            == country_alpha2(f" {country.alpha_2.lower()} ")
            == country.alpha_2
        )
    ]
    assert mismatches == []
    assert len(COUNTRIES) == 249
    assert country_alpha2("XKX") == country_alpha2("xk") == "XK"


KNOWN_COUNTRIES = {c.alpha_2 for c in COUNTRIES} | {c.alpha_3 for c in COUNTRIES} | {"XK", "XKX"}


@FEW
@given(st.text(string.ascii_letters + "0123456789 -", min_size=0, max_size=5))
def test_unknown_country_codes_raise(code):
    assume(code.strip().upper() not in KNOWN_COUNTRIES)

    with pytest.raises(NormalisationError, match="is not an ISO 3166 country code"):
        country_alpha2(code)


def test_every_language_code_maps_to_its_shortest_form():
    mismatches = []
    for language in pycountry.languages:
        expected = getattr(language, "alpha_2", None) or language.alpha_3
        inputs = [language.alpha_3, language.alpha_3.upper()]
        inputs += [
            value
            for value in (
                getattr(language, "alpha_2", None),
                getattr(language, "bibliographic", None),
            )
            if value
        ]
        mismatches += [(code, expected) for code in inputs if language_code(code) != expected]
    assert mismatches == []
    assert (language_code("yor"), language_code("fre"), language_code("ibb")) == ("yo", "fr", "ibb")


@FEW
@given(some_text)
@example("Ok\u202eafor\u2066")
@example("Chukwu\x00emeka")
def test_clean_text_is_idempotent_and_free_of_controls(text):
    try:
        cleaned = clean_text(text, max_length=200)
    except NormalisationError:
        return

    assert clean_text(cleaned, max_length=200) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert [
        c for c in cleaned if unicodedata.category(c) == "Cc" or "\u202a" <= c <= "\u202e"
    ] == []


def test_each_three_leading_digits_tell_the_one_country_code_they_start_with():
    """The fast path's table, against its definition: every triple of digits that starts with a
    country code maps to that code (and its length); no other triple is in it."""
    codes = [str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE]
    expected = {
        f"{start:03d}": (len(code), int(code))
        for code in codes
        for start in range(1000)
        if f"{start:03d}".startswith(code)
    }
    assert expected == phones._BY_LEADING_DIGITS


def _outcome(text: str) -> str | None:
    """`to_e164`'s answer: the stored number, or None for a refusal."""
    try:
        return to_e164(text)
    except NormalisationError:
        return None


@settings(max_examples=4000, deadline=None)
@given(
    st.one_of(
        # Any country code with any digits after it (any length around the shape's 7 to 15)...
        code_and_digits(0, 16),
        # ...every region's example numbers with one digit changed, added or dropped...
        EDITED_EXAMPLES,
        # ...and anything near: other digits (Arabic-Indic, full-width), separators, letters.
        st.text("+0123456789٣５ -x\x00\uff0b\u0660", max_size=18),
    )
)
@example("\uff0b380502621335")  # a full-width plus
@example("\u0660\u0660380502621335")
@example("+380502621335")
@example("+3800502621335")  # the national prefix after the code
@example("+38050262133５")  # a digit `\d` reads, not ASCII
@example("+٣٨٠٥٠٢٦٢١٣٣٥")
@example("+39 06 1234 5678")
@example("+390612345678")  # Italy's leading zero
@example("+80012345678")  # a non-geographic code
def test_a_plain_number_is_decided_as_to_e164_decides_it(text):
    """`plain_e164_validity` answers only for "+" and ASCII digits, and then as `to_e164`:
    True where it gives back the text itself, False where it refuses it."""
    verdict = phones.plain_e164_validity(text)
    if verdict is None:
        return
    assert text[0] == "+"
    assert text[1:].isdigit()
    assert text.isascii()
    assert _outcome(text) == (text if verdict else None)


def test_plain_numbers_of_every_region_are_decided_without_the_library():
    """Each region's examples, and their last digit changed: the plain path decides most of
    them itself (leaving only what the library must tell), each as `to_e164` does."""
    numbers = {e164[:-1] + digit for e164 in EXAMPLES for digit in "0123456789"}
    decided = {text: phones.plain_e164_validity(text) for text in numbers}
    assert sum(verdict is not None for verdict in decided.values()) > 0.8 * len(numbers)
    assert [
        text
        for text, verdict in decided.items()
        if verdict is not None and _outcome(text) != (text if verdict else None)
    ] == []
    assert phones.plain_e164_validity("+380502621335") is True
    assert phones.plain_e164_validity("+38050262133") is False
    assert phones.plain_e164_validity("+380 50 262 1335") is None
    assert phones.plain_e164_validity("+3800502621335") is None  # a leading 0: the library's
