"""Faults of a person file, each accounted for: quotes left open, rows wider than the header,
misspelt columns, XLSX cells that cannot be read. Every line of a file is stored or reported."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError
from openpyxl import Workbook

from compatriot.core.models import Role
from compatriot.core.viewer import Viewer
from compatriot.people.imports import importer
from compatriot.people.imports.importer import ImportReport
from compatriot.people.models import Person
from compatriot.people.tests.test_import import import_file

HEADER = "source_record_id,given_name,family_name,journey_stage,category"


@pytest.fixture
def member(make_member, org_a):
    return make_member(org_a, Role.VOLUNTEER)


@pytest.fixture
def actor(member, org_a) -> Viewer:
    return Viewer(member.id, org_a.id, org_a.kind, Role.VOLUNTEER, False, "test")


@pytest.fixture
def small_fields() -> Iterator[None]:
    limit = csv.field_size_limit(400)
    yield
    csv.field_size_limit(limit)


def good(number: int) -> str:
    return f"s{number},Name{number},Obi,in_transit,student"


def write(path: Path, header: str, lines: list[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in [header, *lines]), encoding="utf-8")
    return path


def stored_lines(organisation: Any) -> set[int]:
    """The lines of the stored persons (each good row `s<line>` is on that line)."""
    ids = Person.objects.filter(registered_by=organisation).values_list(
        "source_record_id", flat=True
    )
    return {int(srid[1:]) for srid in ids if srid and re.fullmatch(r"s\d+", srid)}


def assert_every_line_accounted(report: ImportReport, organisation: Any, lines: range) -> None:
    """Each data line is in a stored record or in a rejected one, in exactly one, and the
    counts add up to the file's lines (every stored record here is one line)."""
    rejected = [line for r in report.rejected for line in range(r.line, r.line + r.lines)]
    stored = stored_lines(organisation)
    assert len(rejected) == len(set(rejected))
    assert stored.isdisjoint(rejected)
    assert stored | set(rejected) == set(lines)
    kept = report.created + report.updated + report.unchanged
    assert kept + sum(r.lines for r in report.rejected) == len(lines)


# --- Quotes left open ------------------------------------------------------------------------


@pytest.mark.parametrize("quoted_header", [False, True], ids=["blocks", "one-reader"])
def test_a_quote_left_open_is_reported_with_every_line_it_swallowed(
    tmp_path, crisis, member, org_a, actor, quoted_header
):
    header = HEADER.replace("source_record_id", '"source_record_id"') if quoted_header else HEADER
    path = write(
        tmp_path / "people.csv",
        header,
        [good(2), 's3,"Bad,Obi,in_transit,student', good(4), good(5), good(6)],
    )

    lines = import_file(path, crisis, member, org_a)

    assert lines == [
        "created 1, updated 0, unchanged 0, rejected 1",
        "lines 3\u20136: given_name: holds a line break: a quoted cell runs over 4 lines "
        "(a quote left open?)",
    ]
    report = importer.import_file(actor, crisis_id=crisis.id, path=path)
    assert report.summary == "created 0, updated 0, unchanged 1, rejected 1"
    assert_every_line_accounted(report, org_a, range(2, 7))


@pytest.mark.usefixtures("small_fields")
@pytest.mark.parametrize("batch_size", [4, 10_000])
def test_a_quote_left_open_in_a_big_file_loses_no_line(tmp_path, crisis, org_a, actor, batch_size):
    """The cell outgrows the reader's field limit (131,072 characters; 400 here): the record
    is reported with the lines read into it, and the reader goes on after them."""
    rows = [good(line) for line in range(2, 200)]
    rows[1] = 's3,"Bad,Obi,in_transit,student'  # line 3
    path = write(tmp_path / "people.csv", HEADER, rows)

    report = importer.import_file(actor, crisis_id=crisis.id, path=path, batch_size=batch_size)

    (rejection,) = report.rejected
    assert (rejection.line, rejection.field) == (3, "row")
    assert rejection.last_line > 3
    assert rejection.message == (
        f"unbalanced quote: a quoted cell runs over {rejection.lines} lines "
        "(field larger than field limit (400))"
    )
    assert str(rejection).startswith(f"lines 3\u2013{rejection.last_line}: row: ")
    assert report.created == 198 - rejection.lines
    assert_every_line_accounted(report, org_a, range(2, 200))
    again = importer.import_file(actor, crisis_id=crisis.id, path=path, batch_size=batch_size)
    assert (again.created, again.unchanged, again.rejected) == (0, report.created, [rejection])


