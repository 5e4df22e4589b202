"""Batches written on two PostgreSQL connections at once store what one connection stores, chain
the audit log in the order of the file, and stop cleanly when a batch fails."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import IntegrityError

from compatriot.core.audit import audit_verify
from compatriot.core.models import AuditEntry, Role
from compatriot.core.viewer import Viewer
from compatriot.people.imports import storage
from compatriot.people.imports.importer import import_rows
from compatriot.people.models import Household, Person
from compatriot.people.tests.test_import import GOOD, stored

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"),
        reason="several connections need a real PostgreSQL server",
    ),
    pytest.mark.django_db(transaction=True),
]

# Households of four consecutive rows, batches of three: every household spans two batches,
# created by the first while the second is written on the other connection.
ROWS = [
    {
        **GOOD,
        "source_record_id": f"c{index}",
        "given_name": f"Person {index}",
        "household_ref": f"H{index // 4}" if index % 8 < 4 else "",
        "relationship": ("head" if index % 4 == 0 else "child") if index % 8 < 4 else "",
        "phones": f"+38050123{index:04d}",
    }
    for index in range(40)
]


def actor(member: Any, organisation: Any) -> Viewer:
    return Viewer(member.id, organisation.id, organisation.kind, Role.VOLUNTEER, False, "test")


def import_entries(organisation: Any) -> list[tuple[str, str, int]]:
    """The import's audit entries of `organisation`, in chain order."""
    return [
        (entry.action, entry.object_type, entry.details["line"])
        for entry in AuditEntry.objects.filter(
            actor_organisation_id=organisation.id, details__via="import"
        ).order_by("id")
    ]


def test_two_connections_store_and_audit_what_one_does(crisis, org_a, org_b, make_member):
    two = actor(make_member(org_a, Role.VOLUNTEER), org_a)
    one = actor(make_member(org_b, Role.VOLUNTEER), org_b)

    report = import_rows(two, crisis_id=crisis.id, rows=ROWS, batch_size=3, connections=2)
    import_rows(one, crisis_id=crisis.id, rows=ROWS, batch_size=3, connections=1)

    assert report.summary == "created 40, updated 0, unchanged 0, rejected 0"
    assert stored(org_a) == stored(org_b)
    assert Household.objects.filter(registered_by=org_a).count() == 5
    assert import_entries(org_a) == import_entries(org_b)
    assert [line for _, kind, line in import_entries(org_a) if kind == "person"] == list(
        range(2, 42)
    )
    assert audit_verify().is_intact

    again = import_rows(two, crisis_id=crisis.id, rows=ROWS, batch_size=3, connections=2)

    assert again.summary == "created 0, updated 0, unchanged 40, rejected 0"
    assert len(import_entries(org_a)) == 45


def test_a_failed_batch_keeps_the_batches_before_and_none_after(
    monkeypatch, crisis, org_a, make_member
):
    write = storage.PostgresStorage.write_prepared

    def failing(self, prepared, number, turns):
        if number == 2:
            raise IntegrityError("registered by someone else meanwhile")
        return write(self, prepared, number, turns)

    monkeypatch.setattr(storage.PostgresStorage, "write_prepared", failing)
    importer = actor(make_member(org_a, Role.VOLUNTEER), org_a)

    with pytest.raises(IntegrityError):
        import_rows(importer, crisis_id=crisis.id, rows=ROWS, batch_size=3, connections=2)

    assert sorted(Person.objects.values_list("source_record_id", flat=True)) == ["c0", "c1", "c2"]
    assert audit_verify().is_intact
    monkeypatch.undo()

    finished = import_rows(importer, crisis_id=crisis.id, rows=ROWS, batch_size=3, connections=2)

    assert finished.summary == "created 37, updated 0, unchanged 3, rejected 0"
    assert Household.objects.filter(registered_by=org_a).count() == 5
    assert audit_verify().is_intact
