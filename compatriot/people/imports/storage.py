"""The fast way to store a batch on PostgreSQL: COPY, and a few statements for what exists.

Per batch:
1. (`prepare`, in file order) look up which source record ids exist (unless the organisation
   had none when the import began: see `PostgresStorage.prepare`), and give each household
   reference an id, existing or new;
2. in one transaction: COPY the batch's new households; COPY its new persons and their details
   straight into their tables (binary COPY rows made by the worker processes, see `copybinary`,
   so this process only adds each row's household and the batch's constant columns); COPY the
   persons already stored and their details into TEMP tables, UPDATE those whose columns differ
   (IS DISTINCT FROM), insert the details they do not have yet, and bump the version of persons
   that only gained details;
3. check the deferred foreign keys (persons' and details' keys to crises, organisations, users
   and persons are checked by each COPY itself: people migration 0004), wait for the batch's
   turn (see `ordering`: batches may be written on two connections at once), extend the audit
   chain (one lock, one read of the last hash), COPY the entries, and commit.

One import of an organisation at a time: `write` takes an advisory lock per batch, and an
import writing on several connections holds it for its whole duration (`import_lock`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any

import psycopg
from django.db import IntegrityError, connection, transaction

from compatriot.core.viewer import Viewer
from compatriot.people.imports import copybinary
from compatriot.people.imports.auditing import COPY_COLUMNS as AUDIT_COPY_COLUMNS
from compatriot.people.imports.auditing import chain_copy_data
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
from compatriot.people.imports.normalising import (
    COMPARED_FIELDS,
    CONSENT_COPY_COLUMNS,
    NEED_COPY_COLUMNS,
    PERSON_COPY_COLUMNS,
    VULNERABILITY_COPY_COLUMNS,
    RowKey,
)
from compatriot.people.imports.ordering import Turns

IMPORT_LOCK_CLASS = 7414  # with a hash of the organisation: one import batch at a time per org
STAGE = "compatriot_import_person"
# A RowKey's first fields (line, id, source_record_id), taken in C.
_LINE, _ID, _SOURCE_RECORD_ID = map(itemgetter, range(3))


@dataclass(frozen=True)
class Table:
    """A details table a batch copies into (binary COPY: `copybinary`): its name, the columns of
    the bodies the workers make, and the columns the writer appends to each row (their values
    are the same for the whole batch)."""

    name: str
    leading: tuple[str, ...]
    constant: tuple[str, ...]
    staging: str  # the TEMP table of the rows of persons already stored

    @property
    def columns(self) -> str:
        return ", ".join((*self.leading, *self.constant))

    def copy(self, table: str) -> str:
        return f"COPY {table} ({self.columns}) FROM STDIN (FORMAT binary)"

    def data(self, rows: list[tuple[bytes, ...]], constant: bytes) -> bytes:
        """The binary COPY data of the persons' `rows` (empty if they have none)."""
        fields = len(self.leading) + len(self.constant)
        return copybinary.data(chain.from_iterable(rows), fields, constant)


VULNERABILITIES = Table(
    "people_vulnerability",
    VULNERABILITY_COPY_COLUMNS,
    ("note", "recorded_at"),
    "compatriot_import_vulnerability",
)
NEEDS = Table(
    "people_need",
    NEED_COPY_COLUMNS,
    ("status", "details", "created_at", "updated_at"),
    "compatriot_import_need",
)
CONSENTS = Table(
    "people_consent",
    CONSENT_COPY_COLUMNS,
    ("given_at", "recorded_by_id", "recorded_by_organisation_id"),
    "compatriot_import_consent",
)
PERSON_CONSTANT_COLUMNS = (
    "crisis_id", "registered_by_id", "registered_by_user_id", "version", "created_at", "updated_at"
)  # fmt: skip
_PERSON_COLUMNS_COPIED = (*PERSON_COPY_COLUMNS, "household_id", *PERSON_CONSTANT_COLUMNS)
_COPY_PERSONS = (
    f"COPY people_person ({', '.join(_PERSON_COLUMNS_COPIED)}) FROM STDIN (FORMAT binary)"
)
_STAGE_COLUMNS = (*PERSON_COPY_COLUMNS, "household_id", "line")
_COPY_STAGE = f"COPY {STAGE} ({', '.join(_STAGE_COLUMNS)}) FROM STDIN (FORMAT binary)"

