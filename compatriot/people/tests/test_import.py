"""`compatriot import persons`: validation as the API's, idempotent re-imports, households,
XLSX, audit, and the same stored rows whichever way a batch is written."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from openpyxl import Workbook

from compatriot.core.audit import audit_verify
from compatriot.core.models import AuditEntry, Crisis, Role
from compatriot.core.viewer import Viewer
from compatriot.people.imports import pipeline
from compatriot.people.imports.columns import COLUMNS
from compatriot.people.imports.importer import _batches, _heap_frozen, import_rows
from compatriot.people.imports.normalising import NormalisedChunk, RowKey
from compatriot.people.imports.worker import YOUNG_THRESHOLD
from compatriot.people.models import Consent, Household, Need, Person, Vulnerability

GOOD = {
    "source_record_id": "r1",
    "given_name": "Chukwuemeka",
    "family_name": "Okafor",
    "sex": "male",
    "birth_date": "2001-05",
    "nationalities": "NGA",
    "languages": "en yor",
    "phones": "+380 50 123 4567",
    "country": "UA",
    "admin_area": "Kharkiv Oblast",
    "place_name": "Kharkiv",
    "latitude": "49.99",
    "longitude": "36.23",
    "journey_stage": "in_crisis_country",
    "category": "student",
    "household_ref": "H-1",
    "relationship": "head",
    "vulnerabilities": "disability",
    "needs": "evacuation:high food",
    "consent": "registration sharing",
    "sharing_partner_kinds": "ngo international_organisation",
    "organisation": "ignored: not an import column",
}
CYRILLIC = {
    "source_record_id": "r2",
    "given_name": "Олександр",
    "family_name": "Шевченко",
    "sex": "Female",
    "birth_date": "1990",
    "nationalities": "UKR;POL",
    "languages": "uk",
    "phones": "050 765 4321",
    "country": "UKR",
    "journey_stage": "at_border",
    "category": "worker",
    "household_ref": "H-1",
    "relationship": "spouse",
}


def bad(srid: str, **changes: str) -> dict[str, str]:
    return {**GOOD, "household_ref": "", "relationship": "", "source_record_id": srid, **changes}


BAD_ROWS = [  # (row, the report line expected for it)
    (bad("r3", birth_date="1990-02-30"), "birth_date: is not a real date (day is out of range for month)"),
    (bad("r4", nationalities="XX"), "nationalities: 'XX' is not an ISO 3166 country code"),
    (bad("r5", phones="12345"), "phones: phone 1: is not a valid telephone number"),
    (bad("r6", given_name="", family_name=""), "given_name or family_name: a person needs at least one name"),
    (bad("r7", sex="alien"), "sex: Input should be 'female', 'male', 'other' or 'unknown'"),
    (bad("r8", given_name="Ali\x00ce"), "given_name: contains a forbidden character (U+0000)"),
    (bad("r9", given_name="A" * 10_000), "given_name: String should have at most 800 characters"),
    (bad("r10", journey_stage=""), "journey_stage: is required"),
    (bad("r11", needs="food:urgentish"), "needs: Input should be 'low', 'medium', 'high' or 'critical'"),
    (bad("r12", source_record_id=""), "source_record_id: is required"),
]  # fmt: skip


def write_csv(path: Path, rows: list[dict[str, Any]], *, bom: bool = False) -> Path:
    columns = list(dict.fromkeys([*COLUMNS, *(key for row in rows for key in row)]))
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def import_file(
    path: Path,
    crisis: Crisis,
    user: Any,
    organisation: Any,
    *,
    with_ignored: bool = False,
    **options: Any,
) -> list[str]:
    """Run the command; return its output lines (summary first), without the line that names
    the ignored columns (GOOD's 'organisation') unless `with_ignored`."""
    out = io.StringIO()
    call_command(
        "import_persons",
        str(path),
        crisis=crisis.name,
        org=organisation.name,
        as_user=user.username,
        stdout=out,
        stderr=io.StringIO(),
        **options,
    )
    lines = out.getvalue().splitlines()
    if not with_ignored:
        lines = [line for line in lines if not line.startswith("ignored columns: ")]
    return lines


def stored(organisation: Any) -> list[dict[str, Any]]:
    """Each person of `organisation` as stored, without ids and times, details included."""
    persons = []
    for person in Person.objects.filter(registered_by=organisation).order_by("source_record_id"):
        values = {
            name: getattr(person, name)
            for name in (
                "source_record_id", "source", "given_name", "family_name", "given_name_latin",
                "family_name_latin", "search_text", "sex", "birth_date", "birth_date_precision",
                "nationality", "nationalities", "languages", "phones", "email", "country",
                "admin_area", "place_name", "latitude", "longitude", "journey_stage", "category",
                "relationship", "version",
            )
        }  # fmt: skip
        values["household"] = person.household.label if person.household else None
        values["vulnerabilities"] = sorted(v.code for v in person.vulnerabilities.all())
        values["needs"] = sorted((n.category, n.urgency, n.status) for n in person.needs.all())
        values["consents"] = sorted(
            (c.scope, c.method, tuple(c.partner_kinds), c.recorded_by_id is not None)
            for c in person.consents.all()
        )
        persons.append(values)
    return persons


@pytest.fixture
def member(make_member, org_a):
    return make_member(org_a, Role.VOLUNTEER)


@pytest.fixture
def mixed_file(tmp_path):
    return write_csv(tmp_path / "people.csv", [GOOD, CYRILLIC, *(row for row, _ in BAD_ROWS)])


def test_good_rows_are_stored_and_every_bad_row_is_reported(mixed_file, crisis, member, org_a):
    lines = import_file(mixed_file, crisis, member, org_a, with_ignored=True)

    assert lines[0] == "created 2, updated 0, unchanged 0, rejected 10"
    assert lines[1] == "ignored columns: 'organisation'"
    assert lines[2:] == [f"line {n}: {reason}" for n, (_, reason) in enumerate(BAD_ROWS, start=4)]
    assert Person.objects.count() == 2


def test_stored_values_are_normalised_as_by_the_api(mixed_file, crisis, member, org_a):
    import_file(mixed_file, crisis, member, org_a)

    first, second = stored(org_a)
    assert first == {
        "source_record_id": "r1", "source": "import", "given_name": "Chukwuemeka",
        "family_name": "Okafor", "given_name_latin": "Chukwuemeka", "family_name_latin": "Okafor",
        "search_text": " chukwuemeka ~ckvmk okafor ~kfr ", "sex": "male",
        "birth_date": dt.date(2001, 5, 1), "birth_date_precision": "month", "nationality": "NG",
        "nationalities": ["NG"], "languages": ["en", "yo"], "phones": ["+380501234567"],
        "email": "", "country": "UA", "admin_area": "Kharkiv Oblast", "place_name": "Kharkiv",
        "latitude": 49.99, "longitude": 36.23, "journey_stage": "in_crisis_country",
        "category": "student", "relationship": "head", "version": 1, "household": "H-1",
        "vulnerabilities": ["disability"],
        "needs": [("evacuation", "high", "open"), ("food", "medium", "open")],
        "consents": [
            ("registration", "written", (), True),
            ("sharing", "written", ("ngo", "international_organisation"), True),
        ],
    }  # fmt: skip
    assert (second["given_name_latin"], second["family_name_latin"]) == ("Oleksandr", "Shevchenko")
    assert second["search_text"] == " oleksandr ~lksndr shevchenko ~svcnk "
    assert (second["sex"], second["birth_date"], second["birth_date_precision"]) == (
        "female",
        dt.date(1990, 1, 1),
        "year",
    )
    assert (second["nationalities"], second["country"]) == (["UA", "PL"], "UA")
    assert second["phones"] == ["+380507654321"]  # national form, the country as region


def test_reimport_creates_nothing_twice(mixed_file, crisis, member, org_a):
    import_file(mixed_file, crisis, member, org_a)
    before = stored(org_a)
    audited = AuditEntry.objects.count()

    lines = import_file(mixed_file, crisis, member, org_a)

    assert lines[0] == "created 0, updated 0, unchanged 2, rejected 10"
    assert stored(org_a) == before
    assert Household.objects.count() == 1
    assert AuditEntry.objects.count() == audited  # nothing changed, nothing to audit


def test_changed_rows_update_and_details_are_added(tmp_path, crisis, member, org_a):
    import_file(write_csv(tmp_path / "a.csv", [GOOD, CYRILLIC]), crisis, member, org_a)
    Consent.objects.filter(person__source_record_id="r1", scope="sharing").update(
        withdrawn_at=dt.datetime(2022, 3, 1, tzinfo=dt.UTC)
    )
    changed = [
        {**GOOD, "place_name": "Lviv", "needs": "evacuation:low"},
        {**CYRILLIC, "needs": "shelter", "consent": "alerts"},
    ]

    lines = import_file(write_csv(tmp_path / "b.csv", changed), crisis, member, org_a)

    assert lines == ["created 0, updated 2, unchanged 0, rejected 0"]
    first, second = stored(org_a)
    assert (first["place_name"], first["version"]) == ("Lviv", 2)
    # Present details stay as they are: a need of that category, a consent of that scope
    # (even withdrawn: a re-import never re-grants it).
    assert first["needs"] == [("evacuation", "high", "open"), ("food", "medium", "open")]
    assert Consent.objects.filter(person__source_record_id="r1", withdrawn_at=None).count() == 1
    assert (second["needs"], second["version"]) == ([("shelter", "medium", "open")], 2)
    assert [c[0] for c in second["consents"]] == ["alerts"]
    updates = AuditEntry.objects.filter(action="update").order_by("id")
    assert [e.details for e in updates] == [
        {"via": "import", "line": 2},
        {"via": "import", "line": 3},
    ]


def test_households_come_from_household_ref_and_are_reused(tmp_path, crisis, member, org_a):
    rows = [
        GOOD,
        CYRILLIC,
        {**GOOD, "source_record_id": "r3", "household_ref": "H-2", "relationship": "head"},
        {**GOOD, "source_record_id": "r4", "household_ref": "", "relationship": "child"},
    ]
    path = write_csv(tmp_path / "households.csv", rows)

    lines = import_file(path, crisis, member, org_a)
    again = import_file(path, crisis, member, org_a)

    assert lines == ["created 3, updated 0, unchanged 0, rejected 1",
                     "line 5: relationship: needs a household_ref"]  # fmt: skip
    assert again[0] == "created 0, updated 0, unchanged 3, rejected 1"
    h1 = Household.objects.get(label="H-1")
    assert (h1.crisis_id, h1.registered_by_id) == (crisis.id, org_a.id)
    assert sorted(h1.members.values_list("relationship", flat=True)) == ["head", "spouse"]
    assert Household.objects.count() == 2


def test_xlsx_with_typed_cells(tmp_path, crisis, member, org_a):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["source_record_id", "family_name", "birth_date", "latitude", "longitude",
                  "journey_stage", "category", "phones", "country"])  # fmt: skip
    sheet.append([1001, "Mensah", 1985, 50.45, 30.5, "in_transit", "visitor", None, "GH"])
    sheet.append([None] * 9)  # blank rows are skipped
    sheet.append([1002, "Boateng", dt.date(1999, 12, 31), None, None, "in_transit", "other",
                  "+233 24 123 4567", "GH"])  # fmt: skip
    workbook.save(tmp_path / "people.xlsx")

    lines = import_file(tmp_path / "people.xlsx", crisis, member, org_a)

    assert lines == ["created 2, updated 0, unchanged 0, rejected 0"]
    first, second = stored(org_a)
    assert (first["source_record_id"], first["birth_date"], first["latitude"]) == (
        "1001",
        dt.date(1985, 1, 1),
        50.45,
    )
    assert (second["birth_date_precision"], second["phones"]) == ("day", ["+233241234567"])


