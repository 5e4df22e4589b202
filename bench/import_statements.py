"""PostgreSQL's CPU per statement of one import-like batch, to see where the database's time goes.

On a database that `bench/ingest.py` has filled, each round copies N stored persons with new ids
(and new source record ids, no household) and their consents, needs and vulnerabilities back in
with COPY, in one transaction, as a batch of the import does, runs `SET CONSTRAINTS ALL
IMMEDIATE` (the deferred foreign-key checks), copies N audit entries back in with new hashes (the
chain's COPY), and rolls back. It also times the import's look-up of existing persons
(`storage._EXISTING`) for N ids none of which is stored. The backend's CPU time (from
/proc/<pid>/schedstat, so the machine's load inflates it less than wall time) and the WAL it
wrote are read around each statement and printed per person, the median of the rounds.

    .venv/bin/python bench/import_statements.py --database compatriot_bench_importfk
    .venv/bin/python bench/import_statements.py --database compatriot_bench_importdb --ids random
    .venv/bin/python bench/import_statements.py --database DB --rounds 12 \
        --variant "no recorded_by=DROP INDEX people_consent_recorded_by_id_a47a1cb6"

`--ids drawn` (the default) makes the new ids as the importer's workers do (1,024 at a time
sharing their first 32 bits: `normalising.new_id`); `--ids random` makes each one with
`uuid.uuid4()`, as the importer did before (branch importdb).

`--now` gives the copied persons (`created_at`, `updated_at`) and audit entries (`at`) the time
of the round, as an import's own rows have (its batch's start), instead of their stored times: an
index on those columns then takes the batch at its right end, as it does in an import (branch
idxbrin).

`--variant NAME=SQL` (repeatable; statements separated by `;`) runs SQL at the start of the
rolled-back transaction, before the COPYs: an index dropped, a trigger disabled or replaced.
Each round then runs "as is" and every variant on the same rows, in an order that turns from
round to round, and the differences from "as is" are printed per round (their median and range):
rolled back, a round leaves dead index entries behind, so compare within a run, and `--vacuum`
(a VACUUM of the tables after each variant) keeps later rounds from paying for earlier ones.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import statistics
import uuid
from typing import Any

import psycopg

_DETAILS = ("people_consent", "people_need", "people_vulnerability")
_AUDIT = "core_auditentry"
_CONSTRAINTS = "SET CONSTRAINTS ALL IMMEDIATE"
_LOOK_UP = "existing-persons look-up"


def _existing_persons_sql() -> str:
    """The import's own look-up of existing persons (`storage._EXISTING`), so that what is
    timed cannot drift from what the import sends. Django's settings are needed only to import
    it: nothing here goes through Django's connection."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")
    import django

    django.setup()
    from compatriot.people.imports.storage import _EXISTING

    return _EXISTING


AS_IS = "as is"


def _cpu(pid: int) -> float:
    """Seconds of CPU the backend has run, at nanosecond resolution."""
    with open(f"/proc/{pid}/schedstat") as stream:
        return int(stream.read().split()[0]) / 1e9


def _wal(conn: psycopg.Connection[Any]) -> Any:
    return conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]  # type: ignore[index]


def _wal_since(conn: psycopg.Connection[Any], start: Any) -> int:
    row = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)", [start])
    return int(row.fetchone()[0])  # type: ignore[index]


def _columns(conn: psycopg.Connection[Any], table: str) -> list[str]:
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
        " AND NOT attisdropped ORDER BY attnum",
        [table],
    ).fetchall()
    return [row[0] for row in rows]


def _rows(conn: psycopg.Connection[Any], table: str, key: str, ids: list[Any]) -> list[list[Any]]:
    query = f"COPY (SELECT * FROM {table} WHERE {key} = ANY(%s)) TO STDOUT"  # noqa: S608  constants
    with conn.cursor().copy(query, [ids]) as copy:
        return [list(row) for row in copy.rows()]


_DRAWN: list[str] = []


