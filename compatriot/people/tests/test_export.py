"""`compatriot export persons`: CSV that re-imports, HXL, XLSX, scope, filters and audit."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from compatriot.core.models import AuditEntry, Crisis, Role, SharingAgreement
from compatriot.core.viewer import Viewer
from compatriot.people.imports.columns import COLUMNS, HXL_TAGS
from compatriot.people.imports.exporter import ExportFormat, export_persons
from compatriot.people.models import Consent, Person
from compatriot.people.schemas import PersonFilter
from compatriot.people.tests.test_import import CYRILLIC, GOOD, import_file, stored, write_csv

THIRD = {
    **GOOD,
    "source_record_id": "r3",
    "given_name": '=HYPERLINK("http://example.org")',
    "nationalities": "GH",
    "journey_stage": "in_transit",
    "household_ref": "",
    "relationship": "",
    "consent": "registration",
    "sharing_partner_kinds": "",
}


def export(user: Any, organisation: Any, **options: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "export_persons",
        org=organisation.name,
        as_user=user.username,
        stdout=out,
        stderr=err,
        **options,
    )
    return out.getvalue(), err.getvalue()


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def member(make_member, org_a):
    return make_member(org_a, Role.VOLUNTEER)


@pytest.fixture
def imported(tmp_path, crisis, member, org_a):
    path = write_csv(tmp_path / "people.csv", [GOOD, CYRILLIC, THIRD])
    assert (
        import_file(path, crisis, member, org_a)[0]
        == "created 3, updated 0, unchanged 0, rejected 0"
    )
    return path


def test_csv_export_reimports_unchanged_and_elsewhere_identically(
    imported, tmp_path, crisis, member, make_member, org_a, org_b
):
    exported = tmp_path / "export.csv"

    out, _ = export(member, org_a, output=str(exported))

    assert out == f"exported 3 persons to {exported}\n"
    assert import_file(exported, crisis, member, org_a) == [
        "created 0, updated 0, unchanged 3, rejected 0"
    ]
    import_file(exported, crisis, make_member(org_b, Role.VOLUNTEER), org_b)
    assert stored(org_a) == stored(org_b)


def test_csv_columns_and_values(imported, member, org_a):
    out, err = export(member, org_a)

    header, *rows = rows_of(out)
    assert header == list(COLUMNS)
    assert err == "exported 3 persons\n"
    first = dict(zip(header, rows[0], strict=True))
    assert first == {
        "source_record_id": "r1", "given_name": "Chukwuemeka", "family_name": "Okafor",
        "given_name_latin": "Chukwuemeka", "family_name_latin": "Okafor", "sex": "male",
        "birth_date": "2001-05", "nationalities": "NG", "languages": "en yo",
        "phones": "+380501234567", "email": "", "country": "UA", "admin_area": "Kharkiv Oblast",
        "place_name": "Kharkiv", "latitude": "49.99", "longitude": "36.23",
        "journey_stage": "in_crisis_country", "category": "student", "source": "import",
        "household_ref": "H-1", "relationship": "head", "vulnerabilities": "disability",
        "needs": "evacuation:high food:medium", "consent": "registration sharing",
        "sharing_partner_kinds": "ngo international_organisation",
    }  # fmt: skip
    assert rows[1][COLUMNS.index("given_name_latin")] == "Oleksandr"


def test_withdrawn_consent_is_not_exported(imported, member, org_a):
    Consent.objects.filter(person__source_record_id="r1", scope="sharing").update(
        withdrawn_at="2022-03-01T00:00:00Z"
    )

    header, first, *_ = rows_of(export(member, org_a)[0])

    assert first[header.index("consent")] == "registration"
    assert first[header.index("sharing_partner_kinds")] == ""


def test_hxl_export_has_the_hashtag_row_and_reimports(imported, tmp_path, crisis, member, org_a):
    path = tmp_path / "export-hxl.csv"
    export(member, org_a, export_format="hxl", output=str(path))

    header, tags, *rows = rows_of(path.read_text(encoding="utf-8"))

    assert header == list(COLUMNS)
    assert tags == [HXL_TAGS[name] for name in COLUMNS]
    assert tags[:3] == ["#meta+id", "#affected+name+first", "#affected+name+last"]
    assert len(rows) == 3
    assert import_file(path, crisis, member, org_a) == [
        "created 0, updated 0, unchanged 3, rejected 0"
    ]


def test_xlsx_export_keeps_every_cell_text(imported, tmp_path, crisis, member, org_a):
    path = tmp_path / "export.xlsx"

    export(member, org_a, export_format="xlsx", output=str(path))

    sheet = load_workbook(path).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == list(COLUMNS)
    formula_like = sheet.cell(row=4, column=COLUMNS.index("given_name") + 1)
    assert (formula_like.value, formula_like.data_type) == ('=HYPERLINK("http://example.org")', "s")
    assert values[1][COLUMNS.index("latitude")] == 49.99
    assert import_file(path, crisis, member, org_a) == [
        "created 0, updated 0, unchanged 3, rejected 0"
    ]


def test_xlsx_needs_a_file(member, org_a):
    with pytest.raises(CommandError, match="needs --output"):
        export(member, org_a, export_format="xlsx")


def test_other_organisation_sees_only_what_is_shared_with_consent(
    imported, crisis, make_member, org_a, org_b
):
    outsider = make_member(org_b, Role.CASEWORKER)
    assert rows_of(export(outsider, org_b)[0]) == [list(COLUMNS)]

    SharingAgreement.objects.create(provider=org_a, recipient=org_b, crisis=crisis, purpose="p")
    _, *rows = rows_of(export(outsider, org_b)[0])

    # Only r1 consented to sharing with NGOs (org_b is one).
    assert [row[0] for row in rows] == ["r1"]


def test_filters_and_the_audit_entry(imported, crisis, member, org_a):
    out, _ = export(
        member, org_a, nationality="GHA", journey_stage="in_transit", crisis=crisis.name
    )

    assert [row[0] for row in rows_of(out)[1:]] == ["r3"]
    entry = AuditEntry.objects.filter(action="export").get()
    assert (entry.object_type, entry.actor_organisation_id) == ("person", org_a.id)
    assert entry.details == {
        "format": "csv",
        "count": 1,
        "filters": {"crisis": str(crisis.id), "nationality": "GH", "journey_stage": "in_transit"},
    }


def test_bad_filter_is_a_clear_error(member, org_a):
    with pytest.raises(CommandError, match="--nationality"):
        export(member, org_a, nationality="XX")


def test_export_of_nothing(member, org_a, crisis: Crisis, tmp_path: Path):
    out, err = export(member, org_a, export_format="hxl")

    assert rows_of(out) == [list(COLUMNS), [HXL_TAGS[name] for name in COLUMNS]]
    assert err == "exported 0 persons\n"


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        if "r2" in text:
            raise BrokenPipeError
        return super().write(text)


def test_an_interrupted_export_is_audited_with_what_was_read(imported, member, org_a):
    actor = Viewer(member.id, org_a.id, org_a.kind, Role.VOLUNTEER, False, "test")

    with pytest.raises(BrokenPipeError):
        export_persons(
            actor, output=_ClosedPipe(), export_format=ExportFormat.CSV, filters=PersonFilter()
        )

    entry = AuditEntry.objects.filter(action="export").get()
    assert entry.details == {"format": "csv", "count": 2, "filters": {}, "interrupted": True}


# Values a spreadsheet would run as formulas, each in a cell of its own, and values that only
# look like them: the CSV and HXL exports guard the former, and both re-import unchanged.
HOSTILE = [
    {
        **THIRD,
        "source_record_id": "h1",
        "given_name": "+cmd|calc",
        "family_name": "@SUM(1+1)",
        "phones": "+48600100200 +380501234567",
        "latitude": "-33.9",
        "longitude": "-70.6",
    },
    # Stored as "'=already": an import drops the first apostrophe before "=".
    {**THIRD, "source_record_id": "h2", "given_name": "-2+3", "family_name": "''=already"},
    {**THIRD, "source_record_id": "h3", "given_name": "'Apostrophe", "family_name": "O'Brien"},
]


@pytest.fixture
def hostile(imported, tmp_path, crisis, member, org_a):
    path = write_csv(tmp_path / "hostile.csv", HOSTILE)
    assert import_file(path, crisis, member, org_a)[0] == (
        "created 3, updated 0, unchanged 0, rejected 0"
    )


@pytest.mark.usefixtures("hostile")
@pytest.mark.parametrize("export_format", ["csv", "hxl"])
def test_cells_a_spreadsheet_would_run_are_guarded_and_reimport_unchanged(
    tmp_path, crisis, member, org_a, export_format
):
    path = tmp_path / "export.csv"
    export(member, org_a, export_format=export_format, output=str(path))

    header, *rows = rows_of(path.read_text(encoding="utf-8"))
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    names = {srid: (row["given_name"], row["family_name"]) for srid, row in by_id.items()}
    assert names["r3"] == ('\'=HYPERLINK("http://example.org")', "Okafor")
    assert names["h1"] == ("'+cmd|calc", "'@SUM(1+1)")
    assert names["h2"] == ("'-2+3", "''=already")  # its own apostrophe kept on import
    assert names["h3"] == ("'Apostrophe", "O'Brien")  # nothing a spreadsheet runs
    # Two numbers would be summed; one number, a coordinate: only numbers, written as they are.
    assert by_id["h1"]["phones"] == "'+48600100200 +380501234567"
    assert (by_id["h1"]["latitude"], by_id["h1"]["longitude"]) == ("-33.9", "-70.6")
    assert by_id["r1"]["phones"] == "+380501234567"

    before = stored(org_a)
    assert import_file(path, crisis, member, org_a) == [
        "created 0, updated 0, unchanged 6, rejected 0"
    ]
    assert stored(org_a) == before
    names = {
        srid: (given, family)
        for srid, given, family in Person.objects.values_list(
            "source_record_id", "given_name", "family_name"
        )
    }
    assert names["h1"] == ("+cmd|calc", "@SUM(1+1)")
    assert names["h2"] == ("-2+3", "'=already")
    assert names["h3"] == ("'Apostrophe", "O'Brien")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_is_shown_a_progress_bar_with_the_total(imported, member, org_a):
    """On stderr, and only where it is a terminal: never in the export on stdout."""
    out, err = io.StringIO(), _Terminal()

    call_command("export_persons", org=org_a.name, as_user=member.username, stdout=out, stderr=err)
    _, quiet = export(member, org_a)

    assert "100%" in err.getvalue()
    assert "3/3" in err.getvalue()
    assert err.getvalue().endswith("exported 3 persons\n")
    assert [row[0] for row in rows_of(out.getvalue())] == ["source_record_id", "r1", "r2", "r3"]
    assert quiet == "exported 3 persons\n"  # not a terminal: no bar


def test_progress_is_told_the_total_then_the_rows_read(imported, member, org_a, monkeypatch):
    from compatriot.people.imports import exporter

    monkeypatch.setattr(exporter, "_PROGRESS_EVERY", 2)
    actor = Viewer(member.id, org_a.id, org_a.kind, Role.VOLUNTEER, False, "test")
    calls: list[tuple[str, int]] = []

    export_persons(
        actor,
        output=io.StringIO(),
        export_format=ExportFormat.CSV,
        filters=PersonFilter(),
        progress=lambda n: calls.append(("read", n)),
        on_total=lambda total: calls.append(("total", total)),
    )

    assert calls == [("total", 3), ("read", 2), ("read", 1)]


@pytest.mark.parametrize(
    ("export_format", "where", "reason"),
    [
        ("xlsx", "missing/x.xlsx", "No such file or directory"),
        ("csv", "missing/x.csv", "No such file or directory"),
        ("hxl", ".", "Is a directory"),
    ],
)
def test_an_output_that_cannot_be_written_fails_before_anything_is_exported(
    imported, tmp_path, member, org_a, export_format, where, reason
):
    output = tmp_path / where
    audited = AuditEntry.objects.count()

    with pytest.raises(CommandError, match=f"--output {output}: cannot be written \\({reason}\\)"):
        export(member, org_a, export_format=export_format, output=str(output))

    assert AuditEntry.objects.count() == audited
    assert not (tmp_path / "missing").exists()
