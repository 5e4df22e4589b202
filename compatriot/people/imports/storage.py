"""The fast way to store a batch on PostgreSQL: COPY into staging tables, then a few statements.

Per batch:
1. (`prepare`, in file order) look up which source record ids exist, and give each household
   reference an id, existing or new;
2. in one transaction: COPY the rows (with the ids of existing persons) and their details into
   TEMP tables, the text made by the worker processes, so this process only joins strings;
   COPY the batch's new households; INSERT the new persons, UPDATE the existing ones whose
   columns differ (IS DISTINCT FROM), insert details not yet recorded, and bump the version of
   persons that only gained details;
3. check the deferred foreign keys, wait for the batch's turn (see `ordering`: batches may be
   written on two connections at once), extend the audit chain (one lock, one read of the last
   hash), COPY the entries, and commit.

One import of an organisation at a time: `write` takes an advisory lock per batch, and an
import writing on several connections holds it for its whole duration (`import_lock`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from compatriot.core.viewer import Viewer
from compatriot.people.imports.auditing import chain_entries
from compatriot.people.imports.batches import (
    OTHER_CRISIS,
    AssignedHouseholds,
    Batch,
    BatchOutcome,
    HouseholdResolver,
    batch_time,
    household_refs,
    person_items,
)
from compatriot.people.imports.columns import Rejection
from compatriot.people.imports.normalising import COMPARED_FIELDS, RowKey
from compatriot.people.imports.ordering import Turns

IMPORT_LOCK_CLASS = 7414  # with a hash of the organisation: one import batch at a time per org
STAGE = "compatriot_import_person"
DETAIL = "compatriot_import_detail"
HOUSEHOLDS = "compatriot_import_household"

STAGE_COLUMNS = (
    "line", "id", "existing", "source_record_id", "source", "given_name", "family_name",
    "given_name_latin", "family_name_latin", "search_text", "sex", "birth_date",
    "birth_date_precision", "nationality", "nationalities", "languages", "phones", "email",
    "country", "admin_area", "place_name", "latitude", "longitude", "journey_stage", "category",
    "household_ref", "relationship",
)  # fmt: skip
DETAIL_COLUMNS = ("person_id", "existing", "kind", "code", "urgency", "method", "partner_kinds")

_CREATE_STAGING = f"""
CREATE TEMP TABLE IF NOT EXISTS {STAGE} (
    line integer NOT NULL, id uuid NOT NULL, existing boolean NOT NULL,
    source_record_id text NOT NULL, source text NOT NULL,
    given_name text NOT NULL, family_name text NOT NULL,
    given_name_latin text NOT NULL, family_name_latin text NOT NULL, search_text text NOT NULL,
    sex text NOT NULL, birth_date date, birth_date_precision text NOT NULL,
    nationality text NOT NULL, nationalities jsonb NOT NULL, languages jsonb NOT NULL,
    phones jsonb NOT NULL, email text NOT NULL, country text NOT NULL,
    admin_area text NOT NULL, place_name text NOT NULL,
    latitude double precision, longitude double precision,
    journey_stage text NOT NULL, category text NOT NULL,
    household_ref text, relationship text NOT NULL, household_id uuid
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS {DETAIL} (
    person_id uuid NOT NULL, existing boolean NOT NULL, kind "char" NOT NULL, code text NOT NULL,
    urgency text NOT NULL, method text NOT NULL, partner_kinds jsonb NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS {HOUSEHOLDS} (ref text NOT NULL, id uuid NOT NULL)
    ON COMMIT DELETE ROWS;
TRUNCATE {STAGE}, {DETAIL}, {HOUSEHOLDS};
-- The batch's statements are simple scans and joins: compiling them (JIT, chosen for their row
-- counts) takes longer than running them.
SET LOCAL jit = off;
"""

# SQL below is assembled from the constant names in this module only; values are parameters.
_PERSON_COLUMNS = (*COMPARED_FIELDS, "household_id")
_INSERT_PERSONS = f"""
INSERT INTO people_person (
    id, crisis_id, registered_by_id, registered_by_user_id, source_record_id,
    {", ".join(_PERSON_COLUMNS)}, version, created_at, updated_at)
SELECT id, %(crisis)s, %(org)s, %(user)s, source_record_id,
    {", ".join(_PERSON_COLUMNS)}, 1, %(now)s, %(now)s
FROM {STAGE} WHERE NOT existing
"""  # noqa: S608
_UPDATE_PERSONS = f"""
UPDATE people_person p SET {", ".join(f"{c} = s.{c}" for c in _PERSON_COLUMNS)},
    version = p.version + 1, updated_at = %(now)s
FROM {STAGE} s
WHERE s.existing AND p.id = s.id
  AND ({", ".join(f"p.{c}" for c in _PERSON_COLUMNS)})
      IS DISTINCT FROM ({", ".join(f"s.{c}" for c in _PERSON_COLUMNS)})
RETURNING s.line
"""  # noqa: S608
# Details of new persons go in as they are; an existing person gains only what it lacks: a
# vulnerability code, a need category or a consent scope it has no record of at all (so a
# re-import never re-grants a withdrawn consent nor reopens a need that was met).
_DETAILS: dict[str, tuple[str, str]] = {
    "v": (
        "INSERT INTO people_vulnerability (id, person_id, code, note, recorded_at) "
        "SELECT gen_random_uuid(), d.person_id, d.code, '', %(now)s",
        "SELECT 1 FROM people_vulnerability x WHERE x.person_id = d.person_id AND x.code = d.code",
    ),
    "n": (
        "INSERT INTO people_need (id, person_id, category, urgency, status, details, created_at,"
        " updated_at) SELECT gen_random_uuid(), d.person_id, d.code,"
        " COALESCE(NULLIF(d.urgency, ''), 'medium'), 'open', '', %(now)s, %(now)s",
        "SELECT 1 FROM people_need x WHERE x.person_id = d.person_id AND x.category = d.code",
    ),
    "c": (
        "INSERT INTO people_consent (id, person_id, scope, partner_kinds, method, given_at,"
        " recorded_by_id, recorded_by_organisation_id) SELECT gen_random_uuid(), d.person_id,"
        " d.code, d.partner_kinds, d.method, %(now)s, %(user)s, %(org)s",
        "SELECT 1 FROM people_consent x WHERE x.person_id = d.person_id AND x.scope = d.code",
    ),
}
_DEFERRABLE_BUT_HOUSEHOLD = """
SELECT c.conname FROM pg_constraint c
WHERE c.condeferrable AND c.conrelid IN ('people_person'::regclass, 'people_household'::regclass,
    'people_vulnerability'::regclass, 'people_need'::regclass, 'people_consent'::regclass)
  AND NOT (c.conrelid = 'people_person'::regclass AND c.contype = 'f'
    AND c.confrelid = 'people_household'::regclass)
ORDER BY c.conname
"""
_AUDIT_COPY = (
    "COPY core_auditentry (at, actor_user_id, actor_organisation_id, action, object_type,"
    " object_id, purpose, details, previous_hash, entry_hash) FROM STDIN"
)


_NULL = "\\N"
_BACKSLASH = "\\"


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


class CopiedHouseholds(HouseholdResolver):
    """New households go in with COPY: an import can bring hundreds of thousands."""

    def create(self, households: list[tuple[str, uuid.UUID]]) -> None:
        now = batch_time().isoformat()
        prefix = f"{self.crisis_id}\t{self.actor.organisation_id}"
        text = "".join(
            f"{household_id}\t{prefix}\t{_escape(label)}\t{now}\t{now}\n"
            for label, household_id in households
        )
        columns = "id, crisis_id, registered_by_id, label, created_at, updated_at"
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY people_household ({columns}) FROM STDIN") as copy,
        ):
            copy.write(text)


@dataclass
class Prepared:
    """A batch ready to write: rows split into new and existing persons, households assigned."""

    keys: list[RowKey]
    person_text: list[str]
    detail_text: list[str]
    existing: dict[str, tuple[str, bool]]
    rejected: list[Rejection]
    households: AssignedHouseholds | None


class PostgresStorage:
    copy_text = True

    def __init__(self, actor: Viewer, *, crisis_id: uuid.UUID) -> None:
        self.actor = actor
        self.crisis_id = crisis_id
        self.households = CopiedHouseholds(actor, crisis_id=crisis_id)
        self.params: dict[str, Any] = {
            "crisis": crisis_id,
            "org": actor.organisation_id,
            "user": actor.user_id,
        }
        self._other_constraints: str | None = None

    def write(self, batch: Batch) -> BatchOutcome:
        """Write one batch on this thread's connection, in one transaction."""
        with transaction.atomic():
            self._import_lock("pg_advisory_xact_lock")
            return self.write_prepared(self.prepare(batch), 0, None)

    @contextmanager
    def import_lock(self) -> Iterator[None]:
        """For batches written on other connections: this organisation's imports wait for this
        one as a whole (the lock `write` takes per batch, held here by this session)."""
        self._import_lock("pg_advisory_lock")
        try:
            yield
        finally:
            self._import_lock("pg_advisory_unlock")

    def _import_lock(self, function: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {function}(%s, hashtext(%s))",
                [IMPORT_LOCK_CLASS, str(self.actor.organisation_id)],
            )

    def prepare(self, batch: Batch, number: int = 0) -> Prepared:
        """Find which rows are existing persons and assign households. Runs in order, batch by
        batch, in the importing thread (or in the batch's own transaction, under the lock)."""
        existing = self._existing(batch.keys)
        rejected: list[Rejection] = []
        if not existing:
            keys, person_text, detail_text = batch.keys, batch.person_lines, batch.detail_lines
        else:
            keys, person_text, detail_text = [], [], []
            for key, person, details in zip(
                batch.keys, batch.person_lines, batch.detail_lines, strict=True
            ):
                found = existing.get(key.source_record_id)
                if found is None:
                    keys.append(key)
                    person_text.append(person)
                    detail_text.append(details)
                    continue
                person_id, other_crisis = found
                if other_crisis:
                    rejected.append(Rejection(key.line, "source_record_id", OTHER_CRISIS))
                    continue
                keys.append(key._replace(id=person_id))
                line, _, _, rest = person.split("\t", 3)
                person_text.append(f"{line}\t{person_id}\tt\t{rest}")
                detail_text.append(details.replace(f"{key.id}\tf\t", f"{person_id}\tt\t"))
        refs = household_refs(keys)
        households = self.households.assign(refs, batch_number=number) if refs else None
        return Prepared(keys, person_text, detail_text, existing, rejected, households)

    def write_prepared(self, prepared: Prepared, number: int, turns: Turns | None) -> BatchOutcome:
        """Write a prepared batch in one transaction. With `turns` (batches on several
        connections), commit only after batch `number - 1` has."""
        outcome = BatchOutcome(rejected=prepared.rejected)
        params = {**self.params, "now": batch_time()}
        keys, existing = prepared.keys, prepared.existing
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(_CREATE_STAGING)
            self._stage(prepared)
            items = self._households(cursor, prepared.households)
            cursor.execute(_INSERT_PERSONS, params)
            created = [(k.line, k.id) for k in keys if k.source_record_id not in existing]
            updated: list[tuple[int, str]] = []
            self._add_details(cursor, params, existing=False)
            if existing:
                # Temporary tables have no statistics until analysed; without them the planner
                # may scan a whole details table once per staged row.
                cursor.execute(f"ANALYZE {STAGE}, {DETAIL}")
                updated = self._update(cursor, params, keys, existing)
            outcome.created = len(created)
            outcome.updated = len(updated)
            outcome.unchanged = len(keys) - len(created) - len(updated)
            items += person_items(created=created, updated=updated)
            # Check the deferred foreign keys now rather than at COMMIT, so that the audit chain
            # lock taken next is held for the audit insert and a quick commit only; but a
            # household that an earlier batch, not yet committed, creates is invisible from here
            # until it commits: that one key is checked after this batch's turn has come.
            needs = prepared.households.needs_batch if prepared.households else 0
            waits = turns is not None and needs > turns.committed
            cursor.execute(
                f"SET CONSTRAINTS {self._constraints_but_household()} IMMEDIATE"
                if waits
                else "SET CONSTRAINTS ALL IMMEDIATE"
            )
            if turns is not None:
                turns.wait(number)
            if waits:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self._audit(items, params["now"])
        return outcome

    def _constraints_but_household(self) -> str:
        """The deferrable constraints of the tables a batch writes, but persons' household key."""
        if self._other_constraints is None:
            with connection.cursor() as cursor:
                cursor.execute(_DEFERRABLE_BUT_HOUSEHOLD)
                names = [row[0] for row in cursor.fetchall()]
            self._other_constraints = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
        return self._other_constraints

    def _existing(self, keys: Sequence[RowKey]) -> dict[str, tuple[str, bool]]:
        """source_record_id -> (person id, whether it belongs to another crisis)."""
        # psycopg's own cursor binds the array on the server side, in C; Django's client-side
        # binding would quote ten thousand strings in Python.
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            cursor.execute(
                "SELECT source_record_id, id::text, crisis_id <> %s FROM people_person"
                " WHERE registered_by_id = %s AND source_record_id = ANY(%s)",
                [self.crisis_id, self.actor.organisation_id, [k.source_record_id for k in keys]],
            )
            return {srid: (pid, other) for srid, pid, other in cursor.fetchall()}

    def _stage(self, prepared: Prepared) -> None:
        """COPY the batch into the staging tables (existing persons keep their ids)."""
        raw = connection.connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
                copy.write("".join(prepared.person_text))
            with cursor.copy(f"COPY {DETAIL} ({', '.join(DETAIL_COLUMNS)}) FROM STDIN") as copy:
                copy.write("".join(prepared.detail_text))

    def _households(self, cursor: Any, households: AssignedHouseholds | None) -> list[Any]:
        if households is None:
            return []
        if households.created:
            self.households.create(households.created)
        with (
            connection.connection.cursor() as raw,
            raw.copy(f"COPY {HOUSEHOLDS} (ref, id) FROM STDIN") as copy,
        ):
            copy.write("".join(f"{_escape(ref)}\t{hid}\n" for ref, hid in households.ids.items()))
        cursor.execute(
            f"UPDATE {STAGE} s SET household_id = h.id FROM {HOUSEHOLDS} h"  # noqa: S608  constants
            " WHERE s.household_ref = h.ref"
        )
        return list(households.items)

    def _add_details(self, cursor: Any, params: dict[str, Any], *, existing: bool) -> list[str]:
        changed: list[str] = []
        for kind, (insert, present) in _DETAILS.items():
            where = f" FROM {DETAIL} d WHERE d.kind = '{kind}' AND "
            if existing:
                cursor.execute(
                    f"{insert}{where}d.existing AND NOT EXISTS ({present}) RETURNING person_id::text",
                    params,
                )
                changed += [row[0] for row in cursor.fetchall()]
            else:
                cursor.execute(f"{insert}{where}NOT d.existing", params)
        return changed

    def _update(
        self,
        cursor: Any,
        params: dict[str, Any],
        keys: Sequence[RowKey],
        existing: dict[str, tuple[str, bool]],
    ) -> list[tuple[int, str]]:
        """Update changed persons; persons that only gained details count as updated too."""
        cursor.execute(_UPDATE_PERSONS, params)
        lines = {row[0] for row in cursor.fetchall()}
        id_of = {k.line: k.id for k in keys if k.source_record_id in existing}
        updated = {id_of[line]: line for line in lines}
        gained = set(self._add_details(cursor, params, existing=True)) - updated.keys()
        if gained:
            with connection.connection.cursor() as raw:  # server-side binding of the array
                raw.execute(
                    "UPDATE people_person SET version = version + 1, updated_at = %(now)s"
                    " WHERE id = ANY(%(ids)s::uuid[])",
                    {"now": params["now"], "ids": sorted(gained)},
                )
            line_of = {pid: line for line, pid in id_of.items()}
            updated.update({pid: line_of[pid] for pid in gained})
        return [(line, pid) for pid, line in updated.items()]

    def _audit(self, items: list[Any], now: Any) -> None:
        if not items:
            return
        entries = chain_entries(self.actor, items=items, at=now)
        # Time, actor and purpose are the same for every entry of the batch: written once.
        first = entries[0]
        head = "\t".join(
            (
                first.at.isoformat(),
                _NULL if first.actor_user_id is None else str(first.actor_user_id),
                first.actor_organisation_id or _NULL,
            )
        )
        purpose = _escape(first.purpose)
        text = "".join(
            f"{head}\t{e.action}\t{e.object_type}\t{e.object_id}\t{purpose}\t"
            # JSON text has no raw tab or newline: only a backslash would need escaping.
            f"{_escape(e.details) if _BACKSLASH in e.details else e.details}\t"
            f"{e.previous_hash}\t{e.entry_hash}\n"
            for e in entries
        )
        with connection.connection.cursor() as raw, raw.copy(_AUDIT_COPY) as copy:
            copy.write(text)