def _new_id(how: str) -> str:
    if how == "random":
        return str(uuid.uuid4())
    if not _DRAWN:  # as `compatriot.people.imports.normalising.new_id`
        shared = os.urandom(4).hex()
        _DRAWN.extend(str(uuid.UUID(shared + os.urandom(12).hex(), version=4)) for _ in range(1024))
    return _DRAWN.pop()


def _now() -> str:
    """The present time as COPY's text of a timestamptz."""
    return dt.datetime.now(dt.UTC).isoformat()


def _batch(
    conn: psycopg.Connection[Any], persons: int, offset: int, how: str, *, now: bool = False
) -> list[tuple[str, list]]:
    """The round's rows, by table, ready to COPY back in."""
    ids = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM people_person ORDER BY id OFFSET %s LIMIT %s", [offset, persons]
        ).fetchall()
    ]
    new_id = {old: _new_id(how) for old in ids}
    columns = _columns(conn, "people_person")
    at = {name: columns.index(name) for name in ("id", "source_record_id", "household_id")}
    people = _rows(conn, "people_person", "id", ids)
    stamp = _now()  # one for the batch, as the import's
    for row in people:
        row[at["id"]] = new_id[uuid.UUID(row[at["id"]])]
        row[at["source_record_id"]] = f"{row[at['source_record_id']] or ''}-{offset}"
        row[at["household_id"]] = None
        row[columns.index("relationship")] = ""
        if now:
            row[columns.index("created_at")] = row[columns.index("updated_at")] = stamp
    tables: list[tuple[str, list]] = [("people_person", people)]
    for table in _DETAILS:
        names = _columns(conn, table)
        rows = _rows(conn, table, "person_id", ids)
        for row in rows:
            row[names.index("id")] = _new_id(how)
            row[names.index("person_id")] = new_id[uuid.UUID(row[names.index("person_id")])]
        tables.append((table, rows))
    conn.commit()
    return tables


def _audit(
    conn: psycopg.Connection[Any], entries: int, offset: int, *, now: bool = False
) -> tuple[list[str], list]:
    """Stored entries without their ids, chained onto new hashes: the chain's COPY."""
    columns = [c for c in _columns(conn, _AUDIT) if c != "id"]
    select = f"SELECT {', '.join(columns)} FROM {_AUDIT} ORDER BY id OFFSET %s LIMIT %s"  # noqa: S608
    query = f"COPY ({select}) TO STDOUT"
    with conn.cursor().copy(query, [offset, entries]) as copy:
        rows = [list(row) for row in copy.rows()]
    previous_at, entry_at = columns.index("previous_hash"), columns.index("entry_hash")
    previous, stamp = os.urandom(32).hex(), _now()
    for row in rows:
        row[previous_at] = previous
        row[entry_at] = previous = hashlib.sha256(os.urandom(16)).hexdigest()
        if now:
            row[columns.index("at")] = stamp
    conn.commit()
    return columns, rows


def _variants(specs: list[str]) -> dict[str, list[str]]:
    variants: dict[str, list[str]] = {AS_IS: []}
    for spec in specs:
        name, _, sql = spec.partition("=")
        variants[name] = [s for s in sql.split(";") if s.strip()]
    return variants


def _round(
    conn: psycopg.Connection[Any],
    tables: list[tuple[str, list]],
    audit: tuple[list[str], list],
    setup: list[str],
) -> dict[str, tuple[float, int]]:
    """Copy the round's rows in after `setup`, roll back: CPU seconds and WAL bytes by step."""
    pid = conn.info.backend_pid
    steps: list[tuple[str, str, list | None]] = [
        (table, f"COPY {table} FROM STDIN", rows) for table, rows in tables
    ]
    steps.append((_CONSTRAINTS, _CONSTRAINTS, None))
    columns, entries = audit
    steps.append((_AUDIT, f"COPY {_AUDIT} ({', '.join(columns)}) FROM STDIN", entries))
    spent: dict[str, tuple[float, int]] = {}
    with conn.transaction(force_rollback=True):
        conn.execute("SET LOCAL jit = off")  # as the import's statements
        for statement in setup:
            conn.execute(statement)  # type: ignore[call-overload]
        for name, statement, rows in steps:
            wal, before = _wal(conn), _cpu(pid)
            if rows is None:
                conn.execute(statement)  # type: ignore[call-overload]
            else:
                with conn.cursor().copy(statement) as copy:  # type: ignore[call-overload]
                    for row in rows:
                        copy.write_row(row)
                conn.execute("SELECT 1")  # the COPY's AFTER STATEMENT triggers have run
            spent[name] = (_cpu(pid) - before, _wal_since(conn, wal))
    return spent