def test_audit_entries_per_person_and_the_chain_verifies(mixed_file, crisis, member, org_a):
    import_file(mixed_file, crisis, member, org_a)

    entries = list(AuditEntry.objects.order_by("id").values("action", "object_type", "details"))
    assert entries == [
        {"action": "create", "object_type": "household", "details": {"via": "import", "line": 2}},
        {"action": "create", "object_type": "person", "details": {"via": "import", "line": 2}},
        {"action": "create", "object_type": "person", "details": {"via": "import", "line": 3}},
    ]
    assert audit_verify().is_intact


def test_unreadable_header_is_an_error_and_stores_nothing(tmp_path, crisis, member, org_a):
    path = tmp_path / "people.csv"
    path.write_text("source_record_id,given_name,category\nr1,Ama,student\n", encoding="utf-8")

    with pytest.raises(CommandError, match="no 'journey_stage' column"):
        import_file(path, crisis, member, org_a)
    assert Person.objects.count() == 0


def test_not_utf8_is_an_error(tmp_path, crisis, member, org_a):
    path = tmp_path / "people.csv"
    path.write_bytes(
        "source_record_id,given_name,journey_stage,category\nr1,Ren\xe9e,at_border,other\n".encode(
            "latin-1"
        )
    )

    with pytest.raises(CommandError, match="line 2 is not UTF-8"):
        import_file(path, crisis, member, org_a)