def test_a_line_break_in_a_column_not_imported_is_one_record_reported_with_its_lines(
    tmp_path, crisis, member, org_a
):
    path = write(
        tmp_path / "people.csv",
        HEADER + ",notes",
        [good(2) + ',"a note\nof two lines"', 's4,Ada,Obi,nowhere,student,"more\nnotes"', good(6)],
    )

    lines = import_file(path, crisis, member, org_a, with_ignored=True)

    assert lines == [
        "created 2, updated 0, unchanged 0, rejected 1",
        "ignored columns: 'notes'",
        "lines 4\u20135: journey_stage: Input should be 'in_crisis_country', 'in_transit', "
        "'at_border', 'at_destination' or 'returned'",
    ]
    assert stored_lines(org_a) == {2, 6}


# --- Rows wider than the header --------------------------------------------------------------


def test_a_row_with_more_cells_than_the_header_is_refused(tmp_path, crisis, member, org_a):
    path = write(
        tmp_path / "people.csv",
        HEADER + ",place_name,admin_area",
        [
            "s2,Ada,Obi,in_transit,student,Medyka, border crossing,Podkarpackie",
            "s3,Ben,Obi,in_transit,student,Przemysl,Podkarpackie,,, ",  # empty cells past it
            "s4,Cy,Obi,in_transit,student",  # fewer cells: the others are empty
        ],
    )

    lines = import_file(path, crisis, member, org_a)

    assert lines == [
        "created 2, updated 0, unchanged 0, rejected 1",
        "line 2: row: has 8 cells, the header has 7",
    ]
    places = dict(Person.objects.values_list("source_record_id", "place_name"))
    assert places == {"s3": "Przemysl", "s4": ""}


def test_an_xlsx_row_with_a_value_past_the_header_is_refused(tmp_path, crisis, member, org_a):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([*HEADER.split(","), "place_name", None])
    sheet.append(["s2", "Ada", "Obi", "in_transit", "student", "Medyka", "Podkarpackie"])
    sheet.append(["s3", "Ben", "Obi", "in_transit", "student", "Przemysl", None])
    sheet.cell(row=4, column=9).value = ""  # a cell written far right, with nothing in it
    sheet.append(["s4", "Cy", "Obi", "in_transit", "student"])
    workbook.save(tmp_path / "people.xlsx")

    lines = import_file(tmp_path / "people.xlsx", crisis, member, org_a)

    assert lines == [
        "created 2, updated 0, unchanged 0, rejected 1",
        "line 2: row: has 7 cells, the header has 6",
    ]


# --- Columns ---------------------------------------------------------------------------------


def test_a_misspelt_column_refuses_the_file_and_names_the_column_meant(
    tmp_path, crisis, member, org_a
):
    path = write(
        tmp_path / "people.csv",
        HEADER + ",phone,nationality,birthdate,organisation",
        [good(2) + ",+48600100200,NG,1990-01-01,ours"],
    )

    with pytest.raises(CommandError) as raised:
        import_file(path, crisis, member, org_a)

    assert str(raised.value) == (
        "people.csv: unknown columns 'phone' (did you mean 'phones'?), 'nationality' (did you "
        "mean 'nationalities'?), 'birthdate' (did you mean 'birth_date'?): rename each to the "
        "column it is meant to be, or to a name further from the import columns to have it "
        "ignored"
    )
    assert Person.objects.count() == 0


