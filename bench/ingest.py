#!/usr/bin/env python
"""Bulk import throughput: `compatriot import persons` against PostgreSQL's own COPY.

1. generates N persons with the scenario generator (`compatriot.scenario.generator`) and writes
   them as an import CSV to bench/out/;
2. drops and recreates a dedicated PostgreSQL database (default `compatriot_bench`), migrates it,
   and creates a crisis, an organisation and a volunteer;
3. times (a) PostgreSQL's own `COPY ... FROM STDIN (FORMAT csv)` of the same file into a plain
   table with the file's columns, all text (the ceiling: no parsing, no validation, no indexes);
   (b) `import_persons` end to end on the empty table (normalisation, COPY, upsert, details,
   audit chain); (c) the same import again (every row unchanged); and (d) `audit verify`;
4. prints one markdown table, the figures docs/benchmarks.md quotes.

Nothing is written into the repository: the CSV, the database and the printed table are all.

    .venv/bin/python bench/ingest.py --persons 1000000
    .venv/bin/python bench/ingest.py --persons 200000 --workers 2 --batch-size 10000
    .venv/bin/python bench/ingest.py --persons 200000 --reuse-csv --connections 1
    .venv/bin/python bench/ingest.py --persons 200000 --database-name compatriot_bench_mine
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import random
import resource
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Django and the project are imported inside the functions: DATABASE_URL must be set first.
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
_ROWS = [1]  # rows in the generated file, for the CPU figures
sys.path.insert(0, str(ROOT))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/compatriot_bench"
    )
    parser.add_argument(
        "--database-name",
        help="the database to drop and recreate, instead of the one in --database-url (so that"
        " two benchmarks on one server do not drop each other's)",
    )
    parser.add_argument("--workers", type=int, default=None, help="default: the importer's")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the importer's")
    parser.add_argument(
        "--reuse-csv", action="store_true", help="import the CSV of an earlier run if it is there"
    )
    parser.add_argument("--connections", type=int, default=None, help="default: the importer's")
    parser.add_argument("--skip-reimport", action="store_true")
    parser.add_argument("--skip-verify", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the import (slower)")
    return parser.parse_args()


def _recreate_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')


# --- rows ------------------------------------------------------------------------------------


def _generate_csv(persons: int, seed: int, path: Path) -> tuple[int, str]:
    try:
        from compatriot.scenario import generator  # needs django.setup()
    except ImportError:
        return _write_csv(_stand_in_rows(persons, seed), path), "a stand-in generator"
    rows = generator.generate_rows(generator.ScenarioConfig(persons=persons, seed=seed))
    return generator.write_csv(rows, path, include_truth=False), "compatriot.scenario.generator"


def _stand_in_rows(persons: int, seed: int) -> Iterator[dict[str, Any]]:
    """Used only until compatriot.scenario.generator exists: varied names and scripts, national
    and international phones, households, needs and consents."""
    rng = random.Random(seed)
    given = [
        "Chukwuemeka",
        "Ngozi",
        "Олександр",
        "Марія",
        "محمد",
        "فاطمة",
        "राहुल",
        "Kwame",
        "Aisha",
        "Rahul",
    ]
    family = ["Okafor", "Adeyemi", "Шевченко", "Алиев", "الحسن", "शर्मा", "Mensah", "Sharma", "Moyo"]
    nationalities = ["NG", "GH", "IN", "MA", "EG", "AZ", "UZ", "CM", "ZW", "NP"]
    for index in range(persons):
        nationality = rng.choice(nationalities)
        household = f"H{index // 3}" if index % 4 == 0 else ""
        yield {
            "source_record_id": f"bench-{index}",
            "given_name": rng.choice(given),
            "family_name": rng.choice(family),
            "sex": rng.choice(["female", "male", "unknown"]),
            "birth_date": f"{rng.randint(1950, 2015)}-{rng.randint(1, 12):02d}"
            if rng.random() < 0.7
            else str(rng.randint(1950, 2015)),
            "nationalities": nationality,
            "languages": "en ru" if rng.random() < 0.5 else "en",
            "phones": f"+38067{rng.randint(1_000_000, 9_999_999)}"
            if rng.random() < 0.5
            else f"067 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "country": "UA",
            "admin_area": "Kharkiv Oblast",
            "place_name": "Kharkiv",
            "journey_stage": rng.choice(["in_crisis_country", "in_transit", "at_border"]),
            "category": rng.choice(["student", "worker", "visitor"]),
            "household_ref": household,
            "relationship": "head" if household else "",
            "needs": rng.choice(["evacuation:high", "food shelter", "documents", ""]),
            **(
                {"consent": "registration sharing", "sharing_partner_kinds": "ngo"}
                if rng.random() < 0.6
                else {"consent": "registration", "sharing_partner_kinds": ""}
            ),
        }


def _write_csv(rows: Iterator[dict[str, Any]], path: Path) -> int:
    from compatriot.people.imports.columns import COLUMNS

    count = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_text(row.get(name)) for name in COLUMNS])
            count += 1
    return count


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    return str(value)


# --- measurements ----------------------------------------------------------------------------


def _copy_ceiling(path: Path) -> float:
    """PostgreSQL's own COPY of the CSV into a plain all-text table with the same columns."""
    from django.db import connection

    with path.open(encoding="utf-8") as stream:
        columns = next(csv.reader(stream))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_ingest_copy")
        cursor.execute(
            "CREATE TABLE bench_ingest_copy ("
            + ", ".join(f'"{name}" text' for name in columns)
            + ")"
        )
    raw = connection.connection
    started = time.perf_counter()
    statement = "COPY bench_ingest_copy FROM STDIN (FORMAT csv, HEADER true)"
    with (
        raw.transaction(),
        raw.cursor() as cursor,
        path.open("rb") as stream,
        cursor.copy(statement) as copy,
    ):
        while block := stream.read(1 << 20):
            copy.write(block)
    return time.perf_counter() - started


