"""The import's audit chain is the chain `entry_digest` makes, entry by entry."""

from __future__ import annotations

import datetime as dt
import struct
import uuid
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from compatriot.core.audit import GENESIS_HASH, audit_verify, entry_digest
from compatriot.core.models import AuditAction, AuditEntry
from compatriot.people.imports import auditing, storage
from compatriot.people.imports.auditing import AuditItem, ChainedEntry, chain_entries
from compatriot.people.imports.batches import person_items

START = "ab" * 32
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # PostgreSQL's timestamps count from here


class Actor:
    def __init__(self, user_id: int | None, organisation_id: Any, purpose: str) -> None:
        self.user_id = user_id
        self.organisation_id = organisation_id
        self.purpose = purpose


def by_entry_digest(
    actor: Actor, items: list[AuditItem], at: dt.datetime, start: str = START
) -> list[str]:
    hashes, previous = [], start
    for item in items:
        previous = entry_digest(
            at=at,
            actor_user_id=actor.user_id,
            actor_organisation_id=actor.organisation_id,
            action=item.action,
            object_type=item.object_type,
            object_id=item.object_id,
            purpose=actor.purpose[:100],
            details={"via": "import", "line": item.line},
            previous_hash=previous,
        )
        hashes.append(previous)
    return hashes


def copy_rows_of(data: bytes) -> list[tuple[Any, ...]]:
    """Binary COPY data read back as PostgreSQL reads it (`COPY_COLUMNS` order), each row as a
    `ChainedEntry`'s fields: at (UTC), user, organisation (text), action, object type, object id,
    purpose, details (JSON text), previous hash, entry hash."""
    signature = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
    assert data.startswith(signature)
    assert data.endswith(b"\xff\xff")  # the trailer
    body, position, rows = data[len(signature) : -2], 0, []
    while position < len(body):
        (count,) = struct.unpack_from(">h", body, position)
        position += 2
        fields: list[bytes | None] = []
        for _ in range(count):
            (size,) = struct.unpack_from(">i", body, position)
            position += 4
            fields.append(None if size < 0 else body[position : position + size])
            position += max(size, 0)
        at, user, organisation, purpose, action, object_type, object_id, details, *hashes = fields
        assert details is not None
        assert details[:1] == b"\x01"  # jsonb, version 1
        rows.append(
            (
                EPOCH + dt.timedelta(microseconds=struct.unpack(">q", at)[0]),  # type: ignore[arg-type]
                None if user is None else struct.unpack(">i", user)[0],
                None if organisation is None else str(uuid.UUID(bytes=organisation)),
                *(field.decode() for field in (action, object_type, object_id)),  # type: ignore[union-attr]
                purpose.decode(),  # type: ignore[union-attr]
                details[1:].decode(),
                *(field.decode() for field in hashes),  # type: ignore[union-attr]
            )
        )
    assert position == len(body)
    assert auditing.COPY_COLUMNS == (
        "at", "actor_user_id", "actor_organisation_id", "purpose", "action", "object_type",
        "object_id", "details", "previous_hash", "entry_hash",
    )  # fmt: skip
    return rows


def items_of_a_batch() -> list[AuditItem]:
    items = [AuditItem(AuditAction.CREATE, "household", str(uuid.uuid4()), 9)]
    return items + person_items(
        created=[(line, str(uuid.uuid4())) for line in (5, 2, 30, 123456789)],
        updated=[(line, str(uuid.uuid4())) for line in (4, 11)],
    )


@pytest.mark.parametrize(
    ("user_id", "organisation_id", "purpose"),
    [(7, uuid.uuid4(), "import of people.csv"), (None, None, 'ïmport «q» \\ "x"' * 10)],
)
def test_the_chain_is_entry_digests_chain(user_id: Any, organisation_id: Any, purpose: str) -> None:
    actor = Actor(user_id, organisation_id, purpose)
    items = [AuditItem(AuditAction.CREATE, "household", str(uuid.uuid4()), 9)]
    items += person_items(
        created=[(line, str(uuid.uuid4())) for line in (5, 2, 30)],
        updated=[(line, str(uuid.uuid4())) for line in (4, 11)],
    )
    assert [item.line for item in items] == [9, 2, 4, 5, 11, 30]
    assert all(type(item) is AuditItem for item in items)
    at = timezone.now()
    with mock.patch.object(auditing, "locked_chain_tail", return_value=START):
        entries = chain_entries(actor, items=items, at=at)  # type: ignore[arg-type]
    assert [e.entry_hash for e in entries] == by_entry_digest(actor, items, at)
    assert [e.previous_hash for e in entries] == [START, *(e.entry_hash for e in entries[:-1])]
    assert all(type(e) is ChainedEntry for e in entries)
    assert entries[1].details == '{"line":2,"via":"import"}'


