"""`audit verify` against a tampered table: a value of the wrong type is a broken link at its
entry (never a traceback), and the chain's head, kept elsewhere, finds the newest entries
deleted, which the chain alone cannot."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from compatriot.core.audit import audit_maintenance, audit_record, audit_verify
from compatriot.core.models import AuditAction, AuditEntry, Role
from compatriot.core.viewer import Viewer


def tamper(sql: str, params: tuple[Any, ...] = ()) -> None:
    """Change the audit table behind the application's back, in raw SQL, as whoever holds the
    database's credentials could. (Where triggers refuse UPDATE and DELETE of entries, this is
    the one place to step past them: the triggers' maintenance path.)"""
    with audit_maintenance(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def entries(org_a: Any) -> list[AuditEntry]:
    actor = Viewer(None, org_a.id, org_a.kind, Role.ADMIN, False, "test")
    return [
        audit_record(actor, action=AuditAction.CREATE, object_type="thing", object_id=str(n))
        for n in range(5)
    ]


def _verify(*arguments: str) -> str:
    out = io.StringIO()
    call_command("audit_verify", *arguments, stdout=out)
    return out.getvalue()


# Per database, values its column types let in that are no entry's: SQLite keeps any value in any
# column; PostgreSQL keeps times that Python's datetime cannot hold.
UNREADABLE = {
    "sqlite": [("at", "garbage"), ("actor_organisation_id", "zz"), ("at", "2026-13-45 99:00")],
    "postgresql": [("at", "infinity"), ("at", "20000-01-01 00:00:00+00")],
}


@pytest.mark.parametrize("case", range(3))
def test_an_entry_that_cannot_be_read_is_a_broken_link_not_a_traceback(entries, case) -> None:
    cases = UNREADABLE[connection.vendor]
    if case >= len(cases):
        pytest.skip(f"{connection.vendor} has fewer such values")
    column, value = cases[case]
    statement = f"UPDATE core_auditentry SET {column} = %s WHERE id = %s"  # noqa: S608  ours
    tamper(statement, (value, entries[3].id))

    report = audit_verify(batch_size=2)  # the second of its batch: the first is still checked
    whole = audit_verify()

    assert (report.first_broken_id, report.checked) == (entries[3].id, 3)
    assert report.head == (entries[2].id, entries[2].entry_hash)
    assert report.reason == "cannot be read as an entry (a value of the wrong type)"
    assert whole == report
    with pytest.raises(CommandError, match=f"broken at entry #{entries[3].id}: cannot be read"):
        _verify()


def test_the_head_printed_finds_the_newest_entries_deleted(entries, org_a) -> None:
    out = _verify()
    head = re.fullmatch(r"audit chain intact: 5 entries\nhead (\d+:[0-9a-f]{64})\n", out)
    assert head is not None, out
    assert head[1] == f"{entries[-1].id}:{entries[-1].entry_hash}"
    assert "still holds the expected" in _verify("--expect-head", head[1])

    tamper("DELETE FROM core_auditentry WHERE id >= %s", (entries[3].id,))

    # The shorter chain is intact on its own: only the head kept elsewhere tells.
    assert _verify().startswith("audit chain intact: 3 entries\n")
    with pytest.raises(CommandError, match=f"broken at entry #{entries[-1].id}: the expected head"):
        _verify("--expect-head", head[1])

    # New entries after the deletion: the chain passes the expected head's id without it.
    actor = Viewer(None, org_a.id, org_a.kind, Role.ADMIN, False, "test")
    audit_record(actor, action=AuditAction.CREATE, object_type="thing", object_id="later")
    audit_record(actor, action=AuditAction.CREATE, object_type="thing", object_id="later")
    assert audit_verify().is_intact
    report = audit_verify(expect_head=(entries[-1].id, entries[-1].entry_hash))
    assert report.first_broken_id == entries[-1].id
    assert report.reason.startswith("the expected head is missing")


def test_a_head_whose_hash_differs_is_refused(entries) -> None:
    head_id = entries[-1].id

    with pytest.raises(CommandError, match=f"#{head_id}: is not the expected head"):
        _verify("--expect-head", f"{head_id}:{'0' * 64}")
    with pytest.raises(CommandError, match="--expect-head: give ID:HASH"):
        _verify("--expect-head", f"{head_id}")
