"""On PostgreSQL the keys of persons, vulnerabilities, needs and consents are checked by
statement-level triggers (people migration 0004) instead of Django's row-level constraints: the
same integrity for every writer, checked once per statement."""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from compatriot.core.models import Crisis, Organisation, Role
from compatriot.core.viewer import Viewer
from compatriot.people.imports.importer import import_rows
from compatriot.people.models import Consent, Need, Person, Vulnerability
from compatriot.people.tests.test_import import GOOD, stored

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"),
        reason="the triggers are PostgreSQL's; SQLite keeps Django's constraints",
    ),
]


def new_person(crisis: Crisis, organisation: Organisation, **fields: Any) -> Person:
    return Person.objects.create(
        crisis=crisis,
        registered_by=organisation,
        source="hotline",
        journey_stage="in_transit",
        category="worker",
        **fields,
    )


def refused(statement: Callable[[], Any], *, naming: str) -> str:
    """Run `statement` in a savepoint; it must fail with a foreign key violation naming
    `naming`. Returns the message."""
    # Django wraps the error of its own cursors; COPY on psycopg's cursor raises it as is.
    errors = (IntegrityError, psycopg.errors.ForeignKeyViolation)
    with pytest.raises(errors) as raised, transaction.atomic():
        statement()
    error = raised.value
    assert isinstance(error.__cause__ or error, psycopg.errors.ForeignKeyViolation)
    assert naming in str(error)
    return str(error)


def sql(statement: str, params: list[Any] | None = None) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    return run


@pytest.mark.django_db
def test_the_row_level_constraints_are_replaced_by_triggers() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid IN ('people_person'::regclass,"
            " 'people_consent'::regclass, 'people_need'::regclass,"
            " 'people_vulnerability'::regclass)"
        )
        kept = sorted(cursor.fetchall())
    # Only persons' household and merged_into keep Django's deferred constraints.
    assert kept == [("people_person", "people_household"), ("people_person", "people_person")]


@pytest.mark.django_db
def test_orphans_are_refused_from_the_orm_and_from_raw_sql(crisis, org_a, make_member) -> None:
    person = new_person(crisis, org_a)
    nobody = uuid.uuid4()

    message = refused(
        lambda: Need.objects.create(person_id=nobody, category="food"), naming="person_id"
    )
    assert str(nobody) in message
    assert "people_need" in message
    refused(
        lambda: Vulnerability.objects.bulk_create(
            [Vulnerability(person_id=nobody, code="pregnant")]
        ),
        naming="person_id",
    )
    refused(lambda: new_person(Crisis(id=nobody), org_a), naming="crisis_id")
    refused(lambda: new_person(crisis, Organisation(id=nobody)), naming="registered_by_id")
    refused(
        sql(
            "INSERT INTO people_consent (id, person_id, scope, partner_kinds, method, given_at,"
            " recorded_by_id) VALUES (%s, %s, 'registration', '[]', 'verbal', now(), %s)",
            [uuid.uuid4(), person.id, 2_000_000_000],
        ),
        naming="recorded_by_id",
    )
    # A statement of a few rows and one of many (checked per distinct parent), each with one
    # orphan among valid rows, are refused as a whole.
    for valid in (2, 40):
        message = refused(
            sql(
                "INSERT INTO people_need (id, person_id, category, urgency, status, details,"
                " created_at, updated_at) SELECT gen_random_uuid(), p, 'food', 'low', 'open',"
                " '', now(), now() FROM unnest(%s::uuid[]) p",
                [[*[person.id] * valid, nobody]],
            ),
            naming="person_id",
        )
        assert str(nobody) in message
    many = [Need(person=person, category="food") for _ in range(40)]
    assert len(Need.objects.bulk_create(many)) == 40
    Need.objects.all().delete()
    # An update that changes a key to a missing parent, too.
    need = Need.objects.create(person=person, category="food")
    refused(lambda: Need.objects.filter(id=need.id).update(person_id=nobody), naming="person_id")
    consent = Consent.objects.create(
        person=person, scope="registration", method="verbal", given_at="2026-01-01T00:00Z"
    )
    refused(
        lambda: Consent.objects.filter(id=consent.id).update(withdrawn_by_id=2_000_000_000),
        naming="withdrawn_by_id",
    )
    # Valid rows still go in, and a valid key change passes.
    user = make_member(org_a, "volunteer")
    Consent.objects.filter(id=consent.id).update(withdrawn_by=user, recorded_by_organisation=org_a)
    assert Need.objects.filter(person=person).count() == 1