def test_a_fast_digest_that_differs_falls_back_to_entry_digest() -> None:
    actor = Actor(7, uuid.uuid4(), "import")
    items = person_items(created=[(2, str(uuid.uuid4())), (3, str(uuid.uuid4()))], updated=[])
    at = timezone.now()
    wrong = [ChainedEntry(at, 7, None, "create", "person", "x", "p", "{}", START, "0" * 64)]
    with (
        mock.patch.object(auditing, "locked_chain_tail", return_value=START),
        mock.patch.object(auditing._Digester, "chain", return_value=wrong),
        mock.patch.object(auditing._Digester, "copy_rows", side_effect=AssertionError),
    ):
        entries = chain_entries(actor, items=items, at=at)  # type: ignore[arg-type]
        data = auditing.chain_copy_data(actor, items=items, at=at)  # type: ignore[arg-type]
    assert [e.entry_hash for e in entries] == by_entry_digest(actor, items, at)
    assert copy_rows_of(data) == [tuple(entry) for entry in entries]


ACTORS = [
    (7, uuid.uuid4(), "import of people.csv"),
    (None, None, 'ïmport «q» \\ "x"\t' * 10),  # cut at 100 characters
]


@pytest.mark.parametrize(("user_id", "organisation_id", "purpose"), ACTORS)
def test_the_copy_data_holds_the_chains_entries(user_id: Any, organisation_id: Any, purpose: str):
    actor = Actor(user_id, organisation_id, purpose)
    items = items_of_a_batch()
    at = timezone.now()
    with mock.patch.object(auditing, "locked_chain_tail", return_value=START):
        entries = chain_entries(actor, items=items, at=at)  # type: ignore[arg-type]
        data = auditing.chain_copy_data(actor, items=items, at=at)  # type: ignore[arg-type]
    assert copy_rows_of(data) == [tuple(entry) for entry in entries]
    assert [row[-1] for row in copy_rows_of(data)] == by_entry_digest(actor, items, at)


@pytest.mark.parametrize(("user_id", "organisation_id", "purpose"), ACTORS)
@pytest.mark.parametrize("object_id", ["Шевченко-1", "café", "x" * 64, ""])
def test_object_ids_of_any_text_are_copied_field_by_field(
    user_id: Any, organisation_id: Any, purpose: str, object_id: str
) -> None:
    """The fast rows take ASCII object ids only (a character per byte); others, which the import
    never makes, go field by field, with the same chain."""
    actor = Actor(user_id, organisation_id, purpose)
    items = items_of_a_batch()
    items[3] = items[3]._replace(object_id=object_id)
    at = timezone.now()
    with mock.patch.object(auditing, "locked_chain_tail", return_value=START):
        entries = chain_entries(actor, items=items, at=at)  # type: ignore[arg-type]
        data = auditing.chain_copy_data(actor, items=items, at=at)  # type: ignore[arg-type]
        fast = auditing._Digester(actor, at).copy_rows(items, START)  # type: ignore[arg-type]
    assert copy_rows_of(data) == [tuple(entry) for entry in entries]
    assert [e.entry_hash for e in entries] == by_entry_digest(actor, items, at)
    assert (fast is None) == (not object_id.isascii())


def test_no_items_no_data() -> None:
    with mock.patch.object(auditing, "locked_chain_tail", return_value=START):
        data = auditing.chain_copy_data(Actor(7, None, "x"), items=[], at=timezone.now())  # type: ignore[arg-type]
    assert data == b""


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"),
    reason="binary COPY is PostgreSQL's",
)
@pytest.mark.django_db
def test_the_server_stores_the_copied_chain_and_verifies_it(org_a: Any) -> None:
    actor = Actor(7, org_a.id, 'ïmport «q» \\ "x"\t')
    items = items_of_a_batch()
    at = timezone.now()
    with transaction.atomic():
        data = auditing.chain_copy_data(actor, items=items, at=at)  # type: ignore[arg-type]
        with connection.connection.cursor() as cursor, cursor.copy(storage._AUDIT_COPY) as copy:
            copy.write(data)
    hashes = by_entry_digest(actor, items, at, GENESIS_HASH)
    assert [
        (e.at, e.actor_user_id, e.actor_organisation_id, e.action, e.object_type, e.object_id,
         e.purpose, e.details, e.previous_hash, e.entry_hash)
        for e in AuditEntry.objects.order_by("id")
    ] == [
        (at, 7, org_a.id, item.action, item.object_type, item.object_id, actor.purpose,
         {"via": "import", "line": item.line}, previous, entry)
        for item, previous, entry in zip(items, [GENESIS_HASH, *hashes], hashes, strict=False)
    ]  # fmt: skip
    assert audit_verify().is_intact