def test_bom_and_repeated_source_record_ids(tmp_path, crisis, member, org_a):
    path = write_csv(tmp_path / "bom.csv", [GOOD, {**GOOD, "given_name": "Emeka"}], bom=True)

    lines = import_file(path, crisis, member, org_a)

    assert lines == ["created 1, updated 0, unchanged 0, rejected 1",
                     "line 3: source_record_id: repeats the record of line 2"]  # fmt: skip


def test_a_phone_with_letters_is_rejected_with_its_line_and_reason(tmp_path, crisis, member, org_a):
    """Whichever path a row takes (the shortcut's one number, a cell of several, national
    numbers), letters are refused, never dialled as on a keypad; an extension's label is not."""
    rows = [
        bad("p1", phones="+380 50 PRIVATE"),  # the keypad's +380507748283
        bad("p2", phones="+48 600 CALL ME; +380 50 123 4567"),
        bad("p3", phones="050 ДЗВОНИ 4567"),
        bad("p4", phones="+380 50 123 4567 ext. 12"),
    ]
    path = write_csv(tmp_path / "letters.csv", rows)

    lines = import_file(path, crisis, member, org_a)

    assert lines == [
        "created 1, updated 0, unchanged 0, rejected 3",
        *(f"line {n}: phones: phone 1: contains letters: write the number in digits "
          '(an extension may follow "ext." or "x")' for n in (2, 3, 4)),
    ]  # fmt: skip
    assert list(Person.objects.values_list("source_record_id", "phones")) == [
        ("p4", ["+380501234567"])
    ]


