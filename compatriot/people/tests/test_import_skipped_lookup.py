"""An organisation's first import on PostgreSQL does not look up its stored persons (it has
none), yet a person the API registers with one of the file's source record ids while the import
runs is updated, or rejected as another crisis's, exactly as a looked-up one: its batch is
written again with the look-up. Both ways of writing batches: one connection, and two."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from compatriot.core.audit import audit_verify
from compatriot.core.models import Crisis, Role
from compatriot.core.viewer import Viewer
from compatriot.people import services
from compatriot.people.imports import storage
from compatriot.people.imports.batches import OTHER_CRISIS
from compatriot.people.imports.importer import ImportReport, import_rows
from compatriot.people.models import Person
from compatriot.people.schemas import PersonIn
from compatriot.people.tests.test_import import stored
from compatriot.people.tests.test_import_concurrent import ROWS, actor, import_entries

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"),
        reason="the COPY storage and other connections need a real PostgreSQL server",
    ),
    pytest.mark.django_db(transaction=True),
]

CONNECTIONS = pytest.mark.parametrize("connections", [1, 2], ids=["one connection", "two"])
BATCHES = 14  # ROWS (40) in batches of 3


@pytest.fixture
def look_ups(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The source record ids of each look-up of stored persons, as they happen."""
    calls: list[list[str]] = []
    existing = storage.PostgresStorage._existing

    def counted(self: storage.PostgresStorage, keys: Any) -> Any:
        calls.append([key.source_record_id for key in keys])
        return existing(self, keys)

    monkeypatch.setattr(storage.PostgresStorage, "_existing", counted)
    return calls


def import_as(crisis: Any, organisation: Any, make_member: Any, connections: int) -> ImportReport:
    """ROWS imported by a new member of `organisation`, in batches of 3."""
    importer = actor(make_member(organisation, Role.VOLUNTEER), organisation)
    return import_rows(
        importer, crisis_id=crisis.id, rows=ROWS, batch_size=3, connections=connections
    )


def looked_up_way(
    crisis: Any, organisation: Any, make_member: Any, payload: dict[str, Any], connections: int
) -> ImportReport:
    """What the look-up makes of it: the API registers the person before the import begins."""
    api_register(make_member(organisation, Role.CASEWORKER), organisation, payload)
    return import_as(crisis, organisation, make_member, connections)


def api_register(member: Any, organisation: Any, payload: dict[str, Any]) -> Person:
    """Register a person through the API's service, as a caseworker of `organisation`."""
    viewer = Viewer(member.id, organisation.id, organisation.kind, Role.CASEWORKER, False)
    return services.person_register(viewer, data=PersonIn.model_validate(payload))


def registered_meanwhile(
    monkeypatch: pytest.MonkeyPatch, batch: int, register: Callable[[], Person]
) -> list[Person]:
    """Have `register` commit a person on another connection just before batch `batch` is
    prepared (after the import's start, so after its decision to look up or not)."""
    prepare = storage.PostgresStorage.prepare
    prepared = 0
    registered: list[Person] = []

    def commit_first(self: storage.PostgresStorage, *args: Any, **kwargs: Any) -> Any:
        nonlocal prepared
        prepared += 1
        if prepared == batch:
            thread = threading.Thread(target=lambda: _on_own_connection(register, registered))
            thread.start()
            thread.join()
            assert registered, "the API's registration failed"
        return prepare(self, *args, **kwargs)

    monkeypatch.setattr(storage.PostgresStorage, "prepare", commit_first)
    return registered


def _on_own_connection(register: Callable[[], Person], registered: list[Person]) -> None:
    try:
        registered.append(register())
    finally:
        connection.close()


@CONNECTIONS
def test_a_first_import_does_not_look_up_and_a_reimport_does(
    connections, crisis, org_a, make_member, look_ups
):
    importer = actor(make_member(org_a, Role.VOLUNTEER), org_a)

    first = import_rows(
        importer, crisis_id=crisis.id, rows=ROWS, batch_size=3, connections=connections
    )

    assert first.summary == "created 40, updated 0, unchanged 0, rejected 0"
    assert look_ups == []

    again = import_rows(
        importer, crisis_id=crisis.id, rows=ROWS, batch_size=3, connections=connections
    )

    assert again.summary == "created 0, updated 0, unchanged 40, rejected 0"
    assert len(look_ups) == BATCHES
    assert audit_verify().is_intact


def test_a_person_registered_without_a_source_record_id_is_no_reason_to_look_up(
    crisis, org_a, make_member, person_payload, look_ups
):
    api_register(make_member(org_a, Role.CASEWORKER), org_a, person_payload())

    report = import_rows(
        actor(make_member(org_a, Role.VOLUNTEER), org_a),
        crisis_id=crisis.id, rows=ROWS, batch_size=3, connections=2,
    )  # fmt: skip

    assert report.summary == "created 40, updated 0, unchanged 0, rejected 0"
    assert look_ups == []


@CONNECTIONS
def test_a_person_the_api_registers_meanwhile_is_updated_as_a_looked_up_one(
    connections, monkeypatch, crisis, org_a, org_b, make_member, person_payload, look_ups
):
    """c9 joins household H2, which the batch before it creates: the batch written again
    keeps its households and its turn."""
    payload = person_payload(source_record_id="c9", phones=["+380 50 765 0009"])
    expected = looked_up_way(crisis, org_b, make_member, payload, connections)
    member = make_member(org_a, Role.CASEWORKER)
    registered = registered_meanwhile(monkeypatch, 4, lambda: api_register(member, org_a, payload))
    look_ups.clear()

    report = import_as(crisis, org_a, make_member, connections)

    assert report.summary == expected.summary == "created 39, updated 1, unchanged 0, rejected 0"
    assert look_ups[0] == ["c9", "c10", "c11"]  # batch 4 written again; none before it
    person = Person.objects.get(registered_by=org_a, source_record_id="c9")
    assert person.id == registered[0].id
    assert (person.given_name, person.household.label) == ("Person 9", "H2")
    assert stored(org_a) == stored(org_b)
    assert import_entries(org_a) == import_entries(org_b)
    assert audit_verify().is_intact

    again = import_as(crisis, org_a, make_member, connections)

    assert again.summary == "created 0, updated 0, unchanged 40, rejected 0"


@CONNECTIONS
def test_a_person_the_api_registers_meanwhile_for_another_crisis_is_rejected(
    connections, monkeypatch, crisis, org_a, org_b, make_member, person_payload
):
    other = Crisis.objects.create(
        name="Other crisis", kind="disaster", started_on=dt.date(2023, 2, 6)
    )
    payload = person_payload(
        crisis_id=str(other.id), source_record_id="c4", phones=["+380 50 765 0004"]
    )
    expected = looked_up_way(crisis, org_b, make_member, payload, connections)
    member = make_member(org_a, Role.CASEWORKER)
    registered_meanwhile(monkeypatch, 2, lambda: api_register(member, org_a, payload))

    report = import_as(crisis, org_a, make_member, connections)

    assert report.summary == expected.summary == "created 39, updated 0, unchanged 0, rejected 1"
    assert [(r.line, r.field, r.message) for r in report.rejected] == [
        (6, "source_record_id", OTHER_CRISIS)
    ]
    assert Person.objects.get(registered_by=org_a, source_record_id="c4").crisis_id == other.id
    assert stored(org_a) == stored(org_b)
    assert import_entries(org_a) == import_entries(org_b)
    assert audit_verify().is_intact
