"""The import's audit chain is the chain `entry_digest` makes, entry by entry."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from compatriot.core.audit import entry_digest
from compatriot.core.models import AuditAction
from compatriot.people.imports import auditing
from compatriot.people.imports.auditing import AuditItem, ChainedEntry, chain_entries
from compatriot.people.imports.batches import person_items

START = "ab" * 32


class Actor:
    def __init__(self, user_id: int | None, organisation_id: Any, purpose: str) -> None:
        self.user_id = user_id
        self.organisation_id = organisation_id
        self.purpose = purpose


def by_entry_digest(actor: Actor, items: list[AuditItem], at: dt.datetime) -> list[str]:
    hashes, previous = [], START
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


def copy_text_of(entries: list[ChainedEntry]) -> str:
    """The COPY text (format text) of entries, column by column, as PostgreSQL reads it back."""

    def field(value: Any) -> str:
        if value is None:
            return "\\N"
        text = value.isoformat() if isinstance(value, dt.datetime) else str(value)
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

    return "".join("\t".join(map(field, entry)) + "\n" for entry in entries)


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
        mock.patch.object(auditing._Digester, "copy_lines", side_effect=AssertionError),
    ):
        entries = chain_entries(actor, items=items, at=at)  # type: ignore[arg-type]
        text = auditing.chain_copy_text(actor, items=items, at=at)  # type: ignore[arg-type]
    assert [e.entry_hash for e in entries] == by_entry_digest(actor, items, at)
    assert text == copy_text_of(entries)


@pytest.mark.parametrize(
    ("user_id", "organisation_id", "purpose"),
    [(7, uuid.uuid4(), "import of people.csv"), (None, None, 'ïmport «q» \\ "x"\t' * 10)],
)
def test_the_copy_text_holds_the_chains_entries(user_id: Any, organisation_id: Any, purpose: str):
    actor = Actor(user_id, organisation_id, purpose)
    items = [AuditItem(AuditAction.CREATE, "household", str(uuid.uuid4()), 9)]
    items += person_items(
        created=[(line, str(uuid.uuid4())) for line in (5, 2, 30)],
        updated=[(line, str(uuid.uuid4())) for line in (4, 11)],
    )
    at = timezone.now()
    with mock.patch.object(auditing, "locked_chain_tail", return_value=START):
        entries = chain_entries(actor, items=items, at=at)  # type: ignore[arg-type]
        text = auditing.chain_copy_text(actor, items=items, at=at)  # type: ignore[arg-type]
    assert text == copy_text_of(entries)
    assert [line.split("\t")[-1] for line in text.splitlines()] == by_entry_digest(actor, items, at)