@pytest.mark.django_db
def test_an_orphan_is_refused_at_either_side_of_the_few_rows_limit(crisis, org_a) -> None:
    # Up to 16 rows are checked row by row as they are counted; from the 17th on, the whole
    # statement per distinct parent: an orphan last is refused on both sides of that line.
    person = new_person(crisis, org_a)
    nobody = uuid.uuid4()
    for rows in (1, 16, 17, 18):
        message = refused(
            sql(
                "INSERT INTO people_need (id, person_id, category, urgency, status, details,"
                " created_at, updated_at) SELECT gen_random_uuid(), p, 'food', 'low', 'open',"
                " '', now(), now() FROM unnest(%s::uuid[]) WITH ORDINALITY AS u(p, n) ORDER BY n",
                [[*[person.id] * (rows - 1), nobody]],
            ),
            naming="person_id",
        )
        assert str(nobody) in message
    # The first key that fails is named, as Django's checks would, with all keys missing.
    message = refused(
        sql(
            "INSERT INTO people_consent (id, person_id, scope, partner_kinds, method, given_at,"
            " recorded_by_id) VALUES (%s, %s, 'registration', '[]', 'verbal', now(), %s)",
            [uuid.uuid4(), nobody, 2_000_000_000],
        ),
        naming='column "person_id"',
    )
    assert str(nobody) in message
    assert not Need.objects.exists()


_PERSON_SCANS = (
    "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables"
    " WHERE relid = 'people_person'::regclass"
)


@pytest.mark.django_db
def test_a_statement_of_many_rows_probes_each_parent_by_its_key(crisis, org_a) -> None:
    # The per-set check's plan is cached by the session: planned while the persons table is
    # small (an import's first batch), `id IN (keys)` became a hash join over a scan of the
    # whole table, which every later batch repeated (migration 0009). Each distinct person is
    # looked up by its key instead, on the first statement and on the cached plan alike.
    persons = [new_person(crisis, org_a, source_record_id=f"r{n}").id for n in range(3)]
    insert = sql(
        "INSERT INTO people_need (id, person_id, category, urgency, status, details,"
        " created_at, updated_at) SELECT gen_random_uuid(), p, 'food', 'low', 'open', '',"
        " now(), now() FROM unnest(%s::uuid[]) AS u(p)",
        [persons * 10],
    )
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute(_PERSON_SCANS)
            scans_before, probes_before = cursor.fetchone()
            insert()
            cursor.execute(_PERSON_SCANS)
            scans, probes = cursor.fetchone()
            assert scans == scans_before
            # The first 16 rows' persons one by one, then the 3 distinct persons once.
            assert probes - probes_before == 16 + 3
    assert Need.objects.count() == 90


def persons_with_children(crisis: Crisis, organisation: Organisation, count: int) -> list[Any]:
    """`count` persons, each with a vulnerability, a need and a consent, in a statement a table."""
    persons = Person.objects.bulk_create(
        Person(
            crisis=crisis,
            registered_by=organisation,
            source="hotline",
            journey_stage="in_transit",
            category="worker",
            source_record_id=f"c{uuid.uuid4()}",
        )
        for _ in range(count)
    )
    Vulnerability.objects.bulk_create(Vulnerability(person=p, code="pregnant") for p in persons)
    Need.objects.bulk_create(Need(person=p, category="food") for p in persons)
    Consent.objects.bulk_create(
        Consent(person=p, scope="registration", method="verbal", given_at="2026-01-01T00:00Z")
        for p in persons
    )
    return [person.id for person in persons]


_CHILDREN = ("people_vulnerability", "people_need", "people_consent")
_CHILD_SCANS = (
    "SELECT relname, seq_scan, coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables"
    " WHERE relname IN ('people_vulnerability', 'people_need', 'people_consent')"
)


