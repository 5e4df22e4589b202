"""The hash-chained audit log: append and verify.

Each entry's hash covers its content and the previous entry's hash, so editing or deleting any
entry breaks every link after it. Appends are serialised (a PostgreSQL advisory lock; SQLite
already serialises write transactions) and happen last in the caller's transaction. On PostgreSQL
one statement takes the lock, reads the last hash and inserts the entry, so the lock is held for
that one round trip and the commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DataError, connection, connections, transaction
from django.utils import timezone

from compatriot.core.models import AuditAction, AuditEntry
from compatriot.core.statements import fixed_statement, insert_keyed_row, scalar_calls
from compatriot.core.viewer import Viewer

GENESIS_HASH = "0" * 64
AUDIT_LOCK_KEY = 7_414_226_131  # arbitrary constant naming the audit-chain advisory lock


_JSON: dict[str, Any] = {
    "sort_keys": True,
    "ensure_ascii": False,
    "separators": (",", ":"),
    "default": str,
}
# One encoder for every digest: json.dumps(**_JSON) builds a new one per call (the same text).
_ENCODER = json.JSONEncoder(**_JSON)


def entry_digest(
    *,
    at: datetime,
    actor_user_id: int | None,
    actor_organisation_id: object,
    action: str,
    object_type: str,
    object_id: str,
    purpose: str,
    details: dict[str, Any],
    previous_hash: str,
) -> str:
    values = (at, actor_user_id, actor_organisation_id, action, object_type, object_id, purpose)
    payload = _payload((*values, details), previous_hash)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# at, actor_user_id, actor_organisation_id, action, object_type, object_id, purpose, details
_EntryValues = tuple[datetime, int | None, Any, str, str, str, str, dict[str, Any]]


def _payload(values: _EntryValues, previous_hash: str) -> str:
    """The JSON text an entry's hash covers: its values, then the previous entry's hash."""
    at, user_id, organisation_id, action, object_type, object_id, purpose, details = values
    return _ENCODER.encode(
        [
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            user_id,
            str(organisation_id) if organisation_id else None,
            action,
            object_type,
            object_id,
            purpose,
            details,
            previous_hash,
        ]
    )


def _digest_of(entry: AuditEntry) -> str:
    """`entry_digest` of an entry's own values and previous hash."""
    return entry_digest(
        at=entry.at,
        actor_user_id=entry.actor_user_id,
        actor_organisation_id=entry.actor_organisation_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        purpose=entry.purpose,
        details=entry.details,
        previous_hash=entry.previous_hash,
    )


def _digest_prefix(values: _EntryValues) -> str:
    """`entry_digest`'s JSON up to the previous hash: `[..., details,`. The database appends the
    previous hash as a JSON string and `]`, and hashes the UTF-8 bytes (migration core 0004)."""
    return _payload(values, "")[: -len('""]')]


_DETAILS = AuditEntry._meta.get_field("details")


def _append_sql(details: str, call: str = "* FROM compatriot_audit_append") -> str:
    # The lock's key is a constant: written into the text rather than bound on every append.
    # No casts: the function's one signature types its arguments (a client-bound text literal
    # or NULL takes its parameter's type, psycopg casts uuid, timestamptz and jsonb values
    # itself, and server-bound values convert as well); each cast cost the backend a look-up of
    # the type's name on every write (docs/benchmarks.md, branch apifn).
    return f"SELECT {call}({AUDIT_LOCK_KEY}, %s, %s, %s, %s, %s, %s, %s, {details}, %s)"


_APPEND = _append_sql(details="%s")
# The write path's entries have no details: psycopg's literal of them (`Jsonb({})`), written
# once instead of bound on every write (~5 µs); the text sent is the same. The write path wants
# nothing back: the scalar function that `compatriot_audit_append` calls (core migration 0012),
# in the select list, returns the entry's id (no function scan nor RETURN QUERY: ~-47,000 of
# the backend's instructions per write, docs/benchmarks.md, branch apipg, 7 December evening).
_APPEND_WITHOUT_DETAILS = _append_sql(details="'{}'::jsonb", call="compatriot_audit_entry")
scalar_calls("compatriot_audit_entry")  # returns the id only; not compatriot_audit_append (a table)


def append_statement(entry: AuditEntry) -> tuple[str, list[Any]]:
    """PostgreSQL: the one statement that locks the chain, reads the last hash and inserts
    `entry`, returning (id, previous_hash, entry_hash) for `appended`. It must run last in its
    transaction, as `audit_record` does."""
    return _append_statement(
        (
            entry.at,
            entry.actor_user_id,
            entry.actor_organisation_id,
            str(entry.action),  # the value, whatever the driver makes of an enum
            entry.object_type,
            entry.object_id,
            entry.purpose,
            entry.details,
        )
    )