_CREATE_STAGING = f"""
CREATE TEMP TABLE IF NOT EXISTS {STAGE} (
    line integer NOT NULL, id uuid NOT NULL, source_record_id text NOT NULL, source text NOT NULL,
    given_name text NOT NULL, family_name text NOT NULL,
    given_name_latin text NOT NULL, family_name_latin text NOT NULL, search_text text NOT NULL,
    sex text NOT NULL, birth_date date, birth_date_precision text NOT NULL,
    nationality text NOT NULL, nationalities jsonb NOT NULL, languages jsonb NOT NULL,
    phones jsonb NOT NULL, email text NOT NULL, country text NOT NULL,
    admin_area text NOT NULL, place_name text NOT NULL,
    latitude double precision, longitude double precision,
    journey_stage text NOT NULL, category text NOT NULL, relationship text NOT NULL,
    household_id uuid
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS {VULNERABILITIES.staging} (
    id uuid NOT NULL, person_id uuid NOT NULL, code text NOT NULL, note text NOT NULL,
    recorded_at timestamptz NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS {NEEDS.staging} (
    id uuid NOT NULL, person_id uuid NOT NULL, category text NOT NULL, urgency text NOT NULL,
    status text NOT NULL, details text NOT NULL, created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS {CONSENTS.staging} (
    id uuid NOT NULL, person_id uuid NOT NULL, scope text NOT NULL, partner_kinds jsonb NOT NULL,
    method text NOT NULL, given_at timestamptz NOT NULL, recorded_by_id integer,
    recorded_by_organisation_id uuid
) ON COMMIT DELETE ROWS;
-- Emptied at commit; emptied here too for batches that share one outer transaction (tests).
TRUNCATE {STAGE}, {VULNERABILITIES.staging}, {NEEDS.staging}, {CONSENTS.staging};
-- These statements are simple scans and joins: compiling them (JIT, chosen for their row
-- counts) takes longer than running them.
SET LOCAL jit = off;
"""