def child_scans(statement: str, params: list[Any]) -> dict[str, tuple[int, int]]:
    """Run `statement`; each child table's sequential and index scans while it ran."""
    with connection.cursor() as cursor:
        cursor.execute(_CHILD_SCANS)
        before = {table: (seq, idx) for table, seq, idx in cursor.fetchall()}
        cursor.execute(statement, params)
        cursor.execute(_CHILD_SCANS)
        after = {table: (seq, idx) for table, seq, idx in cursor.fetchall()}
    return {
        table: (after[table][0] - before[table][0], after[table][1] - before[table][1])
        for table in _CHILDREN
    }


def delete_persons(ids: list[Any]) -> dict[str, tuple[int, int]]:
    """Delete the persons, their children first; the children's scans during the persons'
    DELETE (the delete check's)."""
    for table in _CHILDREN:
        sql(f"DELETE FROM {table} WHERE person_id = ANY(%s)", [ids])()  # noqa: S608
    return child_scans("DELETE FROM people_person WHERE id = ANY(%s)", [ids])


def plans_favouring_scans() -> None:
    """Make this session's next plans with costs under which a scan beats an index (as for a
    table analysed at a page): the cached plans of earlier tests dropped first."""
    sql("DISCARD PLANS")()
    sql("SET LOCAL random_page_cost = 1000")()


@pytest.mark.django_db
def test_a_delete_of_many_persons_probes_each_child_by_its_key(crisis, org_a) -> None:
    # The delete check's plan is cached by the session: planned while the children's tables
    # were small, `person_id IN (the deleted)` was a hash join over a scan of each child table,
    # which every later delete repeated (migration 0011). Each deleted person's children are
    # looked up by key instead, whatever the costs when the plan was made.
    plans_favouring_scans()
    delete_persons(persons_with_children(crisis, org_a, 3))
    sql("SET LOCAL random_page_cost = DEFAULT")()
    persons = persons_with_children(crisis, org_a, 200)
    for start in (0, 20, 40):
        scans = delete_persons(persons[start : start + 20])
        assert scans == dict.fromkeys(_CHILDREN, (0, 20))
    assert Person.objects.count() == 140


@pytest.mark.django_db
def test_a_key_update_looks_its_children_up_by_key(crisis, org_a) -> None:
    # Checked per row with the key as a parameter, but PL/pgSQL keeps a generic plan after five
    # calls: made with costs that favour scans, it read every child table per updated person.
    persons_with_children(crisis, org_a, 3)
    key = new_person(crisis, org_a).id
    plans_favouring_scans()
    for _ in range(8):
        rekeyed = uuid.uuid4()
        scans = child_scans("UPDATE people_person SET id = %s WHERE id = %s", [rekeyed, key])
        assert scans == dict.fromkeys(_CHILDREN, (0, 1))
        key = rekeyed
    assert Person.objects.filter(id=key).exists()


@pytest.mark.django_db
def test_a_child_insert_looks_its_person_up_by_key(crisis, org_a) -> None:
    # The insert checks' plans are cached by the session too: made with costs that favour
    # scans (a persons table analysed at a page), the per-row look-up read the whole persons
    # table for each row, on every later insert (migration 0012). Few rows and many alike.
    persons = [new_person(crisis, org_a, source_record_id=f"k{n}").id for n in range(3)]
    plans_favouring_scans()
    with connection.cursor() as cursor:
        for rows in (1, 20, 1, 20):
            cursor.execute(_PERSON_SCANS)
            scans_before, _ = cursor.fetchone()
            sql(
                "INSERT INTO people_need (id, person_id, category, urgency, status, details,"
                " created_at, updated_at) SELECT gen_random_uuid(), p, 'food', 'low', 'open', '',"
                " now(), now() FROM unnest(%s::uuid[]) AS u(p)",
                [(persons * rows)[:rows]],
            )()
            cursor.execute(_PERSON_SCANS)
            scans, _ = cursor.fetchone()
            assert scans == scans_before
    assert Need.objects.count() == 42


