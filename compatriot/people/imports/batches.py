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
from operator import itemgetter
from typing import Any, Protocol

from django.utils import timezone

from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer
from compatriot.people.imports.auditing import AuditItem
from compatriot.people.imports.columns import Rejection
from compatriot.people.imports.normalising import NormalisedChunk, PersonRecord, RowKey, new_id
from compatriot.people.models import Household

# The lists of a chunk and a batch that hold one item per accepted row (when they are filled).
_ALIGNED = (
    "keys", "records", "person_rows", "vulnerability_rows", "need_rows", "consent_rows"
)  # fmt: skip
OTHER_CRISIS = "is already registered by your organisation for another crisis"


@dataclass
class Batch:
    """Accepted rows gathered from chunks until a batch is full."""

    keys: list[RowKey] = field(default_factory=list)
    records: list[PersonRecord] = field(default_factory=list)
    person_rows: list[bytes] = field(default_factory=list)
    vulnerability_rows: list[tuple[bytes, ...]] = field(default_factory=list)
    need_rows: list[tuple[bytes, ...]] = field(default_factory=list)
    consent_rows: list[tuple[bytes, ...]] = field(default_factory=list)

    def add(self, chunk: NormalisedChunk, *, skip: set[int]) -> None:
        """Add a chunk's rows but those at the positions in `skip` (duplicates)."""
        for name in _ALIGNED:
            values = getattr(chunk, name)
            if not skip:
                getattr(self, name).extend(values)
                continue
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


@dataclass
class AssignedHouseholds:
    ids: dict[str, uuid.UUID]  # reference -> household id
    created: list[tuple[str, uuid.UUID]]  # (reference, id) to create with this batch
    items: list[AuditItem]  # their audit entries
    needs_batch: int  # the latest earlier batch that creates one of them (0: none)


def household_refs(keys: Iterable[RowKey]) -> dict[str, int]:
    """Each household reference of a batch and the first line that names it."""
    # A plain loop: building the references' columns in C first measured slower (40 -> 107 ns
    # per row; docs/benchmarks.md, branch importpy).
    refs: dict[str, int] = {}
    for key in keys:
        if key.household_ref is not None and key.household_ref not in refs:
            refs[key.household_ref] = key.line
    return refs


class HouseholdResolver:
    """The households of one import, by reference: looked up once, created once.

    A reference names the organisation's household with that label in the crisis (the oldest,
    if several), else a new one labelled with it. When the organisation had no household in the
    crisis before this import, only the households this import made can match, and the database
    is not asked again for every batch.
    """

    def __init__(self, actor: Viewer, *, crisis_id: uuid.UUID) -> None:
        self.actor = actor
        self.crisis_id = crisis_id
        self.known: dict[str, uuid.UUID] = {}
        self.created_in: dict[str, int] = {}  # reference -> the batch creating its household
        self._had_households: bool | None = None

    def _households(self) -> Any:
        return Household.objects.filter(
            crisis_id=self.crisis_id, registered_by_id=self.actor.organisation_id
        )

    def resolve(self, refs: dict[str, int]) -> tuple[dict[str, uuid.UUID], list[AuditItem]]:
        """The household id of each reference, and audit items for the households created."""
        assigned = self.assign(refs)
        if assigned.created:
            self.create(assigned.created)
        return assigned.ids, assigned.items

    def assign(self, refs: dict[str, int], *, batch_number: int = 0) -> AssignedHouseholds:
        """Ids for the references, existing or new; the caller creates the new ones (`created`)
        in the transaction of batch `batch_number`, which later batches may then depend on."""
        if self._had_households is None:
            self._had_households = self._households().exists()
        unknown = [ref for ref in refs if ref not in self.known]
        if unknown and self._had_households:
            for start in range(0, len(unknown), 500):
                existing = (
                    self._households()
                    .filter(label__in=unknown[start : start + 500])
                    .order_by("created_at", "id")
                    .values_list("label", "id")
                )
                for label, household_id in existing:
                    self.known.setdefault(label, household_id)
        # Ids drawn like the persons' (see `normalising.new_id`): persons' household index
        # then takes a batch's rows into a few pages.
        created = [(ref, uuid.UUID(new_id())) for ref in unknown if ref not in self.known]
        self.known.update(created)
        for ref, _ in created:
            self.created_in[ref] = batch_number
        items = [
            AuditItem(AuditAction.CREATE, "household", str(household_id), refs[ref])
            for ref, household_id in created
        ]
        earlier = [n for ref in refs if 0 < (n := self.created_in.get(ref, 0)) < batch_number]
        return AssignedHouseholds(
            {ref: self.known[ref] for ref in refs}, created, items, max(earlier, default=0)
        )

    def create(self, households: list[tuple[str, uuid.UUID]]) -> None:
        """Insert new households (label, id); storages may do it faster."""
        Household.objects.bulk_create(
            [
                Household(
                    id=household_id,
                    crisis_id=self.crisis_id,
                    registered_by_id=self.actor.acting_organisation_id,
                    label=label,
                )
                for label, household_id in households
            ],
            batch_size=1_000,
        )


_LINE = itemgetter(3)  # an AuditItem's line


def person_items(
    *, created: Sequence[tuple[int, str]], updated: Sequence[tuple[int, str]]
) -> list[AuditItem]:
    """Audit items for (line, person id) pairs, in the order of the file."""
    make, create, update = tuple.__new__, AuditAction.CREATE, AuditAction.UPDATE
    # One item per imported person: made as tuples of the class, without a call each.
    items = [make(AuditItem, (create, "person", pid, line)) for line, pid in created]
    items += [make(AuditItem, (update, "person", pid, line)) for line, pid in updated]
    items.sort(key=_LINE)
    return items


def batch_time() -> dt.datetime:
    return timezone.now()