def _look_up(conn: psycopg.Connection[Any], persons: int, offset: int) -> float:
    """CPU seconds of the existing-persons look-up of `persons` ids that are not stored."""
    row = conn.execute("SELECT registered_by_id, crisis_id FROM people_person LIMIT 1").fetchone()
    organisation, crisis = row  # type: ignore[misc]
    ids = [
        f"{srid}-absent"
        for (srid,) in conn.execute(
            "SELECT source_record_id FROM people_person ORDER BY id OFFSET %s LIMIT %s",
            [offset, persons],
        ).fetchall()
    ]
    look_up = _existing_persons_sql()
    before = _cpu(conn.info.backend_pid)
    conn.execute(look_up, [crisis, ids, organisation]).fetchall()
    spent = _cpu(conn.info.backend_pid) - before
    conn.commit()
    return spent


def _vacuum(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    conn.execute(f"VACUUM people_person, {', '.join(_DETAILS)}, {_AUDIT}")
    conn.autocommit = False


def _step(spent: dict[str, tuple[float, int]], name: str, index: int) -> float:
    """One step's CPU seconds (index 0) or WAL bytes (1); "total": all steps'."""
    if name == "total":
        return sum(value[index] for value in spent.values())
    return spent[name][index]


def _print(args: argparse.Namespace, runs: dict[str, list[dict[str, tuple[float, int]]]]) -> None:
    scale = 1e6 / args.persons
    print(
        f"{args.database}, {args.persons} persons per batch, {args.rounds} rounds: µs of backend"
        " CPU per person (median; differences from 'as is' per round: median and range),"
        " WAL bytes per person (median)"
    )
    for name in [*runs[AS_IS][0], "total"]:
        print(f"  {name}")
        for variant, rounds in runs.items():
            cpu = [_step(spent, name, 0) for spent in rounds]
            line = f"    {variant:40} {statistics.median(cpu) * scale:6.1f}"
            if variant != AS_IS:
                base = [_step(spent, name, 0) for spent in runs[AS_IS]]
                diffs = [a - b for a, b in zip(cpu, base, strict=True)]
                line += (
                    f"  {statistics.median(diffs) * scale:+5.1f}"
                    f" ({min(diffs) * scale:+.1f} .. {max(diffs) * scale:+.1f})"
                )
            wal = statistics.median(_step(spent, name, 1) for spent in rounds)
            print(f"{line:82} WAL {wal / args.persons:6.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--persons", type=int, default=10_000, help="per batch (the import's)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ids", choices=("drawn", "random"), default="drawn")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=SQL")
    parser.add_argument("--vacuum", action="store_true", help="VACUUM the tables after each")
    parser.add_argument(
        "--now", action="store_true", help="the copied rows' creation times are the round's"
    )
    args = parser.parse_args()
    conn = psycopg.connect(dbname=args.database, host=args.host, user=args.user)
    variants = _variants(args.variant)
    runs: dict[str, list[dict[str, tuple[float, int]]]] = {name: [] for name in variants}
    look_ups: list[float] = []
    for number in range(args.rounds):
        offset = number * args.persons
        tables = _batch(conn, args.persons, offset, args.ids, now=args.now)
        audit = _audit(conn, args.persons, offset, now=args.now)
        names = list(variants)
        turn = number % len(names)
        for name in names[turn:] + names[:turn]:
            runs[name].append(_round(conn, tables, audit, variants[name]))
            if args.vacuum:
                _vacuum(conn)
        look_ups.append(_look_up(conn, args.persons, offset))
    _print(args, runs)
    print(f"  {_LOOK_UP} (ids not stored): {statistics.median(look_ups) * 1e6 / args.persons:.1f}")


if __name__ == "__main__":
    main()