_KEYS = importlib.import_module(
    "compatriot.people.migrations.0004_statement_level_foreign_keys"
).KEYS
_LEADING_COLUMNS = """
SELECT a.attname FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = %s::regclass
"""


@pytest.mark.django_db
def test_every_key_the_parents_checks_probe_leads_an_index() -> None:
    # The delete and key-update checks run with sequential scans off (migration 0011): a key
    # without an index of its own would be read by a scan of its whole table anyway. Consents'
    # recorders lead a BRIN index each (migration 0013): a bitmap probe of the ranges that may
    # hold the key, which the next test shows finds it.
    with connection.cursor() as cursor:
        for child, column, _parent in _KEYS:
            cursor.execute(_LEADING_COLUMNS, [child])
            assert column in {name for (name,) in cursor.fetchall()}, (child, column)


_DESUMMARISE = (
    "SELECT brin_desummarize_range(%s::regclass, block) FROM"
    " generate_series(0, pg_relation_size('people_consent') / 8192, 128) AS block"
)


@pytest.mark.parametrize("summarised", [False, True])
@pytest.mark.django_db
def test_a_consents_recorder_is_found_through_its_brin_index(crisis, org_a, summarised) -> None:
    # Consents' recorded_by and recorded_by_organisation have BRIN indexes, not B-trees
    # (migration 0013): a deleted user's or organisation's consents are found in the block ranges
    # that may hold them, summarised (after a VACUUM) or not yet (read whole), never by a scan.
    recorder, bystander = (get_user_model().objects.create(username=n) for n in ("r", "b"))
    recording, idle = (Organisation.objects.create(name=n, kind="ngo") for n in ("R", "I"))
    persons = persons_with_children(crisis, org_a, 3)
    Consent.objects.create(
        person_id=persons[1], scope="alerts", method="verbal", given_at="2026-01-01T00:00Z",
        recorded_by=recorder, recorded_by_organisation=recording,
    )  # fmt: skip
    with connection.cursor() as cursor:  # index pages outlive rolled-back tests: state set here
        for index in ("consent_recorded_by_brin", "consent_recorded_by_organisation_brin"):
            cursor.execute(_DESUMMARISE, [index])
            if summarised:
                cursor.execute("SELECT brin_summarize_new_values(%s::regclass)", [index])
                assert cursor.fetchone()[0] >= 1
    plans_favouring_scans()

    refused(sql("DELETE FROM auth_user WHERE id = %s", [recorder.id]), naming="recorded_by_id")
    refused(
        sql("DELETE FROM core_organisation WHERE id = %s", [recording.id]),
        naming="recorded_by_organisation_id",
    )
    # Unreferenced ones go; consents are probed by index: recorded_by and withdrawn_by for a user.
    user_scans = child_scans("DELETE FROM auth_user WHERE id = %s", [bystander.id])
    organisation_scans = child_scans("DELETE FROM core_organisation WHERE id = %s", [idle.id])
    assert (user_scans["people_consent"], organisation_scans["people_consent"]) == ((0, 2), (0, 1))


def refusal(statement: Callable[[], Any]) -> psycopg.errors.Diagnostic:
    """Run `statement` in a savepoint; it must fail with a foreign key violation. Returns the
    error's fields."""
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        statement()
    assert isinstance(raised.value.__cause__, psycopg.errors.ForeignKeyViolation)
    return raised.value.__cause__.diag