# SQL below is assembled from the constant names in this module only; values are parameters.
_PERSON_COLUMNS = (*COMPARED_FIELDS, "household_id")
_UPDATE_PERSONS = f"""
UPDATE people_person p SET {", ".join(f"{c} = s.{c}" for c in _PERSON_COLUMNS)},
    version = p.version + 1, updated_at = %(now)s
FROM {STAGE} s
WHERE p.id = s.id
  AND ({", ".join(f"p.{c}" for c in _PERSON_COLUMNS)})
      IS DISTINCT FROM ({", ".join(f"s.{c}" for c in _PERSON_COLUMNS)})
RETURNING s.line
"""  # noqa: S608
_ANALYZE_STAGING = (
    f"ANALYZE {STAGE} (id), {VULNERABILITIES.staging} (person_id, code),"
    f" {NEEDS.staging} (person_id, category), {CONSENTS.staging} (person_id, scope)"
)
# A person already stored gains only what it lacks: a vulnerability code, a need category or a
# consent scope it has no record of at all (so a re-import never re-grants a withdrawn consent
# nor reopens a need that was met). Each staged row probes its person's records by index: as a
# plain NOT EXISTS the planner, on statistics that lag behind an import, made it an anti-join
# sorting the whole table (to disk) once per batch. OFFSET 0 keeps each subquery a per-row probe;
# needs are probed by person only, inside the fence, so that the planner cannot combine the
# person index with the (category, status) one (a BitmapAnd over every need of a category).
_RECORDED = {
    VULNERABILITIES: "SELECT 1 FROM people_vulnerability x"
    " WHERE x.person_id = d.person_id AND x.code = d.code OFFSET 0",
    NEEDS: "SELECT 1 FROM (SELECT x.category FROM people_need x"
    " WHERE x.person_id = d.person_id OFFSET 0) AS x WHERE x.category = d.category",
    CONSENTS: "SELECT 1 FROM people_consent x"
    " WHERE x.person_id = d.person_id AND x.scope = d.scope OFFSET 0",
}
_DEFERRABLE_BUT_HOUSEHOLD = """
SELECT c.conname FROM pg_constraint c
WHERE c.condeferrable AND c.conrelid IN ('people_person'::regclass, 'people_household'::regclass,
    'people_vulnerability'::regclass, 'people_need'::regclass, 'people_consent'::regclass)
  AND NOT (c.conrelid = 'people_person'::regclass AND c.contype = 'f'
    AND c.confrelid = 'people_household'::regclass)
ORDER BY c.conname
"""
# Whether the organisation has registered any person with a source record id, in any crisis.
# NULL (no source id) sorts last in the key's index, so the first entry answers.
_HAD_SOURCE_RECORDS = """
SELECT EXISTS (
    SELECT FROM people_person WHERE registered_by_id = %s AND source_record_id IS NOT NULL
)
"""
SOURCE_RECORD_KEY = "person_source_record_unique"
# One probe of the (registered_by, source_record_id) key per id of the batch. Written as
# `source_record_id = ANY(%s)`, the planner scanned all of the organisation's persons instead
# (its row estimate makes 10,000 probes look dearer than a scan), once per batch: a cost that
# grew with every batch the import had stored. OFFSET 0 keeps the subquery from being flattened
# into a join, which the planner would make a hash join over the same scan. The ids travel as
# one text, separated by spaces (which no source record id holds: `SourceRecordId`), split by
# the server: joining them is one C call, where psycopg dumped each into a binary array in
# Python (~0.3 µs per id; quoting them into an array literal took 0.9).
_EXISTING = """
SELECT p.source_record_id, p.id::text, p.crisis_id <> %s
FROM unnest(string_to_array(%s::text, ' ')) AS k(source_record_id)
CROSS JOIN LATERAL (
    SELECT x.source_record_id, x.id, x.crisis_id FROM people_person x
    WHERE x.registered_by_id = %s AND x.source_record_id = k.source_record_id OFFSET 0
) AS p
"""
_HOUSEHOLD_COLUMNS = ("id", "label", "crisis_id", "registered_by_id", "created_at", "updated_at")
_COPY_HOUSEHOLDS = (
    f"COPY people_household ({', '.join(_HOUSEHOLD_COLUMNS)}) FROM STDIN (FORMAT binary)"
)
_AUDIT_COPY = f"COPY core_auditentry ({', '.join(AUDIT_COPY_COLUMNS)}) FROM STDIN (FORMAT binary)"


def _household_fields(household_ids: dict[str, uuid.UUID]) -> dict[str | None, bytes]:
    """The household_id field of a person's binary COPY row, by its household reference."""
    fields: dict[str | None, bytes] = {None: copybinary.NULL}
    fields.update((ref, copybinary.uuid_field(hid)) for ref, hid in household_ids.items())
    return fields


def _of_person(rows: tuple[bytes, ...], person: bytes) -> tuple[bytes, ...]:
    """Details' binary rows (`normalising.detail_copy_rows`) with `person` (a UUID's field) as
    their person's id: the second field of each, after the row's own id."""
    start, end = copybinary.UUID_FIELD, 2 * copybinary.UUID_FIELD
    return tuple(row[:start] + person + row[end:] for row in rows)


class CopiedHouseholds(HouseholdResolver):
    """New households go in with binary COPY (`copybinary`): an import can bring hundreds of
    thousands. Each row is its id and label; the crisis, organisation and times follow as the
    batch's constant fields."""

    def create(self, households: list[tuple[str, uuid.UUID]]) -> None:
        at = copybinary.timestamp(batch_time())
        constant = b"".join(
            (
                copybinary.uuid_field(self.crisis_id),
                copybinary.uuid_field(self.actor.organisation_id),
                at,
                at,
            )
        )
        uuid_length, text = copybinary.UUID_LENGTH, copybinary.text
        data = copybinary.data(
            [uuid_length + household_id.bytes + text(label) for label, household_id in households],
            len(_HOUSEHOLD_COLUMNS),
            constant,
        )
        with connection.connection.cursor() as cursor, cursor.copy(_COPY_HOUSEHOLDS) as copy:
            copy.write(data)