def test_record_of_another_crisis_is_rejected(tmp_path, crisis, member, org_a):
    other = Crisis.objects.create(
        name="Other crisis", kind="disaster", started_on=dt.date(2023, 2, 6)
    )
    path = write_csv(tmp_path / "a.csv", [GOOD])
    import_file(path, crisis, member, org_a)

    lines = import_file(path, other, member, org_a)

    assert lines == ["created 0, updated 0, unchanged 0, rejected 1", "line 2: source_record_id: "
                     "is already registered by your organisation for another crisis"]  # fmt: skip


def test_rejects_file_and_read_only_role(tmp_path, crisis, make_member, member, org_a, mixed_file):
    rejects = tmp_path / "rejects.csv"
    lines = import_file(mixed_file, crisis, member, org_a, rejects=str(rejects))
    assert lines[1] == f"rejected rows written to {rejects}"
    with rejects.open(encoding="utf-8") as stream:
        assert next(csv.reader(stream)) == ["line", "field", "reason", "last_line"]
        assert len(list(stream)) == 10

    viewer = make_member(org_a, Role.VIEWER)
    with pytest.raises(CommandError, match="may read but not register"):
        import_file(mixed_file, crisis, viewer, org_a)


def test_other_organisation_keeps_its_own_records(
    mixed_file, crisis, member, make_member, org_a, org_b
):
    import_file(mixed_file, crisis, member, org_a)

    lines = import_file(mixed_file, crisis, make_member(org_b, Role.CASEWORKER), org_b)

    assert lines[0] == "created 2, updated 0, unchanged 0, rejected 10"
    assert Person.objects.filter(registered_by=org_b).count() == 2


def test_both_ways_of_writing_store_the_same_rows(mixed_file, crisis, make_member, org_a, org_b):
    """COPY (on PostgreSQL; the ORM elsewhere) and the ORM store identical rows and details."""
    import_file(mixed_file, crisis, make_member(org_a, Role.VOLUNTEER), org_a, storage="auto")
    import_file(mixed_file, crisis, make_member(org_b, Role.VOLUNTEER), org_b, storage="orm")

    assert stored(org_a) == stored(org_b)
    assert Vulnerability.objects.count() == 2
    assert Need.objects.count() == 4
    assert audit_verify().is_intact


