"""Batches of normalised persons, and what both ways of storing them share.

A batch is written in one transaction, all of it or none of it, by `storage.PostgresStorage`
(COPY into staging tables, then set-based statements) or `storage_orm.OrmStorage` (the ORM, on
any database). Both create what is new, update what changed, leave what is unchanged untouched,
add details (vulnerabilities, needs, consents) not yet recorded, and audit every created or
updated person (and created household).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils import timezone

from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer
from compatriot.people.imports.auditing import AuditItem
from compatriot.people.imports.columns import Rejection
from compatriot.people.imports.normalising import NormalisedChunk, PersonRecord, RowKey
from compatriot.people.models import Household

OTHER_CRISIS = "is already registered by your organisation for another crisis"


@dataclass
class Batch:
    """Accepted rows gathered from chunks until a batch is full."""

    keys: list[RowKey] = field(default_factory=list)
    records: list[PersonRecord] = field(default_factory=list)
    person_lines: list[str] = field(default_factory=list)
    detail_lines: list[str] = field(default_factory=list)

    def add(self, chunk: NormalisedChunk, *, skip: set[int]) -> None:
        """Add a chunk's rows but those at the positions in `skip` (duplicates)."""
        if not skip:
            self.keys += chunk.keys
            self.records += chunk.records
            self.person_lines += chunk.person_lines
            self.detail_lines += chunk.detail_lines
            return
        for name in ("keys", "records", "person_lines", "detail_lines"):
            values = getattr(chunk, name)
            getattr(self, name).extend(v for i, v in enumerate(values) if i not in skip)

    def __len__(self) -> int:
        return len(self.keys)


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)


class Storage(Protocol):
    copy_text: bool

    def write(self, batch: Batch) -> BatchOutcome: ...


def household_refs(keys: Iterable[RowKey]) -> dict[str, int]:
    """Each household reference of a batch and the first line that names it."""
    refs: dict[str, int] = {}
    for key in keys:
        if key.household_ref is not None and key.household_ref not in refs:
            refs[key.household_ref] = key.line
    return refs


def resolve_households(
    actor: Viewer, *, crisis_id: uuid.UUID, refs: dict[str, int]
) -> tuple[dict[str, uuid.UUID], list[AuditItem]]:
    """The household of each reference: the organisation's household with that label in the
    crisis (the oldest, if several), else a new one. Returns the audit items of those created."""
    found: dict[str, uuid.UUID] = {}
    labels = list(refs)
    for start in range(0, len(labels), 500):
        existing = (
            Household.objects.filter(
                crisis_id=crisis_id,
                registered_by_id=actor.organisation_id,
                label__in=labels[start : start + 500],
            )
            .order_by("created_at", "id")
            .values_list("label", "id")
        )
        for label, household_id in existing:
            found.setdefault(label, household_id)
    created = [
        Household(
            id=uuid.uuid4(), crisis_id=crisis_id, registered_by_id=actor.organisation_id, label=ref
        )
        for ref in labels
        if ref not in found
    ]
    Household.objects.bulk_create(created)
    found.update({household.label: household.id for household in created})
    items = [
        AuditItem(AuditAction.CREATE, "household", str(household.id), refs[household.label])
        for household in created
    ]
    return found, items


def person_items(
    *, created: Sequence[tuple[int, str]], updated: Sequence[tuple[int, str]]
) -> list[AuditItem]:
    """Audit items for (line, person id) pairs, in the order of the file."""
    items = [AuditItem(AuditAction.CREATE, "person", pid, line) for line, pid in created]
    items += [AuditItem(AuditAction.UPDATE, "person", pid, line) for line, pid in updated]
    items.sort(key=lambda item: item.line)
    return items


def batch_time() -> dt.datetime:
    return timezone.now()
