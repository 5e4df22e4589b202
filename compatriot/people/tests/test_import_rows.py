"""The import's row-by-row path against a plain reading of the API schema, on awkward rows.

The worker's hot loop reads a row in one pass (`RowReader`), reuses validated details and their
stored form per distinct cell, and draws ids in bulk. Here the same rows go through the plain
path (`Header.cells`, `person_input`, the schema on plain dicts, `person_values`) and both must
give the same records, COPY text and refusals (line, column, message), ids aside.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid

import pytest
from pydantic import ValidationError

from compatriot.people.imports import normalising
from compatriot.people.imports.columns import (
    COLUMNS,
    DEFAULT_CONSENT_METHOD,
    DETAIL_COLUMNS,
    Header,
    Rejection,
    RowReader,
    consents_input,
    field_of,
    needs_input,
    person_input,
    split_items,
)
from compatriot.people.imports.normalising import (
    LATIN_MAX_LENGTH,
    ChunkTask,
    ImportPersonFields,
    PersonRecord,
    detail_copy_rows,
    normalise_chunk,
    person_copy_row,
)
from compatriot.people.records import person_values

BASE = {
    "source_record_id": "x1", "given_name": "Amina", "family_name": "Diallo", "sex": "female",
    "birth_date": "1994-03-07", "nationalities": "SEN", "languages": "fr wo",
    "phones": "+221 77 123 45 67", "country": "SN", "journey_stage": "at_border",
    "category": "worker", "needs": "food:high shelter", "consent": "registration",
}  # fmt: skip

# Each a change to BASE: scripts, partial dates, phones, codes, details, whitespace, controls.
CHANGES: list[dict[str, str]] = [
    {},
    {"given_name": "Олександр", "family_name": "Шевченко", "country": "UKR", "phones": "050 765 4321"},
    {"given_name": "محمد", "family_name": "الأحمد", "nationalities": "SYR;TUR", "languages": "ar"},
    {"given_name": "王", "family_name": "", "given_name_latin": "Wang", "birth_date": "1990"},
    {"given_name": "  Anne   Marie ", "family_name": "O'Neil\t", "birth_date": " 2001-05 "},
    {"birth_date": "1990-02-30"}, {"birth_date": "2099"}, {"birth_date": "1899-12"},
    {"birth_date": "90"}, {"birth_date": "1990-00"},
    {"phones": "12345"}, {"phones": "0771234567"}, {"phones": "00221771234567"},
    {"phones": "+221771234567; +221771234567, +33612345678"},
    {"phones": "+221771234567 +33612345678 0612345678"}, {"phones": "1;2;3;4;5;6"},
    {"phones": "0612345678", "country": "", "nationalities": ""},
    {"phones": "+800 1234 5678"}, {"phones": "+1 202 555 0143"}, {"phones": "+44 7911 123456"},
    {"phones": "+221771234567"}, {"phones": "+221771234567\u00a0+33612345678"},
    {"phones": "+221\u200977\u30001234567"}, {"phones": "+221771234567\x1c+33612345678"},
    {"phones": "0771234567,"}, {"phones": ";+221771234567"}, {"phones": "+221-77-123-45-67"},
    {"nationalities": "XX"}, {"nationalities": "ukr POL ukr"}, {"languages": "zz"},
    {"languages": "fre ger"}, {"country": "XK"}, {"country": "kos"},
    {"sex": "Alien"}, {"sex": "MALE"}, {"journey_stage": ""}, {"category": "Student"},
    {"source": "HOTLINE"}, {"source": "carrier pigeon"}, {"source": "  "},
    {"given_name": "", "family_name": ""}, {"given_name": "Ali\x00ce"},
    {"given_name": "A\u202eB"}, {"family_name": "x" * 801}, {"family_name": "Щ" * 60},
    {"source_record_id": ""}, {"source_record_id": "bad id"}, {"source_record_id": "a" * 101},
    {"email": "Someone@Example.ORG"}, {"email": "not-an-address"},
    {"latitude": "49.99", "longitude": "36.23"}, {"latitude": "91", "longitude": "0"},
    {"latitude": "49.9"}, {"longitude": "nan", "latitude": "1"},
    {"household_ref": "H-1", "relationship": "Head"}, {"relationship": "spouse"},
    {"household_ref": "H-2", "relationship": "cousin-ish"},
    {"vulnerabilities": "Disability; pregnant"}, {"vulnerabilities": "disability disability"},
    {"vulnerabilities": "unknown_code"}, {"needs": "food:urgentish"}, {"needs": "FOOD:LOW,legal"},
    {"needs": ""}, {"consent": "registration sharing", "sharing_partner_kinds": "ngo consulate"},
    {"consent": "sharing"}, {"consent": "registration", "sharing_partner_kinds": "ngo"},
    {"consent": "Registration SHARING registration", "sharing_partner_kinds": "NGO"},
    {"consent": "alerts", "consent_method": "Verbal"}, {"consent": "alerts", "consent_method": "smoke"},
    {"consent": "telepathy"}, {"consent": "", "consent_method": "verbal"},
    {"admin_area": "Kharkiv\nOblast", "place_name": "  "},
]  # fmt: skip


def _rows(header_names: list[str]) -> list[tuple[int, list[str]]]:
    rows = []
    for number, change in enumerate(CHANGES * 2, start=2):  # twice: the second pass hits caches
        row = {**BASE, **change}
        rows.append((number, [row.get(name, "") for name in header_names]))
    rows.append((len(rows) + 2, ["x9", "Short"]))  # fewer cells than the header
    return rows


HEADERS = [
    [*COLUMNS, "consent_method", "organisation"],
    # Shuffled, some columns missing, an unknown one in the middle.
    ["category", "source_record_id", "extra", "family_name", "journey_stage", "given_name",
     "phones", "consent", "country", "needs", "nationalities", "birth_date"],
]  # fmt: skip


def _reference(line: int, cells: dict[str, str]) -> PersonRecord | Rejection:
    """A row as the API schema reads it, without the worker's shortcuts."""
    data = person_input(cells)
    if cells.get("vulnerabilities"):
        items = split_items(cells["vulnerabilities"].lower())
        data["vulnerabilities"] = [{"code": code} for code in items]
    if cells.get("needs"):
        data["needs"] = needs_input(cells["needs"])
    method = cells.get("consent_method", "").lower() or DEFAULT_CONSENT_METHOD
    if cells.get("consent"):
        data["consents"] = consents_input(
            cells["consent"], cells.get("sharing_partner_kinds", ""), method
        )
    if cells.get("sharing_partner_kinds") and "sharing" not in split_items(
        cells.get("consent", "").lower()
    ):
        return Rejection(line, "sharing_partner_kinds", "only with a 'sharing' consent")
    try:
        valid = ImportPersonFields.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        return Rejection(line, *field_of(first["loc"], first["msg"]))
    v = person_values(valid)
    for written in ("given_name", "family_name"):
        if len(v[f"{written}_latin"]) > LATIN_MAX_LENGTH:
            return Rejection(
                line, written, f"its Latin form is longer than {LATIN_MAX_LENGTH} characters"
            )
    return PersonRecord(
        line, "-", str(valid.source_record_id), str(v["source"]), v["given_name"],
        v["family_name"], v["given_name_latin"], v["family_name_latin"], v["search_text"],
        str(v["sex"]), v["birth_date"], v["birth_date_precision"], v["nationality"],
        v["nationalities"], v["languages"], v["phones"], v["email"], v["country"],
        v["admin_area"], v["place_name"], v["latitude"], v["longitude"], str(v["journey_stage"]),
        str(v["category"]), valid.household_ref, str(valid.relationship or ""),
        tuple(str(x.code) for x in valid.vulnerabilities),
        tuple((str(n.category), str(n.urgency)) for n in valid.needs),
        tuple((str(c.scope), str(c.method), tuple(map(str, c.partner_kinds))) for c in valid.consents),
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _cold_caches() -> None:
    normalising.clear_caches()


@pytest.mark.parametrize("names", HEADERS)
def test_the_row_reader_reads_as_person_input(names: list[str]) -> None:
    header = Header.parse(names)
    read = RowReader(header)
    for _, row in _rows(names):
        cells = header.cells(row)
        details = {name: cells[name] for name in DETAIL_COLUMNS if name in cells}
        assert read(row) == (person_input(cells), details)


@pytest.mark.parametrize("names", HEADERS)
def test_records_and_refusals_are_the_schemas(names: list[str]) -> None:
    header = Header.parse(names)
    rows = _rows(names)
    expected = [_reference(line, header.cells(row)) for line, row in rows]

    chunk = normalise_chunk(ChunkTask(header=header, rows=rows, copy_text=False))

    assert chunk.rejected == [r for r in expected if isinstance(r, Rejection)]
    accepted = [r for r in expected if isinstance(r, PersonRecord)]
    assert [r._replace(id="-") for r in chunk.records] == accepted
    assert len(accepted) > 40  # the file has both kinds
    assert len(chunk.rejected) > 40


@pytest.mark.parametrize("names", HEADERS)
def test_copy_text_is_the_records(names: list[str]) -> None:
    header = Header.parse(names)
    rows = _rows(names)
    records = normalise_chunk(ChunkTask(header=header, rows=rows, copy_text=False)).records

    chunk = normalise_chunk(ChunkTask(header=header, rows=rows, copy_text=True))

    assert [_fields((row,), ids=1) for row in chunk.person_rows] == [
        _fields((person_copy_row(r),), ids=1) for r in records
    ]
    details = [detail_copy_rows(r) for r in records]
    for made, expected in zip(
        (chunk.vulnerability_rows, chunk.need_rows, chunk.consent_rows),
        zip(*details, strict=True),
        strict=True,
    ):
        assert [_fields(rows) for rows in made] == [_fields(rows) for rows in expected]
    # A person's row starts with its id, and each detail row carries it as its second field.
    for key, person, needs in zip(chunk.keys, chunk.person_rows, chunk.need_rows, strict=True):
        assert person[4:20] == uuid.UUID(key.id).bytes
        assert all(row[24:40] == uuid.UUID(key.id).bytes for row in needs)


def _fields(rows: tuple[bytes, ...], ids: int = 2) -> list[tuple[bytes | str, ...]]:
    """Binary COPY bodies as their fields, the first `ids` (random ids: the row's, its person's)
    masked."""
    decoded = []
    for row in rows:
        fields: list[bytes | str] = []
        at = 0
        while at < len(row):
            length = int.from_bytes(row[at : at + 4], "big", signed=True)
            if length < 0:  # NULL
                fields.append("NULL")
                at += 4
                continue
            fields.append(row[at + 4 : at + 4 + length])
            at += 4 + length
        assert [len(f) for f in fields[:ids]] == [16] * ids
        fields[:ids] = ["ID"] * ids
        decoded.append(tuple(fields))
    return decoded


def test_ids_are_random_version_4_uuids() -> None:
    ids = [normalising.new_id() for _ in range(5000)]

    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)


