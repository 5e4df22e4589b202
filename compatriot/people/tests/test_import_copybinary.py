"""The import's rows travel in PostgreSQL's binary COPY format (`copybinary`): the server must
read each field as the text format gave it (times to the microsecond, NULLs, UUIDs, JSON,
non-ASCII text), the constant fields after every row's body, and the field count before. The
audit entries' rows: test_import_auditing.py."""

from __future__ import annotations

import datetime as dt
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection

from compatriot.core.models import Role
from compatriot.core.viewer import Viewer
from compatriot.people.imports import copybinary, storage
from compatriot.people.models import Household

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"),
        reason="binary COPY is PostgreSQL's",
    ),
]

AT = dt.datetime(2026, 12, 7, 8, 1, 2, 345678, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_server_reads_binary_rows_as_their_values() -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    person = str(uuid.uuid4())
    bodies = [
        copybinary.uuid_field(row_id)
        + copybinary.uuid_text_field(person)
        + copybinary.text(name)
        + copybinary.jsonb(kinds)
        for row_id, name, kinds in zip(
            ids, ("registration", "Шевченко", ""), ('["ngo", "consulate"]', "[]", "{}"), strict=True
        )
    ]
    constant = copybinary.timestamp(AT) + copybinary.integer(None) + copybinary.integer(-7)
    data = copybinary.data([bodies[0], *bodies[1:]], 7, constant)
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE binary_rows (id uuid, person_id uuid, name varchar(20),"
            " kinds jsonb, at timestamptz, nobody integer, somebody integer)"
        )
        with cursor.copy(
            "COPY binary_rows (id, person_id, name, kinds, at, nobody, somebody)"
            " FROM STDIN (FORMAT binary)"
        ) as copy:
            copy.write(data)
        cursor.execute(
            "SELECT id, person_id, name, kinds::text, at, nobody, somebody FROM binary_rows"
        )
        rows = cursor.fetchall()

    assert sorted(rows, key=lambda row: row[2]) == sorted(
        [
            (ids[0], uuid.UUID(person), "registration", '["ngo", "consulate"]', AT, None, -7),
            (ids[1], uuid.UUID(person), "Шевченко", "[]", AT, None, -7),
            (ids[2], uuid.UUID(person), "", "{}", AT, None, -7),
        ],
        key=lambda row: row[2],
    )
    assert copybinary.data([], 7, constant) == b""


@pytest.mark.django_db
def test_dates_and_floats_read_back_exactly() -> None:
    values = [
        (dt.date(1899, 12, 31), 52.22591, -0.1),
        (dt.date(2000, 1, 1), None, 1e-7),
        (None, 0.1 + 0.2, -179.99999),
    ]
    bodies = [
        copybinary.date(day) + copybinary.real(first) + copybinary.real(second)
        for day, first, second in values
    ]
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE binary_values (day date, a float8, b float8)")
        with cursor.copy("COPY binary_values (day, a, b) FROM STDIN (FORMAT binary)") as copy:
            copy.write(copybinary.data(bodies, 3, b""))
        cursor.execute("SELECT day, a, b FROM binary_values")
        rows = cursor.fetchall()

    assert set(rows) == set(values)


@pytest.mark.django_db
def test_new_households_are_stored_as_copied(crisis, make_member, org_a) -> None:
    """`CopiedHouseholds.create`: each household's id and label (any text), then the batch's
    crisis, organisation and time."""
    user = make_member(org_a, Role.VOLUNTEER)
    actor = Viewer(user.id, org_a.id, org_a.kind, Role.VOLUNTEER, False, "test")
    households = [(label, uuid.uuid4()) for label in ("H-1", "Шевченко\tх\\n 2", "")]
    with mock.patch.object(storage, "batch_time", return_value=AT):
        storage.CopiedHouseholds(actor, crisis_id=crisis.id).create(households)

    stored = Household.objects.values_list(
        "id", "label", "crisis_id", "registered_by_id", "created_at", "updated_at"
    )
    assert set(stored) == {
        (household_id, label, crisis.id, org_a.id, AT, AT) for label, household_id in households
    }