@pytest.mark.django_db
def test_a_delete_of_many_names_the_referenced_one(crisis, org_a, make_member) -> None:
    persons = persons_with_children(crisis, org_a, 30)
    kept = persons[17]
    for table in ("people_vulnerability", "people_need"):
        sql(f"DELETE FROM {table} WHERE person_id = ANY(%s)", [persons])()  # noqa: S608
    sql("DELETE FROM people_consent WHERE person_id <> %s", [kept])()

    error = refusal(sql("DELETE FROM people_person WHERE id = ANY(%s)", [persons]))
    assert (error.sqlstate, error.table_name, error.column_name) == (
        "23503",
        "people_consent",
        "person_id",
    )
    assert error.message_primary == (
        'update or delete on table "people_person" violates foreign key on column "person_id"'
        ' of table "people_consent"'
    )
    assert error.message_detail == (
        f'Key (id)=({kept}) is still referenced from table "people_consent".'
    )
    # An integer key, too: users, one of whom withdrew a consent.
    users = [make_member(org_a, "volunteer") for _ in range(3)]
    Consent.objects.filter(person_id=kept).update(withdrawn_by=users[1])
    error = refusal(sql("DELETE FROM auth_user WHERE id = ANY(%s)", [[u.id for u in users]]))
    assert (error.table_name, error.column_name) == ("people_consent", "withdrawn_by_id")
    assert error.message_detail == (
        f'Key (id)=({users[1].id}) is still referenced from table "people_consent".'
    )
    # The unreferenced ones go.
    sql("DELETE FROM people_person WHERE id = ANY(%s) AND id <> %s", [persons, kept])()
    assert list(Person.objects.values_list("id", flat=True)) == [kept]


@pytest.mark.django_db
def test_copy_of_orphans_is_refused(crisis, org_a) -> None:
    person = new_person(crisis, org_a)
    lines = "".join(
        f"{uuid.uuid4()}\t{parent}\tfood\tlow\topen\t\t2026-01-01Z\t2026-01-01Z\n"
        for parent in (person.id, uuid.uuid4())
    )

    def copy() -> None:
        connection.ensure_connection()
        columns = "id, person_id, category, urgency, status, details, created_at, updated_at"
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY people_need ({columns}) FROM STDIN") as copying,
        ):
            copying.write(lines)

    refused(copy, naming="person_id")
    assert not Need.objects.exists()


@pytest.mark.django_db
def test_referenced_parents_cannot_be_deleted_nor_rekeyed(crisis, org_a, make_member) -> None:
    user = make_member(org_a, "volunteer")
    person = new_person(crisis, org_a, registered_by_user=user)
    Consent.objects.create(
        person=person,
        scope="registration",
        method="verbal",
        given_at="2026-01-01T00:00Z",
        recorded_by=user,
        recorded_by_organisation=org_a,
    )

    message = refused(
        sql("DELETE FROM people_person WHERE id = %s", [person.id]), naming="person_id"
    )
    assert "people_consent" in message
    assert str(person.id) in message
    refused(sql("DELETE FROM core_crisis WHERE id = %s", [crisis.id]), naming="crisis_id")
    refused(sql("DELETE FROM auth_user WHERE id = %s", [user.id]), naming="registered_by_user_id")
    refused(
        sql("UPDATE people_person SET id = %s WHERE id = %s", [uuid.uuid4(), person.id]),
        naming="person_id",
    )
    # (TRUNCATE refuses to run while Django's deferred checks of this transaction are pending.)
    sql("SET CONSTRAINTS ALL IMMEDIATE")()
    refused(sql("TRUNCATE people_person CASCADE"), naming="person_id")

    # Django emulates CASCADE and SET_NULL itself, children first: its deletes still work.
    user.delete()
    consent = Consent.objects.get()
    assert (consent.recorded_by_id, Person.objects.get().registered_by_user_id) == (None, None)
    person.delete()
    assert not Consent.objects.exists()
    new_person(crisis, org_a).needs.create(category="food")
    with connection.cursor() as cursor:  # parent and children together pass
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE people_person, people_need CASCADE")
    assert not Need.objects.exists()


# Two real connections, each in its own transaction: the test database's data is committed.


def connect() -> psycopg.Connection[Any]:
    params = {k: v for k, v in connection.get_connection_params().items() if k != "context"}
    return psycopg.connect(**params, autocommit=False)


def waiting_for_a_lock(pid: int) -> None:
    """Return once backend `pid` waits for a lock (the order of the test's steps, not a
    timing assertion)."""
    with connect() as watcher:
        for _ in range(600):
            row = watcher.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
            ).fetchone()
            watcher.rollback()
            if row and row[0] == "Lock":
                return
            time.sleep(0.05)
    raise AssertionError("the second transaction never waited")


def in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


# One row (the check per row) or twenty (the check per distinct parent).
INSERT_NEEDS = (
    "INSERT INTO people_need (id, person_id, category, urgency, status, details, created_at,"
    " updated_at) SELECT gen_random_uuid(), %s, 'food', 'low', 'open', '', now(), now()"
    " FROM generate_series(1, %s)"
)