def test_ids_drawn_together_share_their_first_32_bits() -> None:
    """So that an index keyed by them takes a batch's rows into a few adjacent pages."""
    normalising._ids.clear()
    first = [normalising.new_id() for _ in range(normalising._IDS_AT_ONCE)]
    second = normalising.new_id()  # the next draw

    assert len({text[:8] for text in first}) == 1
    assert len({text[8:] for text in first}) == len(first)
    assert second[:8] != first[0][:8]


def test_a_forked_process_draws_other_ids_than_its_parent() -> None:
    normalising.new_id()  # the parent has ids drawn and not yet handed out
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover  (the child)
        os.write(writing, normalising.new_id().encode())
        os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    childs = os.read(reading, 100).decode()
    os.close(reading)

    assert len(childs) == 36
    assert childs != normalising.new_id()


def test_threads_draw_distinct_ids_without_failing() -> None:
    """Two imports in one web process draw ids from the same pool at once."""
    drawn: list[list[str]] = []
    failures: list[Exception] = []

    def draw() -> None:
        try:
            drawn.append([normalising.new_id() for _ in range(10_000)])
        except Exception as error:  # reported by the assertion below
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=draw) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)

    assert failures == []
    ids = [text for batch in drawn for text in batch]
    assert len(set(ids)) == len(ids) == 40_000