def reimported_both_ways(
    tmp_path: Path,
    crisis: Crisis,
    make_member: Any,
    org_a: Any,
    org_b: Any,
    first: list[dict[str, Any]],
    second: list[dict[str, Any]],
) -> list[list[str]]:
    """`first` then `second` imported by org_a with COPY ("auto") and by org_b with the ORM; the
    second import's output lines of each."""
    outputs = []
    for organisation, storage in ((org_a, "auto"), (org_b, "orm")):
        user = make_member(organisation, Role.VOLUNTEER)
        import_file(write_csv(tmp_path / "1.csv", first), crisis, user, organisation,
                    storage=storage)  # fmt: skip
        outputs.append(import_file(write_csv(tmp_path / "2.csv", second), crisis, user,
                                   organisation, storage=storage))  # fmt: skip
    return outputs


def test_stored_persons_gain_only_the_details_they_lack_both_ways(
    tmp_path, crisis, make_member, org_a, org_b
):
    """A vulnerability code, need category or consent scope a stored person has no record of is
    added; one it has keeps its record as it is (urgency, partner kinds), whichever way the
    batch is written."""
    first = [bad("r1", vulnerabilities="pregnant", needs="food:high", consent="registration",
                 sharing_partner_kinds="")]  # fmt: skip
    second = [
        bad("r1", vulnerabilities="disability pregnant", needs="food:low shelter",
            consent="registration alerts", sharing_partner_kinds="")
    ]  # fmt: skip
    for lines in reimported_both_ways(tmp_path, crisis, make_member, org_a, org_b, first, second):
        assert lines == ["created 0, updated 1, unchanged 0, rejected 0"]

    assert stored(org_a) == stored(org_b)
    (person,) = stored(org_a)
    assert person["version"] == 2
    assert person["vulnerabilities"] == ["disability", "pregnant"]
    assert person["needs"] == [("food", "high", "open"), ("shelter", "medium", "open")]
    assert [c[0] for c in person["consents"]] == ["alerts", "registration"]


def test_a_batch_of_new_and_stored_persons_both_ways(tmp_path, crisis, make_member, org_a, org_b):
    """A second file mixes stored persons (one changed, moving to a household the same batch
    creates for a new person; one with a new need; one unchanged) with new ones: COPY and the
    ORM store the same rows."""
    first = [GOOD, CYRILLIC, {**bad("r3"), "vulnerabilities": "", "needs": ""}]
    second = [
        {**GOOD, "household_ref": "H-9", "relationship": "sibling", "place_name": "Lviv"},
        {**CYRILLIC, "needs": "shelter"},
        {**bad("r3"), "vulnerabilities": "", "needs": ""},
        {**bad("r4"), "household_ref": "H-9", "relationship": "head", "needs": "legal:low"},
        {**bad("r5"), "household_ref": "H-1", "relationship": "child", "consent": "alerts",
         "sharing_partner_kinds": "", "vulnerabilities": "pregnant disability"},
    ]  # fmt: skip
    for lines in reimported_both_ways(tmp_path, crisis, make_member, org_a, org_b, first, second):
        assert lines == ["created 2, updated 2, unchanged 1, rejected 0"]

    assert stored(org_a) == stored(org_b)
    by_id = {p["source_record_id"]: p for p in stored(org_a)}
    assert (by_id["r1"]["household"], by_id["r1"]["place_name"]) == ("H-9", "Lviv")
    assert (by_id["r4"]["household"], by_id["r5"]["household"]) == ("H-9", "H-1")
    assert by_id["r5"]["vulnerabilities"] == ["disability", "pregnant"]
    assert Household.objects.filter(registered_by=org_a).count() == 2
    # The columns the writer adds to every copied line.
    user_a = Person.objects.filter(registered_by=org_a).first().registered_by_user_id
    for person in Person.objects.filter(registered_by=org_a, source_record_id__in=["r4", "r5"]):
        assert (person.crisis_id, person.registered_by_user_id, person.version) == (
            crisis.id, user_a, 1
        )  # fmt: skip
        if connection.vendor == "postgresql":  # one time per batch (the ORM's differ by µs)
            assert person.created_at == person.updated_at
        assert {(n.status, n.details) for n in person.needs.all()} <= {("open", "")}
        assert {v.note for v in person.vulnerabilities.all()} <= {""}
        for consent in person.consents.all():
            assert (consent.recorded_by_id, consent.recorded_by_organisation_id) == (
                user_a, org_a.id
            )  # fmt: skip
            assert consent.withdrawn_at is None
            if connection.vendor == "postgresql":
                assert consent.given_at == person.created_at
    assert audit_verify().is_intact


