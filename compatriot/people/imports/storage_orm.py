"""Storing a batch with the ORM: the way on SQLite, and the reference for the PostgreSQL one.

Same outcome as `storage.PostgresStorage` (the tests hold both to the same stored rows):
existing persons are read once per batch and compared in Python, new ones `bulk_create`d,
changed ones `bulk_update`d with their version bumped.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F

from compatriot.core.viewer import Viewer
from compatriot.people.imports.auditing import chain_entries, save_entries
from compatriot.people.imports.batches import (
    OTHER_CRISIS,
    Batch,
    BatchOutcome,
    HouseholdResolver,
    batch_time,
    household_refs,
    person_items,
)
from compatriot.people.imports.columns import Rejection
from compatriot.people.imports.normalising import COMPARED_FIELDS, PersonRecord
from compatriot.people.models import Consent, Need, NeedStatus, Person, Vulnerability

_UPDATED_FIELDS = [*COMPARED_FIELDS, "household", "version", "updated_at"]
_LOOKUP_SIZE = 500  # ids per IN (...): SQLite caps the number of query parameters


def _slices(values: Sequence[Any]) -> list[Sequence[Any]]:
    return [values[i : i + _LOOKUP_SIZE] for i in range(0, len(values), _LOOKUP_SIZE)]


class OrmStorage:
    copy_text = False

    def __init__(self, actor: Viewer, *, crisis_id: uuid.UUID) -> None:
        self.actor = actor
        self.crisis_id = crisis_id
        self.households = HouseholdResolver(actor, crisis_id=crisis_id)

    def write(self, batch: Batch) -> BatchOutcome:
        outcome = BatchOutcome()
        now = batch_time()
        with transaction.atomic():
            existing = self._existing([r.source_record_id for r in batch.records])
            refs = household_refs(batch.keys)
            households, items = self.households.resolve(refs) if refs else ({}, [])
            new: list[PersonRecord] = []
            old: list[tuple[PersonRecord, dict[str, Any]]] = []
            for record in batch.records:
                found = existing.get(record.source_record_id)
                if found is None:
                    new.append(record)
                elif found["crisis_id"] != self.crisis_id:
                    outcome.rejected.append(
                        Rejection(record.line, "source_record_id", OTHER_CRISIS)
                    )
                else:
                    old.append((record, found))
            self._create(new, households, now)
            updated = self._update(old, households, now)
            outcome.created = len(new)
            outcome.updated = len(updated)
            outcome.unchanged = len(old) - len(updated)
            created = [(r.line, r.id) for r in new]
            items += person_items(created=created, updated=updated)
            if items:
                save_entries(chain_entries(self.actor, items=items, at=now))
        return outcome

    def _existing(self, srids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for part in _slices(srids):
            rows = Person.objects.filter(
                registered_by_id=self.actor.acting_organisation_id, source_record_id__in=part
            ).values(
                "id", "crisis_id", "version", "source_record_id", "household_id", *COMPARED_FIELDS
            )
            found.update({row["source_record_id"]: row for row in rows})
        return found

    @staticmethod
    def _values(record: PersonRecord, households: dict[str, uuid.UUID]) -> dict[str, Any]:
        values = {name: getattr(record, name) for name in COMPARED_FIELDS}
        values["household_id"] = (
            households[record.household_ref] if record.household_ref is not None else None
        )
        return values

    def _create(
        self, records: list[PersonRecord], households: dict[str, uuid.UUID], now: dt.datetime
    ) -> None:
        Person.objects.bulk_create(
            [
                Person(
                    id=uuid.UUID(r.id),
                    crisis_id=self.crisis_id,
                    registered_by_id=self.actor.acting_organisation_id,
                    registered_by_user_id=self.actor.user_id,
                    source_record_id=r.source_record_id,
                    version=1,
                    **self._values(r, households),
                )
                for r in records
            ],
            batch_size=1_000,
        )
        self._add_details([(uuid.UUID(r.id), r) for r in records], now, existing=False)

    def _update(
        self,
        pairs: list[tuple[PersonRecord, dict[str, Any]]],
        households: dict[str, uuid.UUID],
        now: dt.datetime,
    ) -> list[tuple[int, str]]:
        """Update changed persons; persons that only gained details count as updated too."""
        changed: list[Person] = []
        updated: dict[uuid.UUID, int] = {}
        for record, found in pairs:
            values = self._values(record, households)
            if any(found[name] != value for name, value in values.items()):
                person = Person(id=found["id"], version=found["version"] + 1, updated_at=now)
                for name, value in values.items():
                    setattr(person, name, value)
                changed.append(person)
                updated[found["id"]] = record.line
        Person.objects.bulk_update(changed, _UPDATED_FIELDS, batch_size=500)
        gained = self._add_details([(f["id"], r) for r, f in pairs], now, existing=True)
        gained -= updated.keys()
        for part in _slices(sorted(gained)):
            Person.objects.filter(id__in=part).update(version=F("version") + 1, updated_at=now)
        line_of = {found["id"]: record.line for record, found in pairs}
        updated.update({pid: line_of[pid] for pid in gained})
        return [(line, str(pid)) for pid, line in updated.items()]

    def _present(self, ids: list[uuid.UUID]) -> dict[str, set[tuple[uuid.UUID, str]]]:
        """Details already recorded for these persons: (person, code / category / scope)."""
        present: dict[str, set[tuple[uuid.UUID, str]]] = defaultdict(set)
        for part in _slices(ids):
            present["v"].update(
                Vulnerability.objects.filter(person_id__in=part).values_list("person_id", "code")
            )
            present["n"].update(
                Need.objects.filter(person_id__in=part).values_list("person_id", "category")
            )
            present["c"].update(
                Consent.objects.filter(person_id__in=part).values_list("person_id", "scope")
            )
        return present

    def _add_details(
        self, pairs: list[tuple[uuid.UUID, PersonRecord]], now: dt.datetime, *, existing: bool
    ) -> set[uuid.UUID]:
        """Record each person's details not yet present; return the persons that gained any.
        An existing person's detail is present when any record of its code, need category or
        consent scope exists (so a withdrawn consent is not re-granted, nor a met need reopened)."""
        present = self._present([pid for pid, _ in pairs]) if existing else defaultdict(set)
        vulnerabilities, needs, consents = [], [], []
        for pid, r in pairs:
            vulnerabilities += [
                Vulnerability(person_id=pid, code=code)
                for code in r.vulnerabilities
                if (pid, code) not in present["v"]
            ]
            needs += [
                Need(person_id=pid, category=category, urgency=urgency, status=NeedStatus.OPEN)
                for category, urgency in r.needs
                if (pid, category) not in present["n"]
            ]
            consents += [
                Consent(
                    person_id=pid,
                    scope=scope,
                    method=method,
                    partner_kinds=list(kinds),
                    given_at=now,
                    recorded_by_id=self.actor.user_id,
                    recorded_by_organisation_id=self.actor.organisation_id,
                )
                for scope, method, kinds in r.consents
                if (pid, scope) not in present["c"]
            ]
        Vulnerability.objects.bulk_create(vulnerabilities, batch_size=1_000)
        Need.objects.bulk_create(needs, batch_size=1_000)
        Consent.objects.bulk_create(consents, batch_size=1_000)
        touched: list[Vulnerability | Need | Consent] = [*vulnerabilities, *needs, *consents]
        return {d.person_id for d in touched}