@dataclass
class Rows:
    """Rows of a batch and their binary COPY rows (`normalising.person_copy_row`,
    `normalising.detail_copy_rows`), aligned."""

    keys: list[RowKey] = field(default_factory=list)
    persons: list[bytes] = field(default_factory=list)
    vulnerabilities: list[tuple[bytes, ...]] = field(default_factory=list)
    needs: list[tuple[bytes, ...]] = field(default_factory=list)
    consents: list[tuple[bytes, ...]] = field(default_factory=list)

    def details(self) -> tuple[tuple[Table, list[tuple[bytes, ...]]], ...]:
        return (
            (VULNERABILITIES, self.vulnerabilities),
            (NEEDS, self.needs),
            (CONSENTS, self.consents),
        )


@dataclass
class Prepared:
    """A batch ready to write: rows split into new and stored persons, households assigned."""

    new: Rows
    stored: Rows  # with the stored persons' ids
    rejected: list[Rejection]
    households: AssignedHouseholds | None
    looked_up: bool  # False: the look-up was skipped, every row is in `new`


def _sorted_rows(
    aligned: tuple[list[Any], ...], existing: dict[str, tuple[str, bool]]
) -> tuple[Rows, Rows, list[Rejection], list[RowKey]]:
    """Rows (keys, persons' and details' rows, aligned) split by the `existing` persons: new,
    stored (with the stored persons' ids), rejected (another crisis's) and the keys kept."""
    keys = aligned[0]
    if not existing:
        return Rows(*aligned), Rows(), [], keys
    new, stored, rejected, kept = Rows(), Rows(), [], []
    for key, person, vulnerabilities, needs, consents in zip(*aligned, strict=True):
        found = existing.get(key.source_record_id)
        if found is None:
            rows = new
        else:
            person_id, other_crisis = found
            if other_crisis:
                rejected.append(Rejection(key.line, "source_record_id", OTHER_CRISIS))
                continue
            # The row's new id, first in its person's row and the person_id of its details,
            # becomes the stored person's.
            stored_id = copybinary.uuid_text_field(person_id)
            person = stored_id + person[copybinary.UUID_FIELD :]
            vulnerabilities = _of_person(vulnerabilities, stored_id)
            needs = _of_person(needs, stored_id)
            consents = _of_person(consents, stored_id)
            key = key._replace(id=person_id)
            rows = stored
        kept.append(key)
        rows.keys.append(key)
        rows.persons.append(person)
        rows.vulnerabilities.append(vulnerabilities)
        rows.needs.append(needs)
        rows.consents.append(consents)
    return new, stored, rejected, kept


