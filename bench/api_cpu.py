#!/usr/bin/env python
"""CPU per `POST /api/v1/persons` in one thread, with no contention: the cost the server pays
for one write, without gunicorn or the network.

Each request goes through Django's WSGI handler (middleware, ninja, auth, the service, the answer)
with the same payload mix as bench/api_load.py, against a fresh database (PostgreSQL:
`compatriot_bench_apicpu`, dropped and recreated; SQLite: bench/out/api_cpu.sqlite3). It reports
CPU (`thread_time`) and wall time per request, SQL statements per request, and with `--profile`
the functions that cost most (cProfile, cumulative).

    .venv/bin/python bench/api_cpu.py --database postgres --requests 2000
    .venv/bin/python bench/api_cpu.py --database sqlite --profile 30
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's code, not an installed copy
OUT = ROOT / "bench" / "out"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "compatriot_bench_apicpu"


def pg_server(socket_dir: str | None) -> str:
    """The server's URL: TCP on 127.0.0.1, or the Unix socket in `socket_dir` (its path
    percent-encoded as the host, which libpq and dj-database-url read as a socket directory)."""
    if not socket_dir:
        return PG_SERVER
    return f"postgres://postgres@{quote(socket_dir, safe='')}"


def main() -> int:  # noqa: C901  one straight script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pg-database", default=PG_DATABASE)
    parser.add_argument(
        "--pg-socket",
        metavar="DIR",
        help="reach PostgreSQL through its Unix socket in DIR (e.g. /var/run/postgresql)"
        " instead of TCP on 127.0.0.1",
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "compatriot.settings"
    os.environ.setdefault("COMPATRIOT_VAR_DIR", str(OUT / "var"))
    os.environ["DEBUG"] = "0"
    os.environ["DB_CONN_MAX_AGE"] = "3600"  # one backend for the whole run: its CPU is read
    os.environ.setdefault("SECRET_KEY", "bench-api-cpu-" + "x" * 40)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    if args.database == "postgres":
        import psycopg

        server = pg_server(args.pg_socket)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {args.pg_database}")
        os.environ["DATABASE_URL"] = f"{server}/{args.pg_database}"
    else:
        os.environ.pop("DATABASE_URL", None)
        path = OUT / "api_cpu.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["SQLITE_PATH"] = str(path)

    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    import datetime as dt

    from api_load import person_payload  # type: ignore[import-not-found]
    from django.contrib.auth import get_user_model
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection
    from pydantic import ValidationError

    from compatriot.core.audit import audit_verify
    from compatriot.core.models import Crisis, Membership, Organisation, OrganisationKind, Role
    from compatriot.core.schemas import TokenIn
    from compatriot.core.services import token_create
    from compatriot.core.viewer import Viewer
    from compatriot.people.schemas import PersonIn

    call_command("migrate", verbosity=0, interactive=False)
    crisis = Crisis.objects.create(
        name="Benchmark crisis", kind="conflict", affected_countries=["UA"],
        started_on=dt.date(2022, 2, 24),
    )  # fmt: skip
    organisation = Organisation.objects.create(
        name="Benchmark", kind=OrganisationKind.DIASPORA_NETWORK, operating_countries=["UA"]
    )
    user = get_user_model().objects.create_user(username="bench-cpu", password=None)
    Membership.objects.create(user=user, organisation=organisation, role=Role.CASEWORKER)
    actor = Viewer(user.id, organisation.id, organisation.kind, Role.CASEWORKER, False)
    secret = token_create(actor, data=TokenIn(name="api-cpu")).secret

    rng = random.Random(2022)
    bodies = []
    while len(bodies) < args.warmup + args.requests:
        payload = person_payload(rng, str(crisis.id))
        payload["source_record_id"] = f"cpu-{len(bodies)}"
        try:  # only payloads the API accepts, as bench/api_load.py does
            PersonIn.model_validate(payload)
        except ValidationError:
            continue
        bodies.append(json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    handler = WSGIHandler()
    statements = [0]

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements[0] += 1
        return execute(sql, params, many, context)

    def post(body: bytes) -> int:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/persons", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Bearer {secret}", "wsgi.errors": sys.stderr,
        }  # fmt: skip
        status: list[str] = []
        result = handler(environ, lambda s, h, exc_info=None: status.append(s))
        b"".join(result)
        result.close()  # type: ignore[attr-defined]  # fires request_finished, as gunicorn does
        return int(status[0].split()[0])

    for body in bodies[: args.warmup]:
        code = post(body)
        if code != 201:
            raise SystemExit(f"warm-up request answered {code}")

    def backend_cpu() -> float:
        """CPU seconds of this connection's PostgreSQL backend so far (0 on SQLite)."""
        if connection.vendor != "postgresql":
            return 0.0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    cpu, wall = [], []
    db_before = backend_cpu()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.thread_time)  # CPU, not waits
    with connection.execute_wrapper(count):
        for body in bodies[args.warmup :]:
            c0, w0 = time.thread_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            code = post(body)
            if profiler:
                profiler.disable()
            cpu.append(time.thread_time() - c0)
            wall.append(time.perf_counter() - w0)
            if code != 201:
                raise SystemExit(f"request answered {code}")
    db_cpu = backend_cpu() - db_before
    report = audit_verify()
    print(
        f"{args.database}: {args.requests} requests, CPU per request mean "
        f"{statistics.fmean(cpu) * 1e6:,.0f} µs (median {statistics.median(cpu) * 1e6:,.0f}), "
        f"wall mean {statistics.fmean(wall) * 1e6:,.0f} µs, "
        f"database backend CPU per request {db_cpu / args.requests * 1e6:,.0f} µs, "
        f"SQL statements per request {statements[0] / args.requests:.2f}, "
        f"audit chain {'intact' if report.is_intact else 'BROKEN'} ({report.checked})"
    )
    if profiler:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
