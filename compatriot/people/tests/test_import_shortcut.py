"""The import's shortcut (`imports.shortcut.accepted_record`) against the schema it stands in for.

Whenever the shortcut accepts a row, the schema must accept it too and store the same values;
when the shortcut is unsure it returns None and the schema decides (so refusals are the schema's
by construction). Rows are drawn field by field from awkward values and from random text. The
e-mail check, rewritten with its domain verdicts remembered, is held to Django's
`validate_email`, and the shortcut's coordinates and codes to pydantic's own parsing.
"""

from __future__ import annotations

import string
from typing import Any

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from compatriot.people.imports import normalising, shortcut
from compatriot.people.imports.columns import COLUMNS, Header, RowReader, split_phones
from compatriot.people.imports.normalising import (
    ImportPersonFields,
    PersonRecord,
    _details_input,
    _record,
    normalise_row,
)
from compatriot.people.models import JourneyStage, PersonCategory, Relationship, Sex, Source
from compatriot.people.schemas import email_address

MANY = settings(max_examples=1500, deadline=None)

# Per column: values the schema accepts, refuses, or that sit at an edge of one of its rules.
AWKWARD: dict[str, list[str]] = {
    "source_record_id": ["x1", "a/b#c:d", "", "bad id", "a" * 100, "a" * 101, "é", "x1\n",
                         "a,b", "x1,"],
    "given_name": ["Amina", "", "Олександр", "محمد", "  Anne  Marie ", "A\u202eB", "Ali\x00ce",
                   "x" * 200, "x" * 201, "x" * 801, "Щ" * 60, "e\u0301", "\u202e", "a\\b"],
    "family_name": ["Diallo", "", "王", "O'Neil", "\x7f", "\u200f", "Щ" * 51],
    "given_name_latin": ["", "Wang", "  ", "\u202e", "W@ng"],
    "family_name_latin": ["", "Li", "x" * 201],
    "sex": ["female", "male", "", "MALE", "Female", "unknown", "other", "alien", " male"],
    "birth_date": ["1994-03-07", "1990", "2001-05", "1990-02-30", "2099", "1899-12", "90",
                   "1990-00", " 2001-05 ", "１９９０", "1990-1-1", "2000-02-29", "19900-01-01"],
    "nationalities": ["SEN", "", "ukr POL ukr", "XX", "SYR;TUR", "u", "ZZZ", "a b c d e f",
                      "xk", "gbr;GB", "usa"],
    "languages": ["fr wo", "", "zz", "fre ger", "e", "ibb", "yor", "iw",
                  "a b c d e f g h i j k l m n o p q r s t u", "en EN eng"],
    "phones": ["+221 77 123 45 67", "", "12345", "0771234567", "00221771234567",
               "+221771234567; +221771234567, +33612345678", "1;2;3;4;5;6", "+800 1234 5678",
               "0612345678", "+44 7911 123456", "abc", "1" * 41, "+48609970308 +380961017044",
               "+380502621335", "+3800502621335", "+38050262133", "+38050262133５",
               "+380502621335 +380502621335", "+380502621335  +48609970308",
               "+380502621335 +3805", "+48609970308 " * 6, "+1 +2 +3 +4 +5 +6",
               "\uff0b380502621335", "\u0660\u0660380502621335", "\uff10\uff10380 50 262 1335",
               "+380502621335 \uff0b48609970308", "\uff0b", "\u0660", "0\u0660221771234567",
               "\uff10\uff17\uff17\uff11\uff12\uff13\uff14\uff15\uff16\uff17",
               "+380 50 PRIVATE", "+48 600 CALL ME x12", "+380 50 262 1335 ext. 12"],
    "email": ["", "Someone@Example.ORG", "not-an-address", "a@b", "a@localhost", "x@[127.0.0.1]",
              "a..b@example.org", "a@exämple.org", "ü@example.org", "a@" + "x" * 250,
              "\"q\"@example.org", "a@[1.2.3.999]", "a@xn--p1ai.xn--p1ai"],
    "country": ["SN", "", "XK", "kos", "UKR", "ua", "zz", "UKRA", "u"],
    "admin_area": ["", "Dakar", "Kharkiv\nOblast", "x" * 201, "  "],
    "place_name": ["", "Pikine", "Kyiv\x00", "a\tb"],
    "latitude": ["", "49.99", "91", "-90", "90.0000001", "nan", "1e2", " 12.5", "abc", "-0",
                 "0.1234567890123456", "+1", "٥٢.١", "52.", ".5", "1,5", "-"],
    "longitude": ["", "36.23", "181", "-180", "180.5", "12,5", "inf", "1_0"],
    "journey_stage": ["at_border", "", "AT_BORDER", "flying", "in_transit", "at_destination"],
    "category": ["worker", "", "Student", "student", "refugee", "alien"],
    "source": ["", "HOTLINE", "hotline", "carrier pigeon", "import"],
    "household_ref": ["", "H-1", "\u202e", "x" * 201],
    "relationship": ["", "head", "Spouse", "cousin-ish", "child"],
    "vulnerabilities": ["", "disability", "Disability; pregnant", "disability disability",
                        "unknown_code", ";".join(["disability"] * 21)],
    "needs": ["", "food:high shelter", "food:urgentish", "FOOD:LOW,legal", "food:high food:low"],
    "consent": ["", "registration", "registration sharing", "alerts", "telepathy"],
    "sharing_partner_kinds": ["", "ngo", "ngo consulate", "martians"],
}  # fmt: skip
HEADER = Header.full()
READ = RowReader(HEADER)
CELLS = shortcut.CellsShortcut(HEADER, normalising._details_stored)
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=12)


