"""The audit log is append-only in the database (core migration 0014): an UPDATE, DELETE or
TRUNCATE of its entries is refused on both databases, whatever issues it (the ORM, raw SQL),
except in the maintenance path (`audit_maintenance`), which `flush` uses and after which
`audit verify` still reports what was changed."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands import flush as django_flush
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from compatriot.core.audit import audit_maintenance, audit_record, audit_verify
from compatriot.core.models import AuditAction, AuditEntry, Organisation, Role
from compatriot.core.viewer import Viewer

REFUSED = r"core_auditentry is append-only \(ADR 0002\)"


@pytest.fixture
def entries(org_a: Organisation) -> list[AuditEntry]:
    actor = Viewer(None, org_a.id, org_a.kind, Role.ADMIN, False, "test")
    return [
        audit_record(actor, action=AuditAction.CREATE, object_type="thing", object_id=str(n))
        for n in range(3)
    ]


def _stored() -> list[tuple[int, str, str]]:
    return list(AuditEntry.objects.order_by("id").values_list("id", "object_id", "entry_hash"))


def _refused(change, operation: str) -> None:
    """`change` raises the triggers' error, naming the table and the operation; nothing changed."""
    before = _stored()
    with (
        pytest.raises(IntegrityError, match=f"{REFUSED}: {operation} refused"),
        transaction.atomic(),
    ):
        change()
    assert _stored() == before


def _save_changed(entry: AuditEntry) -> None:
    entry.object_id = "forged"
    entry.save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("_case", "change", "operation"),
    [
        ("save() of an entry", lambda e: _save_changed(e[1]), "UPDATE"),
        ("bulk update", lambda e: AuditEntry.objects.update(purpose="x"), "UPDATE"),
        ("the newest entry deleted", lambda e: e[-1].delete(), "DELETE"),
        ("every entry deleted", lambda e: AuditEntry.objects.all().delete(), "DELETE"),
    ],
)
def test_the_orm_cannot_change_or_delete_an_entry(_case, change, operation, entries) -> None:
    _refused(lambda: change(entries), operation)
    assert audit_verify().checked == len(entries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "operation"),
    [
        ("UPDATE core_auditentry SET details = '{}'", "UPDATE"),
        ("DELETE FROM core_auditentry WHERE id = (SELECT max(id) FROM core_auditentry)", "DELETE"),
        ("TRUNCATE core_auditentry", "TRUNCATE"),  # PostgreSQL's; SQLite has none
    ],
)
def test_sql_cannot_change_delete_or_truncate_entries(sql, operation, entries) -> None:
    if operation == "TRUNCATE" and connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (DELETE FROM runs the DELETE trigger)")

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    _refused(run, operation)


@pytest.mark.django_db
def test_appending_is_untouched(entries) -> None:
    assert [e.object_id for e in AuditEntry.objects.order_by("id")] == ["0", "1", "2"]
    assert audit_verify().is_intact


@pytest.mark.django_db
def test_the_maintenance_path_changes_entries_and_verify_reports_it(entries) -> None:
    with audit_maintenance():
        AuditEntry.objects.filter(id=entries[1].id).update(object_id="forged")
        AuditEntry.objects.filter(id=entries[2].id).delete()

    assert [e.object_id for e in AuditEntry.objects.order_by("id")] == ["0", "forged"]
    report = audit_verify()
    assert (report.first_broken_id, report.reason) == (
        entries[1].id,
        "content does not match its hash",
    )


@pytest.mark.django_db
def test_the_maintenance_flag_ends_with_its_block(entries) -> None:
    with transaction.atomic():  # in an enclosing transaction the flag ends with the block too
        with audit_maintenance():
            with audit_maintenance():  # nested: the outer block keeps it up
                pass
            AuditEntry.objects.filter(id=entries[0].id).update(purpose="maintained")
        _refused(lambda: AuditEntry.objects.update(purpose="after"), "UPDATE")

    def failing_maintenance() -> None:
        with audit_maintenance():
            AuditEntry.objects.filter(id=entries[1].id).update(purpose="rolled back")
            raise ZeroDivisionError  # any error in the block

    with pytest.raises(ZeroDivisionError):
        failing_maintenance()
    assert list(AuditEntry.objects.order_by("id").values_list("purpose", flat=True)) == [
        "maintained",
        "test",
        "test",
    ]
    _refused(lambda: AuditEntry.objects.update(purpose="after"), "UPDATE")


@pytest.mark.django_db(transaction=True)  # PostgreSQL truncates no table with pending FK checks
def test_flush_empties_the_audit_log_through_the_maintenance_path(entries) -> None:
    """Django's own flush is refused as a whole (the audit log's TRUNCATE or DELETE), so nothing
    is emptied; core's flush (TransactionTestCase's after each test) empties everything."""
    with pytest.raises(CommandError, match="couldn't be flushed"):
        call_command(django_flush.Command(), interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == len(entries)
    assert Organisation.objects.exists()

    call_command("flush", interactive=False, verbosity=0)

    assert not AuditEntry.objects.exists()
    assert not Organisation.objects.exists()
    audit_record(Viewer(None, None, None, None), action=AuditAction.READ, object_type="thing")
    _refused(lambda: AuditEntry.objects.all().delete(), "DELETE")  # the flag went with it


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_0014_goes_back_and_forward_again(entries) -> None:
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        _migrate([("core", "0013_audit_tail_by_index")])
        AuditEntry.objects.filter(id=entries[0].id).update(purpose="unguarded")
        assert AuditEntry.objects.get(id=entries[0].id).purpose == "unguarded"
    finally:
        _migrate(leaves)
    _refused(lambda: AuditEntry.objects.update(purpose="guarded"), "UPDATE")
