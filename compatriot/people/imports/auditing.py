"""Audit entries for a whole batch: one chain lock, one read of the last hash, one insert.

`compatriot.core.audit.audit_record` appends one entry per call (a lock, a read and an insert
each); an import of a million rows writes a million entries. Here the chain is extended in Python
with the same `entry_digest`, so `audit_verify` checks these entries like any other. Details hold
no personal values: how the change came ({"via": "import"}) and the row's line in the file.
On PostgreSQL the entries go as binary COPY rows made in the loop that hashes them
(`chain_copy_data`); elsewhere the ORM inserts `chain_entries`' (`save_entries`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from compatriot.core.audit import entry_digest, locked_chain_tail
from compatriot.core.models import AuditEntry
from compatriot.core.viewer import Viewer
from compatriot.people.imports import copybinary

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

    def copy_rows(self, items: Sequence[AuditItem], previous: str) -> bytes | None:
        """`chain`'s entries as binary COPY rows (`copybinary`) in `COPY_COLUMNS` order, made in
        the same loop: no entry tuple, and no second pass over the entries to format them. None
        if an object id is not ASCII (the import's are UUIDs' text).

        Each row is made as one f-string whose characters are its bytes (code points below 256),
        and the rows are encoded at once as Latin-1: the fields before the object id are the same
        for every entry of a kind (made once as bytes, read as Latin-1), the lengths of the
        object id and the details are looked up by their texts', and the rest is ASCII (the
        object id, the JSON, the hashes' hex after their constant length). A struct or bytes
        call per field cost more than the fields.
        """
        tail = self._tail
        # With an ASCII purpose, an entry's hashed JSON is ASCII but for its object id (and
        # action and type, made by the import): encoding it as ASCII tests the id for nothing.
        encoding = "ascii" if tail.isascii() else "utf-8"
        if encoding != "ascii" and not "".join(map(_OBJECT_ID, items)).isascii():
            return None
        kinds: dict[tuple[str, str], tuple[str, str]] = {}
        sha256 = hashlib.sha256
        lengths, details_starts = copybinary.LENGTH_CHARACTERS, _DETAILS_STARTS
        rows: list[str] = []
        append = rows.append
        try:
            for action, object_type, object_id, line in items:
                kind = kinds.get((action, object_type))
                if kind is None:
                    kind = kinds[(action, object_type)] = self._kind(action, object_type)
                hashed, copied = kind
                details = f'{{"line":{int(line)},"via":"import"}}'
                payload = f'{hashed}"{object_id}"{tail}{details},"{previous}"]'
                digest = sha256(payload.encode(encoding)).hexdigest()
                append(
                    f"{copied}{lengths[len(object_id)]}{object_id}"
                    f"{details_starts[len(details)]}{details}"
                    f"\0\0\0@{previous}\0\0\0@{digest}"  # 64 characters each
                )
                previous = digest
        except (UnicodeEncodeError, IndexError):  # not ASCII; longer than a varchar's 255
            return None
        return "".join(rows).encode("latin-1")

    def _kind(self, action: str, object_type: str) -> tuple[str, str]:
        """The start of an entry's hashed JSON, and of its binary COPY row up to its object id
        (its field count and the fields before) as Latin-1 text."""
        return self._head(action, object_type), self._row_start(action, object_type).decode(
            "latin-1"
        )

    def _row_start(self, action: str, object_type: str) -> bytes:
        """A binary COPY row up to its object id: the field count, the fields every entry of the
        batch shares (at, actor, organisation, purpose), then the kind's."""
        return b"".join(
            (
                copybinary.field_count(len(COPY_COLUMNS)),
                copybinary.timestamp(self.at),
                copybinary.integer(self.actor.user_id),
                copybinary.uuid_field(self.organisation),
                copybinary.text(self.purpose),
                copybinary.texts((action, object_type)),
            )
        )

    def entry_row(self, entry: ChainedEntry) -> bytes:
        """One entry's binary COPY row, field by field (when `copy_rows` cannot serve)."""
        return b"".join(
            (
                self._row_start(entry.action, entry.object_type),
                copybinary.text(entry.object_id),
                copybinary.jsonb(entry.details),
                copybinary.texts((entry.previous_hash, entry.entry_hash)),
            )
        )

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


# The columns of `chain_copy_data`'s rows: the batch's constant fields first, then the kind's,
# so that each row starts with bytes made once per kind of entry.
COPY_COLUMNS = (
    "at", "actor_user_id", "actor_organisation_id", "purpose", "action", "object_type",
    "object_id", "details", "previous_hash", "entry_hash",
)  # fmt: skip
_OBJECT_ID = itemgetter(2)
# A jsonb field's start (its length, then the format's version, 1) by its JSON's length.
_DETAILS_STARTS = tuple(copybinary.LENGTH_CHARACTERS[size + 1] + "\x01" for size in range(255))


def chain_copy_data(actor: Viewer, *, items: Sequence[AuditItem], at: dt.datetime) -> bytes:
    """`chain_entries` as binary COPY data (`copybinary`) in `COPY_COLUMNS` order, for
    PostgreSQL: `COPY core_auditentry (COPY_COLUMNS) FROM STDIN (FORMAT binary)`."""
    first = locked_chain_tail()
    if not items:
        return b""
    digester = _Digester(actor, at)
    # As in `chain_entries`: the first entry is checked against `entry_digest` itself.
    if digester.chain(items[:1], first)[0].entry_hash != digester.exact(items[0], first):
        entries = _chain_exactly(digester, items, at, first)
    elif (rows := digester.copy_rows(items, first)) is not None:
        return copybinary.rows_data(rows)
    else:
        entries = digester.chain(items, first)
    return copybinary.rows_data(b"".join(map(digester.entry_row, entries)))


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