def entry_append_statement(
    actor: Viewer, *, action: AuditAction, object_type: str, object_id: object = ""
) -> tuple[str, list[Any]]:
    """`append_statement(audit_entry(...))` with no details, for a caller that needs only the
    statement (the API's one-round-trip write): the same values, without building the model
    instance, whose `Model.__init__` costs about as much as the statement itself; the same
    append by `compatriot_audit_entry`, which returns the entry's id only."""
    values = _entry_values(actor, action, object_type, object_id, {})
    return _APPEND_WITHOUT_DETAILS, [*values[:-1], _digest_prefix(values)]


def _append_statement(values: _EntryValues) -> tuple[str, list[Any]]:
    return _APPEND, [
        *values[:-1],
        _DETAILS.get_db_prep_save(values[-1], connection),
        _digest_prefix(values),
    ]


def appended(entry: AuditEntry, row: tuple[int, str, str]) -> None:
    """Fill in what the append statement returned: the id and both hashes."""
    entry.id, entry.previous_hash, entry.entry_hash = row
    entry._state.adding = False
    entry._state.db = connection.alias


def _append_postgresql(entry: AuditEntry) -> None:
    """Lock, read the last hash and insert in one statement; fills in id and both hashes."""
    with fixed_statement(*append_statement(entry)) as cursor:
        appended(entry, cursor.fetchone())


def locked_chain_tail() -> str:
    """Take the chain's lock for the rest of the transaction and return the last entry's hash.

    On PostgreSQL both happen in one round trip (the function `compatriot_audit_tail`, created
    by migration core 0003), in that order, while the lock serialises appends across processes.
    SQLite serialises writers with `BEGIN IMMEDIATE` already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT compatriot_audit_tail(%s)", [AUDIT_LOCK_KEY])
            row = cursor.fetchone()
        return (row[0] if row else None) or GENESIS_HASH
    with fixed_statement(_TAIL_SQL, ()) as cursor:  # the ORM's query, not compiled each time
        row = cursor.fetchone()
    return (row[0] if row else None) or GENESIS_HASH


# What `AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()` sends.
_TAIL_SQL = (
    'SELECT "core_auditentry"."entry_hash" AS "entry_hash" FROM "core_auditentry" '
    'ORDER BY "core_auditentry"."id" DESC LIMIT 1'
)


def _entry_values(
    actor: Viewer, action: AuditAction, object_type: str, object_id: object, details: dict[str, Any]
) -> _EntryValues:
    """An entry's content in the order of its digest (and of the append statement)."""
    return (
        timezone.now(),
        actor.user_id,
        actor.organisation_id,
        str(action),  # the value, whatever the driver makes of an enum
        object_type,
        str(object_id or ""),
        actor.purpose[:100],
        details,
    )


