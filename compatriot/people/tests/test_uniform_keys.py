"""On PostgreSQL, a statement of many consents or persons finds the keys all its rows share
(recorder, organisation, withdrawing user; registering organisation and user) with one pass over
the rows and leaves them out of the per-set checks (people migration 0015): the first rows' loop
(migration 0008), which runs first, has already looked the shared value up in the first row and
locked its parent. These tests hold that together: a missing parent, shared by every row or
carried by one, is still refused as before for every way a consent or a person is written, with
the same errors both ways of 0015, and a shared key's parent is still locked."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from compatriot.people.models import Consent, Person
from compatriot.people.tests.test_foreign_keys import connect, new_person, refused, sql
from compatriot.people.tests.test_person_checks import _migrate

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"),
        reason="the triggers are PostgreSQL's; SQLite keeps Django's constraints",
    ),
]

NOBODY = 2_000_000_000
COLUMNS = (
    "id, person_id, scope, partner_kinds, method, given_at, recorded_by_id,"
    " recorded_by_organisation_id, withdrawn_by_id"
)


def insert(persons: list[Any], recorders: list[Any], organisations: list[Any], withdrawers=None):
    """One INSERT of a consent per person, with the given keys (one list element per row)."""
    withdrawers = withdrawers or [None] * len(persons)
    return sql(
        f"INSERT INTO people_consent ({COLUMNS}) SELECT gen_random_uuid(), p, 'registration',"  # noqa: S608
        " '[]', 'verbal', now(), r, o, w FROM unnest(%s::uuid[], %s::int[], %s::uuid[],"
        " %s::int[]) AS t(p, r, o, w)",
        [persons, recorders, organisations, withdrawers],
    )


def copy(rows: list[tuple[Any, ...]]) -> Callable[[], None]:
    """The import's way: COPY of the consents' rows."""
    text = "".join(
        "\t".join(r"\N" if value is None else str(value) for value in row) + "\n" for row in rows
    )

    def run() -> None:
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY people_consent ({COLUMNS}) FROM STDIN") as copying,
        ):
            copying.write(text)

    return run


def _refusals(crisis, org_a, user) -> list[str]:
    """A missing key of each kind, shared by every row of a statement of many (refused by the
    first rows' loop) or carried by one row of them (by the per-set check); returns the errors'
    messages (with their details)."""
    persons = [new_person(crisis, org_a).id for _ in range(20)]
    n = len(persons)
    nowhere = uuid.UUID(int=7)
    messages = []
    for column, recorders, organisations, withdrawers in (
        ("recorded_by_id", [NOBODY] * n, [org_a.id] * n, None),
        ("recorded_by_id", [user.id] * (n - 1) + [NOBODY], [org_a.id] * n, None),
        ("recorded_by_organisation_id", [user.id] * n, [nowhere] * n, None),
        ("recorded_by_organisation_id", [user.id] * n, [org_a.id] * (n - 1) + [nowhere], None),
        ("withdrawn_by_id", [None] * n, [None] * n, [NOBODY] * n),
        ("withdrawn_by_id", [user.id] * n, [org_a.id] * n, [None] * (n - 1) + [NOBODY]),
    ):
        messages.append(
            refused(insert(persons, recorders, organisations, withdrawers), naming=column)
        )
    rows = [
        (
            uuid.uuid4(),
            person,
            "registration",
            "[]",
            "verbal",
            "2026-01-01Z",
            NOBODY,
            org_a.id,
            None,
        )
        for person in persons
    ]
    messages.append(refused(copy(rows), naming="recorded_by_id"))
    # The message and its detail; the context names the function's line.
    return [message.split("\nCONTEXT:")[0] for message in messages]


@pytest.mark.django_db
def test_a_missing_shared_or_single_key_is_refused_by_every_writer(crisis, org_a, make_member):
    user = make_member(org_a, "volunteer")
    messages = _refusals(crisis, org_a, user)
    assert all(str(NOBODY) in m or str(uuid.UUID(int=7)) in m for m in messages), messages
    person = new_person(crisis, org_a)
    # The ORM: many rows (bulk_create) and one (save), then an UPDATE.
    many = [
        Consent(
            person=person,
            scope="registration",
            method="verbal",
            given_at="2026-01-01T00:00Z",
            recorded_by_id=NOBODY,
        )
        for _ in range(20)
    ]
    refused(lambda: Consent.objects.bulk_create(many), naming="recorded_by_id")
    refused(lambda: many[0].save(), naming="recorded_by_id")
    # Valid rows, shared keys and NULLs alike, go in.
    persons = [new_person(crisis, org_a).id for _ in range(20)]
    insert(persons, [user.id] * 20, [org_a.id] * 20)()
    insert(persons, [None] * 20, [org_a.id] * 10 + [None] * 10, [user.id] * 20)()
    assert Consent.objects.count() == 40
    refused(
        lambda: Consent.objects.filter(person_id=persons[0]).update(recorded_by_id=NOBODY),
        naming="recorded_by_id",
    )


@pytest.mark.django_db(transaction=True)
def test_a_shared_key_s_parent_is_locked(crisis, org_a, make_member) -> None:
    """The lock is the first rows' loop's (migration 0008, on the first row): 0015 takes none."""
    user = make_member(org_a, "volunteer")
    persons = [new_person(crisis, org_a).id for _ in range(20)]
    with connect() as inserting, connect() as other:
        inserting.execute(
            f"INSERT INTO people_consent ({COLUMNS}) SELECT gen_random_uuid(), p,"  # noqa: S608
            " 'registration', '[]', 'verbal', now(), %s, %s, NULL FROM unnest(%s::uuid[]) p",
            [user.id, org_a.id, persons],
        )
        for table, key in (("auth_user", user.id), ("core_organisation", org_a.id)):
            locking = f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT"  # noqa: S608
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(locking, [key])
            other.rollback()
        inserting.rollback()


_SOURCE = "SELECT prosrc, proconfig FROM pg_proc WHERE proname = %s"


def _function(name: str = "people_consent_fk_inserted") -> tuple[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(_SOURCE, [name])
        return cursor.fetchone()


def _one_passes() -> list[tuple[bool, list[str]]]:
    """Whether each insert function checks its shared keys in one pass, and its settings."""
    return [
        ("same_" in source, config)
        for source, config in (
            _function("people_consent_fk_inserted"),
            _function("people_person_fk_inserted"),
        )
    ]


@pytest.mark.django_db(transaction=True)
def test_0015_both_ways_same_errors(crisis, org_a, make_member) -> None:
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    user = make_member(org_a, "volunteer")
    assert _one_passes() == [(True, ["enable_seqscan=off"])] * 2
    # A shared value is looked up and locked by the first rows' loop only: no probe of its own.
    for name in ("people_consent_fk_inserted", "people_person_fk_inserted"):
        assert "= one_" not in _function(name)[0]
    now = _refusals(crisis, org_a, user)
    try:
        _migrate([("people", "0014_person_checks_per_statement")])
        assert _one_passes() == [(False, ["enable_seqscan=off"])] * 2
        assert _refusals(crisis, org_a, user) == now
    finally:
        _migrate(leaves)
    assert _one_passes() == [(True, ["enable_seqscan=off"])] * 2


def _person(crisis, organisation_id, user_id, n: int) -> Person:
    return Person(
        crisis=crisis,
        registered_by_id=organisation_id,
        registered_by_user_id=user_id,
        source="hotline",
        journey_stage="in_transit",
        category="worker",
        source_record_id=f"u{n}",
    )


@pytest.mark.django_db
def test_a_persons_missing_shared_or_single_key_is_refused(crisis, org_a, make_member) -> None:
    user = make_member(org_a, "volunteer")
    nowhere = uuid.UUID(int=7)
    for column, organisations, users in (
        ("registered_by_user_id", [org_a.id] * 20, [NOBODY] * 20),
        ("registered_by_user_id", [org_a.id] * 20, [user.id] * 19 + [NOBODY]),
        ("registered_by_id", [nowhere] * 20, [user.id] * 20),
        ("registered_by_id", [org_a.id] * 19 + [nowhere], [None] * 20),
    ):
        persons = [
            _person(crisis, organisation, person_user, n)
            for n, (organisation, person_user) in enumerate(zip(organisations, users, strict=True))
        ]
        message = refused(partial(Person.objects.bulk_create, persons), naming=column)
        assert str(NOBODY) in message or str(nowhere) in message
    # Shared keys and NULL users alike go in.
    Person.objects.bulk_create([_person(crisis, org_a.id, user.id, n) for n in range(20)])
    Person.objects.bulk_create([_person(crisis, org_a.id, None, n) for n in range(20, 40)])
    assert Person.objects.count() == 40
