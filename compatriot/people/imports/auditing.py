"""Audit entries for a whole batch: one chain lock, one read of the last hash, one insert.

`compatriot.core.audit.audit_record` appends one entry per call (a lock, a read and an insert
each); an import of a million rows writes a million entries. Here the chain is extended in Python
with the same `entry_digest`, so `audit_verify` checks these entries like any other. Details hold
no personal values: how the change came ({"via": "import"}) and the row's line in the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from compatriot.core.audit import entry_digest, locked_chain_tail
from compatriot.core.models import AuditEntry
from compatriot.core.viewer import Viewer
from compatriot.people.imports.copytext import NULL as _COPY_NULL
from compatriot.people.imports.copytext import copy_escaped

_JSON = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":"), "default": str}


class AuditItem(NamedTuple):
    action: str
    object_type: str
    object_id: str
    line: int


class ChainedEntry(NamedTuple):
    """An audit entry's columns, hashed into the chain; `details` as its JSON text."""

    at: dt.datetime
    actor_user_id: int | None
    actor_organisation_id: str | None
    action: str
    object_type: str
    object_id: str
    purpose: str
    details: str
    previous_hash: str
    entry_hash: str


def details_of(item: AuditItem) -> dict[str, Any]:
    return {"via": "import", "line": item.line}


class _Digester:
    """`entry_digest` for entries that differ only in action, object, line and previous hash.

    `entry_digest` serialises a list with `json.dumps`; for these entries every part but the last
    four is the same, so the JSON is assembled from pre-serialised pieces (a quarter of the cost).
    The first entry of each batch is checked against `entry_digest` itself and any difference
    falls back to it: the chain is only ever what `audit_verify` recomputes.
    """

    def __init__(self, actor: Viewer, at: dt.datetime) -> None:
        self.actor = actor
        self.at = at
        self.organisation = str(actor.organisation_id) if actor.organisation_id else None
        self.purpose = actor.purpose[:100]
        self._heads: dict[tuple[str, str], str] = {}
        self._tail = "," + json.dumps(self.purpose, **_JSON) + ","  # type: ignore[arg-type]

    def _head(self, action: str, object_type: str) -> str:
        key = (action, object_type)
        if key not in self._heads:
            start = [
                self.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                self.actor.user_id,
                self.organisation,
                action,
                object_type,
            ]
            self._heads[key] = json.dumps(start, **_JSON)[:-1] + ","  # type: ignore[arg-type]
        return self._heads[key]

    def chain(self, items: Sequence[AuditItem], previous: str) -> list[ChainedEntry]:
        """Entries hashed onto `previous`. The loop runs once per imported person: heads looked
        up, entries made as tuples of their class, no call per entry but the hash's."""
        at, user, organisation, purpose = (
            self.at,
            self.actor.user_id,
            self.organisation,
            self.purpose,
        )
        tail = self._tail
        heads: dict[tuple[str, str], str] = {}
        sha256, make = hashlib.sha256, tuple.__new__
        entries: list[ChainedEntry] = []
        append = entries.append
        for action, object_type, object_id, line in items:
            head = heads.get((action, object_type))
            if head is None:
                head = heads[(action, object_type)] = self._head(action, object_type)
            details = f'{{"line":{int(line)},"via":"import"}}'
            payload = f'{head}"{object_id}"{tail}{details},"{previous}"]'
            digest = sha256(payload.encode("utf-8")).hexdigest()
            entry = (at, user, organisation, action, object_type, object_id, purpose, details)
            append(make(ChainedEntry, (*entry, previous, digest)))
            previous = digest
        return entries

    def copy_lines(self, items: Sequence[AuditItem], previous: str) -> list[str]:
        """`chain`'s entries as lines of COPY text in `COPY_COLUMNS` order, made in the same
        loop: no entry tuple, and no second pass over the entries to format them."""
        tail = self._tail
        kinds: dict[tuple[str, str], tuple[str, str]] = {}
        sha256 = hashlib.sha256
        middle = f"\t{copy_escaped(self.purpose)}\t"
        lines: list[str] = []
        append = lines.append
        for action, object_type, object_id, line in items:
            kind = kinds.get((action, object_type))
            if kind is None:
                kind = kinds[(action, object_type)] = self._kind(action, object_type)
            hashed, copied = kind
            details = f'{{"line":{int(line)},"via":"import"}}'  # nothing in it to escape
            payload = f'{hashed}"{object_id}"{tail}{details},"{previous}"]'
            digest = sha256(payload.encode("utf-8")).hexdigest()
            append(f"{copied}{object_id}{middle}{details}\t{previous}\t{digest}\n")
            previous = digest
        return lines

    def _kind(self, action: str, object_type: str) -> tuple[str, str]:
        """The start of an entry's hashed JSON, and of its COPY line (up to its object id)."""
        at = self.at.isoformat()
        user = _COPY_NULL if self.actor.user_id is None else str(self.actor.user_id)
        organisation = _COPY_NULL if self.organisation is None else self.organisation
        columns = (at, user, organisation, copy_escaped(action), copy_escaped(object_type))
        return self._head(action, object_type), "\t".join(columns) + "\t"

    def exact(self, item: AuditItem, previous: str) -> str:
        return entry_digest(
            at=self.at,
            actor_user_id=self.actor.user_id,
            actor_organisation_id=self.actor.organisation_id,
            action=item.action,
            object_type=item.object_type,
            object_id=item.object_id,
            purpose=self.purpose,
            details=details_of(item),
            previous_hash=previous,
        )


