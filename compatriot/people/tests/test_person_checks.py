"""The person's CHECK constraints (Person.Meta and `version`'s): the database refuses the same rows
on SQLite (CHECK constraints) and on PostgreSQL (checked per statement by the persons' triggers,
people migration 0014), and on PostgreSQL with the same error as the CHECK constraints."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import CheckConstraint

from compatriot.core.models import Crisis, Organisation
from compatriot.people.models import Household, Person

pytestmark = pytest.mark.django_db

_POSTGRES = str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql")
postgres_only = pytest.mark.skipif(not _POSTGRES, reason="the triggers are PostgreSQL's")

# (values, refused): values a person may be given, and whether a CHECK refuses them.
ROWS: list[tuple[dict[str, Any], bool]] = [
    ({}, False),
    ({"birth_date": None, "birth_date_precision": ""}, False),
    ({"birth_date_precision": "week"}, True),
    ({"birth_date_precision": ""}, True),
    ({"birth_date": None, "birth_date_precision": "day"}, True),
    ({"latitude": 90.0, "longitude": -180.0}, False),
    ({"latitude": 90.000001}, True),
    ({"longitude": -180.5}, True),
    ({"latitude": float("nan")}, True),
    ({"latitude": None, "longitude": None}, False),
    ({"latitude": None}, False),  # one of the two: NULL, which a CHECK lets through
    ({"latitude": None, "longitude": 200.0}, True),
    ({"relationship": "child"}, True),
    ({"version": -1}, True),
    ({"version": -1, "latitude": 100.0, "relationship": "child"}, True),  # the first by name
    ({"given_name": "Олена" * 20, "latitude": 100.0}, True),  # a detail's values clipped
]


def _person(crisis: Crisis, organisation: Organisation, **values: Any) -> Person:
    fields: dict[str, Any] = {
        "crisis": crisis,
        "registered_by": organisation,
        "source": "hotline",
        "given_name": "Olena",
        "birth_date": dt.date(1990, 5, 1),
        "birth_date_precision": "day",
        "latitude": 50.45,
        "longitude": 30.52,
        "journey_stage": "in_transit",
        "category": "worker",
        **values,
    }
    return Person(**fields)


def _refusal(write: Any) -> tuple[Any, ...] | None:
    """The error a write raises (None if it passes), as psycopg reads it: all but its context."""
    try:
        with transaction.atomic():
            write()
            transaction.set_rollback(True)
    except IntegrityError as raised:
        error = raised.__cause__
        if not isinstance(error, psycopg.Error):  # SQLite
            return (type(raised),)
        diag = error.diag
        return (
            type(error), diag.sqlstate, diag.message_primary, diag.message_detail,
            diag.constraint_name, diag.schema_name, diag.table_name, diag.column_name,
        )  # fmt: skip
    return None


def _with_check_constraints(write: Any) -> tuple[Any, ...] | None:
    """The write's refusal with the model's CHECK constraints back on the table (checked on
    each row, before the triggers run): what PostgreSQL answered before migration 0014."""
    with transaction.atomic():
        with connection.cursor() as cursor:  # the pending key checks first: then ALTER TABLE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        with connection.schema_editor(atomic=False) as editor:
            for field in Person._meta.local_concrete_fields:
                if check := field.db_check(connection):
                    editor.execute(
                        f"ALTER TABLE people_person ADD CONSTRAINT"
                        f" people_person_{field.column}_check CHECK ({check})"
                    )
            for constraint in Person._meta.constraints:
                if isinstance(constraint, CheckConstraint):
                    editor.add_constraint(Person, constraint)
        refusal = _refusal(write)
        transaction.set_rollback(True)
    return refusal


@pytest.mark.parametrize(("values", "refused"), ROWS)
def test_the_database_refuses_the_rows_a_check_refuses(crisis, org_a, values, refused) -> None:
    if not _POSTGRES and any(value != value for value in values.values()):
        refused = False  # SQLite stores a NaN as NULL
    refusal = _refusal(lambda: _person(crisis, org_a, **values).save(force_insert=True))
    assert (refusal is not None) == refused
    if refused and _POSTGRES:
        assert refusal is not None
        assert refusal[1] == "23514"


@postgres_only
def test_the_tables_checks_are_the_triggers() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint"
            " WHERE conrelid = 'people_person'::regclass AND contype = 'c'"
        )
        assert cursor.fetchone() == (0,)


def _stored_row(crisis: Crisis, organisation: Organisation) -> dict[str, Any]:
    """A stored person's columns (its id left to each copy), as jsonb gives them."""
    person = _person(crisis, organisation)
    person.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_jsonb(p) FROM people_person p WHERE id = %s", [person.id])
        row = json.loads(cursor.fetchone()[0])
    return {**row, "source_record_id": None}