def _constraint_of(error: BaseException) -> str | None:
    """The constraint a psycopg error (raised as is, or wrapped by Django) names."""
    for cause in (error, error.__cause__):
        if isinstance(cause, psycopg.Error) and cause.diag.constraint_name:
            return cause.diag.constraint_name
    return None


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
        # Whether batches look up their stored persons: decided by the first batch, under the
        # import's lock (None until then); True for good once a batch met a person registered
        # meanwhile.
        self._look_up: bool | None = None

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
        batch, in the importing thread (or in the batch's own transaction, under the lock).

        When the organisation had no person with a source record id as the import began (its
        first import), a row can match only a person registered since: by the API, or by
        another import of the organisation between two batches of `write` (with several
        connections, `import_lock` keeps those out). The look-up, one probe of the key per row
        (2 to 4 µs of the server's CPU each), is then skipped, and a batch whose COPY meets
        such a person is written again with it (`write_prepared`): updated or rejected as it
        would have been had it been looked up."""
        if self._look_up is None:
            self._look_up = self._had_source_records()
        looked_up = self._look_up
        aligned = (
            batch.keys,
            batch.person_rows,
            batch.vulnerability_rows,
            batch.need_rows,
            batch.consent_rows,
        )
        existing = self._existing(batch.keys) if looked_up else {}
        new, stored, rejected, kept = _sorted_rows(aligned, existing)
        refs = household_refs(kept)
        households = self.households.assign(refs, batch_number=number) if refs else None
        return Prepared(new, stored, rejected, households, looked_up)

    def write_prepared(self, prepared: Prepared, number: int, turns: Turns | None) -> BatchOutcome:
        """Write a prepared batch in one transaction. With `turns` (batches on several
        connections), commit only after batch `number - 1` has."""
        outcome = BatchOutcome(rejected=prepared.rejected)
        params = {**self.params, "now": batch_time()}
        new, stored = prepared.new, prepared.stored
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            items = self._households(prepared.households)
            household_ids = prepared.households.ids if prepared.households else {}
            # psycopg's own cursors (COPY) raise its errors unwrapped: a key refused by the
            # checks of the COPY statement itself (a person's source record id registered
            # meanwhile, a parent deleted meanwhile) is the IntegrityError the command reports.
            with connection.wrap_database_errors:
                if prepared.looked_up:
                    self._copy_new(new, household_ids, params["now"])
                elif not self._copied_unless_registered(new, household_ids, params["now"]):
                    # The batch, households aside, is written as if it had been looked up.
                    self._look_up = True
                    new, stored, rejected, _ = _sorted_rows(
                        (new.keys, new.persons, new.vulnerabilities, new.needs, new.consents),
                        self._existing(new.keys),
                    )
                    outcome.rejected = [*outcome.rejected, *rejected]
                    self._copy_new(new, household_ids, params["now"])
            created = list(zip(map(_LINE, new.keys), map(_ID, new.keys), strict=True))
            updated = self._update(cursor, params, stored, household_ids) if stored.keys else []
            outcome.created = len(created)
            outcome.updated = len(updated)
            outcome.unchanged = len(stored.keys) - len(updated)
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

    def _constant(self, table: Table | None, now: Any) -> bytes:
        """The batch's constant columns of `table` (persons: None), as the end of a binary COPY
        row."""
        at = copybinary.timestamp(now)
        organisation = copybinary.uuid_field(self.actor.organisation_id)
        fields = {
            None: (
                copybinary.uuid_field(self.crisis_id),
                organisation,
                copybinary.integer(self.actor.user_id),
                copybinary.integer(1),
                at,
                at,
            ),
            VULNERABILITIES: (copybinary.text(""), at),
            NEEDS: (copybinary.text("open"), copybinary.text(""), at, at),
            CONSENTS: (at, copybinary.integer(self.actor.user_id), organisation),
        }[table]
        return b"".join(fields)

    def _copy_new(self, new: Rows, household_ids: dict[str, uuid.UUID], now: Any) -> None:
        """COPY new persons and their details straight into their tables."""
        if not new.keys:
            return
        households = _household_fields(household_ids)
        persons = copybinary.data(
            [
                person + households[key.household_ref]
                for key, person in zip(new.keys, new.persons, strict=True)
            ],
            len(_PERSON_COLUMNS_COPIED),
            self._constant(None, now),
        )
        raw = connection.connection
        with raw.cursor() as cursor:
            with cursor.copy(_COPY_PERSONS) as copy:
                copy.write(persons)
            for table, rows in new.details():
                if data := table.data(rows, self._constant(table, now)):
                    with cursor.copy(table.copy(table.name)) as copy:
                        copy.write(data)

    def _copied_unless_registered(
        self, new: Rows, household_ids: dict[str, uuid.UUID], now: Any
    ) -> bool:
        """COPY the new persons of a batch that was not looked up; False, with nothing of
        theirs written (rolled back to a savepoint), if one of their source record ids has
        been registered meanwhile."""
        try:
            with transaction.atomic():
                self._copy_new(new, household_ids, now)
        except (psycopg.errors.UniqueViolation, IntegrityError) as error:
            if _constraint_of(error) != SOURCE_RECORD_KEY:
                raise
            return False
        return True

    def _update(
        self,
        cursor: Any,
        params: dict[str, Any],
        stored: Rows,
        household_ids: dict[str, uuid.UUID],
    ) -> list[tuple[int, str]]:
        """Update the stored persons that changed, add the details they lack; persons that only
        gained details count as updated too. Returns (line, person id) of the updated."""
        cursor.execute(_CREATE_STAGING)
        households = _household_fields(household_ids)
        persons = copybinary.data(
            [
                person + households[key.household_ref] + copybinary.integer(key.line)
                for key, person in zip(stored.keys, stored.persons, strict=True)
            ],
            len(_STAGE_COLUMNS),
            b"",
        )
        raw = connection.connection
        with raw.cursor() as copying:
            with copying.copy(_COPY_STAGE) as copy:
                copy.write(persons)
            for table, rows in stored.details():
                if data := table.data(rows, self._constant(table, params["now"])):
                    with copying.copy(table.copy(table.staging)) as copy:
                        copy.write(data)
        # Temporary tables have no statistics until analysed; without them the planner may scan
        # a whole details table once per staged row. The row counts and the joined columns are
        # what it needs: analysing every column (names, search text, JSON) cost seven times more.
        cursor.execute(_ANALYZE_STAGING)
        cursor.execute(_UPDATE_PERSONS, params)
        lines = {row[0] for row in cursor.fetchall()}
        id_of = {k.line: k.id for k in stored.keys}
        updated = {id_of[line]: line for line in lines}
        gained: set[str] = set()
        for table, _ in stored.details():
            cursor.execute(
                f"INSERT INTO {table.name} ({table.columns})"  # noqa: S608  constants
                f" SELECT {table.columns} FROM {table.staging} d"
                f" WHERE NOT EXISTS ({_RECORDED[table]}) RETURNING person_id::text"
            )
            gained.update(row[0] for row in cursor.fetchall())
        gained -= updated.keys()
        if gained:
            with connection.connection.cursor() as raw_cursor:  # server-side array binding
                raw_cursor.execute(
                    "UPDATE people_person SET version = version + 1, updated_at = %(now)s"
                    " WHERE id = ANY(%(ids)s::uuid[])",
                    {"now": params["now"], "ids": sorted(gained)},
                )
            line_of = {pid: line for line, pid in id_of.items()}
            updated.update({pid: line_of[pid] for pid in gained})
        return [(line, pid) for pid, line in updated.items()]

    def _constraints_but_household(self) -> str:
        """The deferrable constraints of the tables a batch writes, but persons' household key."""
        if self._other_constraints is None:
            with connection.cursor() as cursor:
                cursor.execute(_DEFERRABLE_BUT_HOUSEHOLD)
                names = [row[0] for row in cursor.fetchall()]
            self._other_constraints = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
        return self._other_constraints

    def _had_source_records(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(_HAD_SOURCE_RECORDS, [self.actor.organisation_id])
            return bool(cursor.fetchone()[0])

    def _existing(self, keys: Sequence[RowKey]) -> dict[str, tuple[str, bool]]:
        """source_record_id -> (person id, whether it belongs to another crisis)."""
        # A server-side binding cursor sends the ids as one array parameter; Django's cursors
        # (client-side binding) would quote ten thousand strings into the query text in Python.
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(
                _EXISTING,
                [
                    self.crisis_id,
                    " ".join(map(_SOURCE_RECORD_ID, keys)),
                    self.actor.organisation_id,
                ],
            )
            return {srid: (pid, other) for srid, pid, other in cursor.fetchall()}

    def _households(self, households: AssignedHouseholds | None) -> list[Any]:
        """Create the batch's new households; their audit items."""
        if households is None:
            return []
        if households.created:
            self.households.create(households.created)
        return list(households.items)

    def _audit(self, items: list[Any], now: Any) -> None:
        if not items:
            return
        data = chain_copy_data(self.actor, items=items, at=now)
        with connection.connection.cursor() as raw, raw.copy(_AUDIT_COPY) as copy:
            copy.write(data)