def audit_entry(
    actor: Viewer,
    *,
    action: AuditAction,
    object_type: str,
    object_id: object = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """The entry `audit_record` appends, not yet chained nor saved."""
    values = _entry_values(actor, action, object_type, object_id, details or {})
    at, user_id, organisation_id, action_value, object_type, object_id, purpose, details = values
    return AuditEntry(
        at=at,
        actor_user_id=user_id,
        actor_organisation_id=organisation_id,
        action=action_value,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        details=details,
    )


def audit_record(
    actor: Viewer,
    *,
    action: AuditAction,
    object_type: str,
    object_id: object = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Call it last inside the transaction of the change it records."""
    # No savepoint: an entry never fails alone, and a savepoint costs two round trips while the
    # chain lock is held. A failure rolls back the caller's whole transaction, as it should.
    entry = audit_entry(
        actor, action=action, object_type=object_type, object_id=object_id, details=details
    )
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            _append_postgresql(entry)
            return entry
        entry.previous_hash = locked_chain_tail()
        entry.entry_hash = _digest_of(entry)
        insert_keyed_row(entry)  # save(force_insert=True)'s INSERT, built once
        return entry


# The flag the append-only triggers (core migration 0014) let changes through under: PostgreSQL,
# a transaction-local setting; SQLite, whose triggers read no TEMP table nor setting, a row
# that lives only inside the maintenance transaction (one writer at a time: no one else sees it).
# Per vendor: whether it is up, raise it, lower it.
_MAINTENANCE = {
    "postgresql": (
        "SELECT current_setting('compatriot.audit_maintenance', true) = 'on'",
        "SELECT set_config('compatriot.audit_maintenance', 'on', true)",
        "SELECT set_config('compatriot.audit_maintenance', 'off', true)",
    ),
    "sqlite": (
        "SELECT EXISTS (SELECT 1 FROM compatriot_audit_maintenance)",
        "INSERT INTO compatriot_audit_maintenance (only_row) VALUES (1)",
        "DELETE FROM compatriot_audit_maintenance",
    ),
}


@contextmanager
def audit_maintenance(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """The one way to update or delete audit entries, which the triggers of core migration 0014
    refuse otherwise: `flush`, a future retention or erasure job, tests that tamper with the
    chain on purpose. Runs in a transaction (a savepoint inside one); the flag is lowered on
    the way out (left up when an enclosing block raised it), and an error rolls it back with
    the rest. A changed or deleted entry still breaks the chain, and verify reports it."""
    connection = connections[using]
    is_up, up, down = _MAINTENANCE.get(connection.vendor, ("", "", ""))
    with transaction.atomic(using=using):
        if not is_up:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(is_up)
            raised = not cursor.fetchone()[0]
            if raised:
                cursor.execute(up)
        yield
        if raised:
            with connection.cursor() as cursor:
                cursor.execute(down)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str
    # The last entry checked, as (id, entry_hash): the chain's head when intact, which an
    # operator keeps elsewhere and gives back as `expect_head`: deleting the newest entries
    # leaves a shorter chain that is intact on its own.
    head: tuple[int, str] = (0, GENESIS_HASH)

    @property
    def is_intact(self) -> bool:
        return self.first_broken_id is None


# What reading or hashing a tampered row may raise: SQLite keeps any value in any column (a text
# where a time or a UUID is expected), PostgreSQL a time Python cannot hold ('infinity', year
# 10000), which the driver refuses as it reads the row. Such an entry is a broken link.
_UNREADABLE = (AttributeError, TypeError, ValueError, OverflowError, DataError)
_UNREADABLE_REASON = "cannot be read as an entry (a value of the wrong type)"


def _entries(batch_size: int) -> Iterator[AuditEntry | int]:
    """The entries in id order; where one cannot be read, its id, and nothing after it."""
    last_id = 0
    while True:
        after = AuditEntry.objects.filter(id__gt=last_id).order_by("id")
        try:
            batch = list(after[:batch_size])
        except _UNREADABLE:
            # One at a time, to name the entry at fault (ids always read: an integer key).
            batch = []
            for entry_id in after.values_list("id", flat=True)[:batch_size]:
                try:
                    batch.append(AuditEntry.objects.get(id=entry_id))
                except _UNREADABLE:
                    yield from batch
                    yield entry_id
                    return
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def audit_verify(
    *, batch_size: int = 5000, progress: Any = None, expect_head: tuple[int, str] | None = None
) -> ChainReport:
    """Walk the chain in order and report the first entry whose link or content does not hold,
    or that cannot be read. With `expect_head` (an earlier report's `head`), the chain must
    also still hold that entry with that hash."""
    expected_previous = GENESIS_HASH
    checked = 0
    head = (0, GENESIS_HASH)
    for entry in _entries(batch_size):
        if isinstance(entry, int):
            return ChainReport(checked, entry, _UNREADABLE_REASON, head)
        if entry.previous_hash != expected_previous:
            return ChainReport(
                checked, entry.id, "previous_hash does not match the entry before", head
            )
        try:
            recomputed = _digest_of(entry)
        except _UNREADABLE:
            return ChainReport(checked, entry.id, _UNREADABLE_REASON, head)
        if recomputed != entry.entry_hash:
            return ChainReport(checked, entry.id, "content does not match its hash", head)
        if (
            expect_head is not None
            and entry.id >= expect_head[0] > head[0]  # the first entry at or past its id
            and (entry.id, entry.entry_hash) != expect_head
        ):
            return ChainReport(checked, expect_head[0], _not_the_head(expect_head, entry), head)
        expected_previous = entry.entry_hash
        head = (entry.id, entry.entry_hash)
        checked += 1
        if progress is not None:
            progress.update(1)
    if expect_head is not None and head[0] < expect_head[0]:
        return ChainReport(
            checked,
            expect_head[0],
            f"the expected head is missing: the chain ends at entry #{head[0]} "
            "(the newest entries were deleted)",
            head,
        )
    return ChainReport(checked, None, "intact", head)


def _not_the_head(expect_head: tuple[int, str], entry: AuditEntry) -> str:
    if entry.id != expect_head[0]:
        return f"the expected head is missing: the chain goes from before it to entry #{entry.id}"
    return "is not the expected head: its hash differs (the chain was rewritten up to it)"