def _setup_world() -> dict[str, str]:
    import datetime as dt

    from django.contrib.auth import get_user_model

    from compatriot.core.models import Crisis, Membership, Organisation, Role

    crisis = Crisis.objects.create(
        name="Bench crisis",
        kind="conflict",
        affected_countries=["UA"],
        started_on=dt.date(2022, 2, 24),
    )
    organisation = Organisation.objects.create(name="Bench organisation", kind="ngo")
    user = get_user_model().objects.create_user(username="bench")
    Membership.objects.create(user=user, organisation=organisation, role=Role.VOLUNTEER)
    return {"crisis": str(crisis.id), "org": str(organisation.id), "as_user": user.username}


class _BackendCpu:
    """CPU seconds of this database's PostgreSQL backends (every connection the import opens),
    sampled from /proc while the import runs, so that backends which exit are still counted."""

    def __init__(self, database: str) -> None:
        self.marker = f" {database} "
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.start = self._sample()
        self.thread.start()

    def _sample(self) -> dict[int, float]:
        found: dict[int, float] = {}
        tick = os.sysconf("SC_CLK_TCK")
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as stream:
                    command = stream.read().replace(b"\0", b" ").decode(errors="replace")
                if not command.startswith("postgres:") or self.marker not in command + " ":
                    continue
                with open(f"/proc/{entry}/stat") as stream:
                    fields = stream.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
        return found

    def _run(self) -> None:
        while not self.stop.wait(0.2):
            for pid, seconds in self._sample().items():
                self.seen[pid] = max(seconds, self.seen.get(pid, 0.0))

    def seconds(self) -> float:
        self.stop.set()
        self.thread.join()
        for pid, seconds in self._sample().items():
            self.seen[pid] = max(seconds, self.seen.get(pid, 0.0))
        return sum(s - self.start.get(pid, 0.0) for pid, s in self.seen.items())


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _import(path: Path, world: dict[str, str], args: argparse.Namespace) -> tuple[float, str, str]:
    from django.core.management import call_command

    options: dict[str, Any] = dict(world)
    if args.workers is not None:
        options["workers"] = args.workers
    if args.batch_size is not None:
        options["batch_size"] = args.batch_size
    if args.connections is not None:
        options["connections"] = args.connections
    out, err = io.StringIO(), io.StringIO()
    backends = _BackendCpu(args.database_url.rpartition("/")[2])
    own_before, children_before = _cpu()
    started = time.perf_counter()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(
            call_command, "import_persons", str(path), stdout=out, stderr=err, **options
        )
        elapsed = time.perf_counter() - started
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    else:
        call_command("import_persons", str(path), stdout=out, stderr=err, **options)
        elapsed = time.perf_counter() - started
    own_after, children_after = _cpu()
    database = backends.seconds()
    rows = _ROWS[0]
    cpu = (
        f"CPU µs/row: importer {1e6 * (own_after - own_before) / rows:.0f}, "
        f"workers {1e6 * (children_after - children_before) / rows:.0f}, "
        f"PostgreSQL backends {1e6 * database / rows:.0f}"
    )
    return elapsed, out.getvalue().splitlines()[0], cpu


def _verify() -> tuple[float, str]:
    from compatriot.core.audit import audit_verify

    started = time.perf_counter()
    report = audit_verify()
    return time.perf_counter() - started, f"{report.checked} entries, {report.reason}"


def _machine() -> str:
    from django.db import connection

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, "
        f"PostgreSQL {server.split()[0]}"
    )


def main() -> None:
    args = _arguments()
    if args.database_name:
        args.database_url = f"{args.database_url.rpartition('/')[0]}/{args.database_name}"
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")
    print("load average at the start: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    _recreate_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"ingest-{args.persons}-{args.seed}.csv"
    started = time.perf_counter()
    if args.reuse_csv and path.exists():
        with path.open(encoding="utf-8", newline="") as stream:
            count = sum(1 for _ in csv.reader(stream)) - 1
        print(f"reusing {path} ({count} rows)")
    else:
        count, source = _generate_csv(args.persons, args.seed, path)
        elapsed = time.perf_counter() - started
        print(f"generated {count} rows with {source} into {path} in {elapsed:.1f} s")
    _ROWS[0] = count
    world = _setup_world()

    results: list[tuple[str, float, str]] = []
    cpu: list[str] = []
    results.append(
        ("(a) PostgreSQL COPY of the CSV into a plain text table", _copy_ceiling(path), "")
    )
    elapsed, summary, usage = _import(path, world, args)
    results.append(("(b) `import persons`, empty table", elapsed, summary))
    cpu.append(f"(b) {usage}")
    if not args.skip_reimport:
        elapsed, summary, usage = _import(path, world, args)
        results.append(("(c) `import persons` again, same file", elapsed, summary))
        cpu.append(f"(c) {usage}")
    if not args.skip_verify:
        elapsed, summary = _verify()
        results.append(("(d) `audit verify` over the chain", elapsed, summary))

    command = " ".join([".venv/bin/python", "bench/ingest.py", *sys.argv[1:]])
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\n`{command}`: {args.persons:,} persons, {count:,} rows; {_machine()}")
    print(f"load average at the end: {load}\n")
    print("| step | seconds | rows/s | outcome |")
    print("| --- | ---: | ---: | --- |")
    for label, seconds, outcome in results:
        print(f"| {label} | {seconds:.1f} | {count / seconds:,.0f} | {outcome} |")
    print()
    for line in cpu:
        print(line)


if __name__ == "__main__":
    main()