def _inserting(rows: list[dict[str, Any]]) -> Any:
    """One INSERT of these rows, the same text each time it runs."""

    def write() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO people_person"
                " SELECT * FROM jsonb_populate_recordset(NULL::people_person, %s::jsonb)",
                [json.dumps(rows)],
            )

    return write


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    return {
        ("household_id" if name == "household" else name): (
            "NaN" if isinstance(value, float) and value != value else value
        )
        for name, value in values.items()
    }


@postgres_only
@pytest.mark.parametrize(("values", "refused"), ROWS)
def test_an_insert_is_refused_as_by_the_check_constraints(crisis, org_a, values, refused) -> None:
    row = {**_stored_row(crisis, org_a), "id": str(uuid.uuid4()), **_columns(values)}
    write = _inserting([row])
    by_trigger = _refusal(write)
    assert by_trigger == _with_check_constraints(write)
    assert (by_trigger is not None) == refused


@postgres_only
@pytest.mark.parametrize("count", [3, 40])
@pytest.mark.parametrize("failing", [0, 2, 25])
def test_a_statement_of_many_rows_is_refused_as_by_the_check_constraints(
    crisis, org_a, count, failing
) -> None:
    """A few rows (checked in the keys' pass over them) and many (in the scan of their first
    key), the failing row first, among the first 16 or past them; the first row's key is
    missing, and a later row's failing check is still the error."""
    stored = _stored_row(crisis, org_a)
    rows = [{**stored, "id": str(uuid.uuid4())} for _ in range(count)]
    if failing < count:
        rows[failing]["latitude"] = 120.0
    rows[0]["crisis_id"] = str(uuid.uuid4())  # no such crisis
    write = _inserting(rows)
    by_trigger = _refusal(write)
    assert by_trigger == _with_check_constraints(write)
    assert by_trigger is not None
    assert by_trigger[1] == ("23514" if failing < count else "23503")


@postgres_only
@pytest.mark.parametrize(("values", "refused"), ROWS)
def test_an_update_is_refused_as_by_the_check_constraints(crisis, org_a, values, refused) -> None:
    person = _person(crisis, org_a)
    person.save()
    if "relationship" in values:  # a household of its own first: only the check may fail
        person.household = Household.objects.create(crisis=crisis, registered_by=org_a)
        person.save()
        values = {**values, "household": None}

    def write() -> None:
        Person.objects.filter(id=person.id).update(**values, updated_at=person.updated_at)

    by_trigger = _refusal(write)
    assert by_trigger == _with_check_constraints(write)
    assert (by_trigger is not None) == refused


@postgres_only
def test_the_api_writes_insert_is_refused_as_by_the_check_constraints(crisis, org_a) -> None:
    """The one-round-trip write's call of compatriot_insert_person (people migration 0010)."""
    from compatriot.core.statements import as_call, new_row

    built = new_row(
        Person, {"crisis_id": crisis.id, "registered_by_id": org_a.id, "source": "hotline",
                 "journey_stage": "in_transit", "category": "worker", "latitude": 10.0,
                 "longitude": 200.0}
    )  # fmt: skip
    assert built is not None
    statement = as_call("compatriot_insert_person", built[1])

    def write() -> None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)

    by_trigger = _refusal(write)
    assert by_trigger == _with_check_constraints(write)
    assert by_trigger is not None
    assert by_trigger[4] == "person_coordinates_valid"


_INSERT_FUNCTIONS_SETTINGS = """
SELECT proname, proconfig FROM pg_proc WHERE proname IN ('people_person_fk_inserted',
    'people_vulnerability_fk_inserted', 'people_need_fk_inserted', 'people_consent_fk_inserted')
ORDER BY proname
"""


def _insert_functions_settings() -> list[tuple[str, list[str] | None]]:
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_FUNCTIONS_SETTINGS)
        return cursor.fetchall()


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_going_back_before_0014_keeps_every_insert_checks_setting() -> None:
    """0014's reverse rewrites the person's insert function only: rewriting the other tables'
    would clear the `enable_seqscan = off` migration 0012 gave them."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    with_0014 = _insert_functions_settings()
    assert all(settings == ["enable_seqscan=off"] for _, settings in with_0014), with_0014
    try:
        _migrate([("people", "0013_consent_recorders_brin")])
        assert _insert_functions_settings() == with_0014
        with connection.cursor() as cursor:  # the CHECKs are the table's again
            cursor.execute(
                "SELECT count(*) FROM pg_constraint"
                " WHERE conrelid = 'people_person'::regclass AND contype = 'c'"
            )
            assert cursor.fetchone()[0] == 4
    finally:
        _migrate(leaves)
    assert _insert_functions_settings() == with_0014