def _row(cells: dict[str, str]) -> list[str]:
    return [cells.get(name, "") for name in HEADER.positions]


def _both(cells: dict[str, str]) -> tuple[PersonRecord | None, PersonRecord | None]:
    """The shortcut's record (None: it left the row to the schema) and the schema's (None: it
    refused the row)."""
    data, details = READ(_row(cells))
    stored = _details_input(details, data)
    values = shortcut.accepted_record(data, *stored)
    quick = None if values is None else PersonRecord(2, "-", *values)
    try:
        valid = ImportPersonFields.model_validate(data)
    except ValidationError:
        return quick, None
    return quick, _record(2, valid, stored)._replace(id="-")


BASE = {column: values[0] for column, values in AWKWARD.items()}  # each first value is valid


@st.composite
def rows(draw: Any) -> dict[str, str]:
    """A valid row with one to four columns changed to an awkward value or to random text, so
    that many rows pass every rule but one or two."""
    cells = dict(BASE)
    for column in draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=4, unique=True)):
        if draw(st.integers(0, 4)) == 0:
            cells[column] = draw(ANY_TEXT)
        else:
            cells[column] = draw(st.sampled_from(AWKWARD[column]))
    return cells


@pytest.fixture(autouse=True)
def _cold_caches() -> None:
    normalising.clear_caches()


@MANY
@given(rows())
def test_what_the_shortcut_accepts_the_schema_accepts_and_stores_alike(cells):
    quick, schema = _both(cells)
    if quick is not None:
        assert schema == quick


def test_every_field_of_a_plain_row_takes_the_shortcut():
    """Each column alone, at each of its accepted awkward values: the shortcut takes the row
    (so the comparison above is not vacuous) and stores what the schema does."""
    taken = 0
    for column, values in AWKWARD.items():
        for value in values:
            cells = {**BASE, column: value}
            if column == "relationship" and value:
                cells["household_ref"] = "H-1"
            quick, schema = _both(cells)
            assert CELLS(_row(cells)) == _through_the_reader(_row(cells), HEADER), (column, value)
            if quick is not None:
                taken += 1
                assert quick == schema, (column, value)
            elif schema is not None and column not in ("latitude", "longitude", "email"):
                pytest.fail(f"the schema accepts {column}={value!r}, the shortcut did not")
    assert taken > 100