@pytest.fixture
def two_connections() -> Iterator[tuple[psycopg.Connection[Any], psycopg.Connection[Any]]]:
    with connect() as first, connect() as second:
        yield first, second


@pytest.mark.parametrize("rows", [1, 20])
@pytest.mark.django_db(transaction=True)
def test_a_delete_after_a_child_insert_waits_and_fails(
    crisis, org_a, two_connections, rows
) -> None:
    person = new_person(crisis, org_a)
    inserting, deleting = two_connections
    inserting.execute(INSERT_NEEDS, [person.id, rows])  # holds the person FOR KEY SHARE

    thread, errors = in_thread(
        lambda: deleting.execute("DELETE FROM people_person WHERE id = %s", [person.id])
    )
    waiting_for_a_lock(deleting.info.backend_pid)
    inserting.commit()
    thread.join()
    deleting.rollback()

    assert len(errors) == 1
    assert isinstance(errors[0], psycopg.errors.ForeignKeyViolation)
    assert Person.objects.filter(id=person.id).exists()
    assert Need.objects.filter(person_id=person.id).count() == rows


@pytest.mark.parametrize("rows", [1, 20])
@pytest.mark.django_db(transaction=True)
def test_a_child_insert_after_a_delete_waits_and_fails(
    crisis, org_a, two_connections, rows
) -> None:
    person = new_person(crisis, org_a)
    inserting, deleting = two_connections
    deleting.execute("DELETE FROM people_person WHERE id = %s", [person.id])

    thread, errors = in_thread(lambda: inserting.execute(INSERT_NEEDS, [person.id, rows]))
    waiting_for_a_lock(inserting.info.backend_pid)
    deleting.commit()
    thread.join()
    inserting.rollback()

    assert len(errors) == 1
    assert isinstance(errors[0], psycopg.errors.ForeignKeyViolation)
    assert "person_id" in str(errors[0])
    assert not Person.objects.filter(id=person.id).exists()
    assert not Need.objects.exists()


@pytest.mark.parametrize("rows", [1, 20])
@pytest.mark.django_db(transaction=True)
def test_a_child_insert_waits_for_a_delete_that_rolls_back(
    crisis, org_a, two_connections, rows
) -> None:
    person = new_person(crisis, org_a)
    inserting, deleting = two_connections
    deleting.execute("DELETE FROM people_person WHERE id = %s", [person.id])

    thread, errors = in_thread(lambda: inserting.execute(INSERT_NEEDS, [person.id, rows]))
    waiting_for_a_lock(inserting.info.backend_pid)
    deleting.rollback()
    thread.join()
    inserting.commit()

    assert errors == []
    assert Need.objects.filter(person_id=person.id).count() == rows


@pytest.mark.django_db
def test_an_import_stores_valid_rows_and_refuses_a_missing_parent(crisis, org_a, make_member):
    member = make_member(org_a, Role.VOLUNTEER)
    rows = [{**GOOD, "source_record_id": f"fk{index}"} for index in range(3)]

    report = import_rows(viewer(member.id, org_a), crisis_id=crisis.id, rows=rows)

    assert report.summary == "created 3, updated 0, unchanged 0, rejected 0"
    assert Consent.objects.filter(person__registered_by=org_a).count() == 3 * len(
        stored(org_a)[0]["consents"]
    )
    # A user gone since the import began: the COPY's own check refuses the batch, as an
    # IntegrityError (what the command reports), and nothing of it is stored.
    missing_user = viewer(2_000_000_000, org_a)
    again = [{**row, "source_record_id": f"gone{index}"} for index, row in enumerate(rows)]
    with pytest.raises(IntegrityError, match="registered_by_user_id"):
        import_rows(missing_user, crisis_id=crisis.id, rows=again, storage="copy")
    assert Person.objects.count() == 3


def viewer(user_id: int, organisation: Organisation) -> Viewer:
    return Viewer(user_id, organisation.id, organisation.kind, Role.VOLUNTEER, False, "test")