def chain_entries(
    actor: Viewer, *, items: Sequence[AuditItem], at: dt.datetime
) -> list[ChainedEntry]:
    """Lock the chain and hash `items` onto its end. Call inside the batch's transaction, last,
    and insert the result in order before committing (ids must ascend in chain order)."""
    first = locked_chain_tail()
    digester = _Digester(actor, at)
    entries = digester.chain(items, first)
    # The first entry is checked against `entry_digest` itself: the chain is only ever what
    # `audit_verify` recomputes.
    if entries and entries[0].entry_hash != digester.exact(items[0], first):
        return _chain_exactly(digester, items, at, first)
    return entries


# The columns of `chain_copy_text`'s lines.
COPY_COLUMNS = (
    "at", "actor_user_id", "actor_organisation_id", "action", "object_type", "object_id",
    "purpose", "details", "previous_hash", "entry_hash",
)  # fmt: skip


def chain_copy_text(actor: Viewer, *, items: Sequence[AuditItem], at: dt.datetime) -> str:
    """`chain_entries` as COPY text (format text) in `COPY_COLUMNS` order, for PostgreSQL."""
    first = locked_chain_tail()
    digester = _Digester(actor, at)
    # As in `chain_entries`: the first entry is checked against `entry_digest` itself.
    if items and digester.chain(items[:1], first)[0].entry_hash == digester.exact(items[0], first):
        return "".join(digester.copy_lines(items, first))
    return "".join(map(_copy_line, _chain_exactly(digester, items, at, first)))


def _copy_line(entry: ChainedEntry) -> str:
    return (
        "\t".join(
            (
                entry.at.isoformat(),
                _COPY_NULL if entry.actor_user_id is None else str(entry.actor_user_id),
                _COPY_NULL if entry.actor_organisation_id is None else entry.actor_organisation_id,
                *map(copy_escaped, entry[3:]),
            )
        )
        + "\n"
    )


def _details(item: AuditItem) -> str:
    return f'{{"line":{int(item.line)},"via":"import"}}'


def _chain_exactly(
    digester: _Digester, items: Sequence[AuditItem], at: dt.datetime, previous: str
) -> list[ChainedEntry]:
    """The chain by `entry_digest` itself, entry by entry (when the fast digest differs)."""
    entries: list[ChainedEntry] = []
    for item in items:
        digest = digester.exact(item, previous)
        entries.append(
            ChainedEntry(
                at,
                digester.actor.user_id,
                digester.organisation,
                item.action,
                item.object_type,
                item.object_id,
                digester.purpose,
                _details(item),
                previous,
                digest,
            )
        )
        previous = digest
    return entries


def save_entries(entries: Sequence[ChainedEntry]) -> None:
    """Insert chained entries with the ORM (any database), in chain order."""
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=entry.at,
                actor_user_id=entry.actor_user_id,
                actor_organisation_id=entry.actor_organisation_id,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                purpose=entry.purpose,
                details=json.loads(entry.details),
                previous_hash=entry.previous_hash,
                entry_hash=entry.entry_hash,
            )
            for entry in entries
        ],
        batch_size=2_000,
    )