@pytest.mark.parametrize(
    "choices", [Sex, JourneyStage, PersonCategory, Source, Relationship], ids=lambda c: c.__name__
)
def test_the_shortcuts_codes_are_pydantics(choices):
    from pydantic import TypeAdapter

    adapter = TypeAdapter(choices)
    known = shortcut._choices(choices)
    candidates = [*known, *(value.upper() for value in known), " x", "", "other", "Male"]
    for value in candidates:
        try:
            expected: str | None = str(adapter.validate_python(value))
        except ValidationError:
            expected = None
        assert known.get(value) == expected, value


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.floats(-200, 200).map(lambda x: f"{x:.{abs(hash(x)) % 17}f}"),
        st.from_regex(r"\A-?[0-9]{1,4}(\.[0-9]{0,18})?\Z"),
        st.text("0123456789.-+eE_ naif", max_size=8),
    ),
    st.sampled_from([90, 180]),
)
@example("-0", 90)
@example("90.000000000000001", 90)
def test_coordinates_read_as_pydantic_reads_them(text, bound):
    from typing import Annotated

    from pydantic import Field, TypeAdapter

    from compatriot.people.schemas import Coordinate

    adapter = TypeAdapter(Annotated[Coordinate, Field(ge=-bound, le=bound, allow_inf_nan=False)])
    quick = shortcut._coordinate(text, bound)
    if quick is shortcut._REFUSED:
        return  # left to the schema
    assert repr(quick) == repr(adapter.validate_python(text))


@settings(max_examples=3000, deadline=None)
@given(
    *[
        st.one_of(
            st.sampled_from(AWKWARD[column]),
            st.from_regex(r"\A-?[0-9]{1,4}(\.[0-9]{0,16})?\Z"),
            st.text("-0123456789.,:/#_ aZé٥\n", max_size=8),
        )
        for column in ("source_record_id", "latitude", "longitude")
    ]
)
def test_the_id_and_the_coordinates_match_at_once_as_each_alone(identifier, latitude, longitude):
    """`CellsShortcut`'s one expression for the three cells, against each cell's own test (a
    match leaves nothing for their strips to change, and both coordinates or neither)."""
    joined = shortcut._ID_AND_COORDINATES(f"{identifier},{latitude},{longitude}") is not None
    alone = shortcut._SOURCE_RECORD_ID.fullmatch(identifier) is not None and (
        latitude == longitude == ""
        or (
            shortcut._DECIMAL.fullmatch(latitude) is not None
            and shortcut._DECIMAL.fullmatch(longitude) is not None
        )
    )
    assert joined == alone


EMAIL_ALPHABET = string.ascii_letters + string.digits + "@.-_+\"[]:!#$%&'*/=?^`{}|~ \\ä例\x00"


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.emails().map(str),
        st.text(EMAIL_ALPHABET, max_size=30),
        st.builds(
            lambda user, domain: f"{user}@{domain}",
            st.text(EMAIL_ALPHABET, max_size=8),
            st.sampled_from(
                [
                    "example.org",
                    "EXAMPLE.org",
                    "localhost",
                    "[1.2.3.4]",
                    "a.b",
                    "xn--p1ai.xn--p1ai",
                    "ex_ample.org",
                    "-a.org",
                    "a..org",
                ]
            ),
        ),
    )
)
@example("a@" + "b" * 64 + ".org")
@example(" A@Example.ORG ")
def test_the_email_check_is_djangos(value):
    text = value.strip()
    try:
        if text:
            validate_email(text)
        expected: str | None = text.lower()
    except DjangoValidationError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError, match=r"^is not a valid e-mail address$"):
            email_address(value)
        return
    assert email_address(value) == expected
    assert email_address(value) == expected  # again, with the domain's verdict remembered


def test_a_refused_row_is_refused_by_the_schema_with_its_message():
    data, details = READ(_row({**BASE, "email": "nope"}))

    assert shortcut.accepted_record(data, *_details_input(details, data)) is None
    refusal = normalise_row(7, data, details)
    assert (refusal.line, refusal.field, refusal.message) == (
        7,
        "email",
        "is not a valid e-mail address",
    )