def test_import_rows_in_worker_processes(monkeypatch, crisis, member, org_a):
    """The service entry point with dict rows (lists allowed) and the process pool."""
    monkeypatch.setattr(pipeline, "PARALLEL_THRESHOLD", 4)
    rows = [
        {**GOOD, "source_record_id": f"p{i}", "household_ref": None, "relationship": None,
         "languages": ["en", "ha"], "latitude": 49.5, "longitude": 36.0}
        for i in range(10)
    ]  # fmt: skip
    rows[7]["birth_date"] = "2099"
    actor = Viewer(member.id, org_a.id, org_a.kind, Role.VOLUNTEER, False, "test")

    report = import_rows(actor, crisis_id=crisis.id, rows=rows, workers=2, batch_size=3)

    assert report.summary == "created 9, updated 0, unchanged 0, rejected 1"
    assert [str(r) for r in report.rejected] == ["line 9: birth_date: is in the future"]
    assert Person.objects.get(source_record_id="p0").languages == ["en", "ha"]
    assert audit_verify().is_intact


def test_the_heap_is_frozen_while_importing_and_unfrozen_after(crisis, member, org_a):
    """The objects that exist before an import are kept out of the collector's full collections
    while it runs (importer `_heap_frozen`), and given back to it afterwards, even on failure;
    so is the young generation's threshold (raised while it runs)."""
    actor = Viewer(member.id, org_a.id, org_a.kind, Role.VOLUNTEER, False, "test")
    gc.unfreeze()  # as in a process that froze nothing
    thresholds = gc.get_threshold()
    seen: list[tuple[int, int]] = []

    def progress(rows: int) -> None:
        seen.append((gc.get_freeze_count(), gc.get_threshold()[0]))
        raise RuntimeError("stopped by the test")

    with pytest.raises(RuntimeError, match="stopped by the test"):
        import_rows(actor, crisis_id=crisis.id, rows=[GOOD], progress=progress)

    assert seen
    assert seen[0][0] > 0
    assert seen[0][1] == YOUNG_THRESHOLD
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds


def test_the_heap_is_frozen_again_as_each_chunk_arrives() -> None:
    """The chunks in flight (freed by their counts) are frozen as they arrive: `_batches` calls
    its `arrived` once per chunk, which `_heap_frozen` makes a freeze of the heap."""
    chunks = [NormalisedChunk(keys=[RowKey(n, f"id{n}", f"r{n}", None)]) for n in range(2, 7)]
    calls: list[int] = []
    batches = list(_batches(chunks, 2, [], lambda: calls.append(len(calls))))
    assert [len(batch) for batch, _ in batches] == [2, 2, 1]
    assert calls == [0, 1, 2, 3, 4]
    gc.unfreeze()
    with _heap_frozen() as refreeze:
        before = gc.get_freeze_count()
        kept: list[list[int]] = [[] for _ in range(100)]  # new containers, young
        refreeze()
        assert gc.get_freeze_count() >= before + len(kept)
    assert gc.get_freeze_count() == 0
    # A process that froze its own heap: nothing frozen again.
    gc.freeze()
    try:
        with _heap_frozen() as refreeze:
            before = gc.get_freeze_count()
            kept = [[] for _ in range(100)]
            refreeze()
            assert gc.get_freeze_count() <= before
    finally:
        gc.unfreeze()


def test_a_heap_frozen_by_its_process_stays_frozen(crisis, member, org_a):
    actor = Viewer(member.id, org_a.id, org_a.kind, Role.VOLUNTEER, False, "test")
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        during: list[int] = []
        report = import_rows(
            actor,
            crisis_id=crisis.id,
            rows=[GOOD],
            progress=lambda rows: during.append(gc.get_freeze_count()),
        )
        assert report.created == 1
        assert during[0] <= before  # neither unfrozen nor frozen again by the import
    finally:
        gc.unfreeze()
