"""PostgreSQL's CPU per statement of one import-like batch, to see where the database's time goes.

On a database that `bench/ingest.py` has filled, each round copies N stored persons with new ids
(and new source record ids, no household) and their consents, needs and vulnerabilities back in
with COPY, in one transaction, as a batch of the import does, then runs `SET CONSTRAINTS ALL
IMMEDIATE` (the deferred foreign-key checks), and rolls back. The backend's CPU time (from
/proc/<pid>/stat, so the machine's load inflates it less than wall time) is read around each
statement and printed in µs per person, the median of the rounds.

    .venv/bin/python bench/import_statements.py --database compatriot_bench_importfk
    .venv/bin/python bench/import_statements.py --database compatriot_bench_importdb --ids random

`--ids drawn` (the default) makes the new ids as the importer's workers do (1,024 at a time
sharing their first 32 bits: `normalising.new_id`); `--ids random` makes each one with
`uuid.uuid4()`, as the importer did before (branch importdb).
"""

from __future__ import annotations

import argparse
import os
import statistics
import uuid
from typing import Any

import psycopg

_TICK = os.sysconf("SC_CLK_TCK")
_DETAILS = ("people_consent", "people_need", "people_vulnerability")


def _cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stream:
        fields = stream.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


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


def _batch(
    conn: psycopg.Connection[Any], persons: int, offset: int, how: str
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
    for row in people:
        row[at["id"]] = new_id[uuid.UUID(row[at["id"]])]
        row[at["source_record_id"]] = f"{row[at['source_record_id']] or ''}-{offset}"
        row[at["household_id"]] = None
        row[columns.index("relationship")] = ""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--persons", type=int, default=10_000, help="per batch (the import's)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ids", choices=("drawn", "random"), default="drawn")
    args = parser.parse_args()
    conn = psycopg.connect(dbname=args.database, host=args.host, user=args.user)
    pid = conn.info.backend_pid
    spent: dict[str, list[float]] = {}
    for number in range(args.rounds):
        tables = _batch(conn, args.persons, number * args.persons, args.ids)
        with conn.transaction(force_rollback=True):
            conn.execute("SET LOCAL jit = off")  # as the import's statements
            for table, rows in tables:
                before = _cpu(pid)
                with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                conn.execute("SELECT 1")  # the COPY's AFTER STATEMENT triggers have run
                spent.setdefault(table, []).append(_cpu(pid) - before)
            before = _cpu(pid)
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            spent.setdefault("SET CONSTRAINTS ALL IMMEDIATE", []).append(_cpu(pid) - before)
    spent["total"] = [sum(values[i] for values in spent.values()) for i in range(args.rounds)]
    scale = 1e6 / args.persons
    print(f"{args.database}, {args.persons} persons per batch, µs of backend CPU per person:")
    for name, values in spent.items():
        rounds = ", ".join(f"{value * scale:.0f}" for value in values)
        print(f"  {name:32} {statistics.median(values) * scale:6.0f}   (rounds: {rounds})")


if __name__ == "__main__":
    main()