# --- `CellsShortcut`: the same values as `RowReader` and `accepted_record`, from the cells ------

# A header of some columns only, in another order, with a column the import does not read.
PARTIAL = Header.parse(
    ["category", "organisation", "family_name", "phones", "source_record_id", "journey_stage",
     "consent", "sex", "country", "needs", "household_ref", "relationship", "latitude",
     "longitude"]
)  # fmt: skip


def _through_the_reader(row: list[str], header: Header) -> tuple[Any, ...] | None:
    """What the row's shortcut was before `CellsShortcut` (None also for a row the normaliser
    refuses after the shortcut: a consent without sharing, a Latin form too long)."""
    data, details = RowReader(header)(row)
    stored = _details_input(details, data)
    if details.get("sharing_partner_kinds") and not normalising._names_sharing(
        details.get("consent", "")
    ):
        return None
    values = shortcut.accepted_record(data, *stored)
    if values is None or max(len(values[4]), len(values[5])) > shortcut.LATIN_MAX_LENGTH:
        return None
    return values


def _cells_of(cells: dict[str, str], header: Header, padding: str) -> list[str]:
    row = [""] * (max(header.positions.values()) + 1)
    for name, index in header.positions.items():
        row[index] = f"{padding}{cells.get(name, '')}{padding}"
    return row


@MANY
@given(
    rows(), st.sampled_from([HEADER, PARTIAL]), st.sampled_from(["", " ", "\t"]), st.integers(0, 3)
)
def test_the_cells_shortcut_reads_a_row_as_the_reader_and_the_shortcut_do(
    cells, header, padding, cut
):
    row = _cells_of(cells, header, padding)
    row = row[: len(row) - cut]  # a short row reads its missing cells as empty
    quick = shortcut.CellsShortcut(header, normalising._details_stored)
    assert quick(row) == _through_the_reader(row, header)


def test_the_cells_shortcut_leaves_rows_the_normaliser_refuses_as_a_whole():
    # Kinds of partner without a sharing consent; a Latin form longer than its column.
    assert CELLS(_row({**BASE, "consent": "registration", "sharing_partner_kinds": "ngo"})) is None
    assert CELLS(_row({**BASE, "given_name": "Щ" * 60})) is None
    assert CELLS(_row({**BASE, "given_name": "Щ" * 40})) is not None


def test_a_process_keeps_one_cells_shortcut_per_header_from_chunk_to_chunk():
    # Its caches of the details' cells then last the import (`normalising._shortcut`).
    kept = normalising._shortcut(HEADER)
    assert normalising._shortcut(Header.parse(list(HEADER.positions))) is kept
    assert normalising._shortcut(PARTIAL) is not kept
    assert normalising._shortcut(PARTIAL)(_cells_of(BASE, PARTIAL, " ")) == _through_the_reader(
        _cells_of(BASE, PARTIAL, " "), PARTIAL
    )
    normalising.clear_caches()
    assert normalising._shortcut(HEADER) is not kept


@pytest.mark.parametrize(
    ("cell", "country", "stored"),
    [
        # A full-width plus starts another number, as a "+" does.
        ("+380502621335 \uff0b48 609 970 308", "SN", ["+380502621335", "+48609970308"]),
        # "00" in other digits where the country's own prefix is not "00" (the US dials 011).
        ("\u0660\u0660380502621335", "US", ["+380502621335"]),
        ("\uff0b380 50 262 1335", "US", ["+380502621335"]),
    ],
)
def test_international_prefixes_in_other_scripts_are_stored_in_ascii(cell, country, stored):
    quick, schema = _both({**BASE, "phones": cell, "country": country, "nationalities": ""})
    assert schema is not None
    assert schema.phones == stored
    assert quick is None or quick == schema


def test_a_full_width_plus_splits_a_cell_of_phones():
    assert split_phones("+380 50 262 1335 \uff0b48 609 970 308; 0771234567") == [
        "+380 50 262 1335",
        "\uff0b48 609 970 308",
        "0771234567",
    ]