def test_the_ignored_columns_are_named(tmp_path, crisis, member, org_a):
    # "phone" is no misspelling when "phones" is there: it is ignored as any other column.
    path = write(
        tmp_path / "people.csv",
        HEADER + ",phones,phone,,Notes,,",
        [good(2) + ",+48600100200,+48600100201,x,y,,"],
    )

    lines = import_file(path, crisis, member, org_a, with_ignored=True)

    assert lines == [
        "created 1, updated 0, unchanged 0, rejected 0",
        "ignored columns: 'phone', column 8 (no name), 'notes'",
    ]
    assert Person.objects.get().phones == ["+48600100200"]


# --- XLSX cells ------------------------------------------------------------------------------


def _with_cached_value(path: Path, cell: str, value: str) -> None:
    """Give the formula of `cell` a cached (computed) value, as a spreadsheet saves it."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(
        rf'(<c r="{cell}"[^>]*)>(<f>[^<]*</f>)<v\s*/>',
        rf'\1 t="str">\2<v>{value}</v>',
        sheet,
    )
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_an_xlsx_formula_without_a_computed_value_is_refused(tmp_path, crisis, member, org_a):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([*HEADER.split(","), "notes"])
    sheet.append(["s2", '=CONCAT("A","da")', "Obi", "in_transit", "student"])
    sheet.append(["s3", '=CONCAT("B","en")', "Obi", "in_transit", "student"])
    sheet.append(["s4", "Cy", "Obi", "in_transit", "student", "=1+1"])  # not imported
    sheet.append(["s5", "Di", '=IF(TRUE,"","Obi")', "in_transit", "student"])
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    _with_cached_value(path, "B3", "Ben")
    _with_cached_value(path, "C5", "")  # computed: an empty text

    lines = import_file(path, crisis, member, org_a, with_ignored=True)

    assert lines == [
        "created 3, updated 0, unchanged 0, rejected 1",
        "ignored columns: 'notes'",
        "line 2: given_name: is a formula without a computed value (open the file in a "
        "spreadsheet and save it, or paste the values instead of the formulas)",
    ]
    names = Person.objects.values_list("source_record_id", "given_name", "family_name")
    assert sorted(names) == [("s3", "Ben", "Obi"), ("s4", "Cy", "Obi"), ("s5", "Di", "")]


def test_an_xlsx_birth_date_with_a_time_of_day_is_refused_clearly(tmp_path, crisis, member, org_a):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([*HEADER.split(","), "birth_date"])
    # Naive, as a spreadsheet's dates are.
    midnight = dt.datetime(1990, 5, 17)  # noqa: DTZ001
    morning = dt.datetime(1990, 5, 17, 10, 30)  # noqa: DTZ001
    sheet.append(["s2", "Ada", "Obi", "in_transit", "student", midnight])
    sheet.append(["s3", "Ben", "Obi", "in_transit", "student", morning])
    workbook.save(tmp_path / "people.xlsx")

    lines = import_file(tmp_path / "people.xlsx", crisis, member, org_a)

    assert lines == [
        "created 1, updated 0, unchanged 0, rejected 1",
        "line 3: birth_date: is a date with a time of day: give the date alone (YYYY-MM-DD)",
    ]
    assert Person.objects.get().birth_date == dt.date(1990, 5, 17)


# --- Cells guarded against formula injection -------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 10_000], ids=["raw-blocks", "parsed"])
def test_an_apostrophe_before_a_formula_start_is_dropped_on_import(
    tmp_path, crisis, member, org_a, batch_size
):
    path = write(
        tmp_path / "people.csv",
        HEADER + ",phones",
        [
            "s2,'=HYPERLINK(1),'@SUM(1+1),in_transit,student,'+48600100200",
            "s3,''=Ada,O'Brien,in_transit,student,",
            "s4,'Ada,'-2+3,in_transit,student,",
        ],
    )

    import_file(path, crisis, member, org_a, batch_size=batch_size)

    names = {
        srid: (given, family, phones)
        for srid, given, family, phones in Person.objects.values_list(
            "source_record_id", "given_name", "family_name", "phones"
        )
    }
    assert names == {
        "s2": ("=HYPERLINK(1)", "@SUM(1+1)", ["+48600100200"]),
        "s3": ("'=Ada", "O'Brien", []),
        "s4": ("'Ada", "-2+3", []),
    }
