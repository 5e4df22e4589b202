#!/usr/bin/env python
"""API write load: concurrent `POST /api/v1/persons` against a real WSGI server (gunicorn).

For each database (PostgreSQL, SQLite in WAL mode) the benchmark

1. prepares a fresh database (PostgreSQL: `compatriot_bench_api`, dropped and recreated; SQLite:
   a new file under bench/out/), migrates it, and creates a crisis, an organisation, a caseworker
   and an API token, plus a pool of varied person payloads, each validated by `PersonIn`;
2. starts gunicorn (or `--server granian|uwsgi`; DEBUG=0, a random SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1) on a free port of 127.0.0.1 and waits for /api/v1/health;
3. runs N keep-alive clients in a separate process (bench/api_client.py: asyncio protocols on
   uvloop, or the stdlib loop, speaking raw HTTP/1.1, so that the client costs little of the
   machine's CPU) for a warm-up and then `--seconds`; every request carries a unique
   `source_record_id`;
4. reports requests/s, latency percentiles, errors by status, the CPU used by the client, the
   server, PostgreSQL and anything else on the machine, and how many of the clients' connections
   each server worker holds (sampled every 2 s);
5. stops the server, then checks in the database that every acknowledged (201) write is stored
   with the acknowledged id and source_record_id, that no other row exists, that every person has
   its audit entry, and runs `audit_verify` over the whole chain;
6. prints one markdown table row per database.

Only 127.0.0.1 is ever contacted. The same file is run in three helper roles (`--role setup`,
`--role client`, `--role verify`) so that Django is set up with exactly the environment the server
gets, and so that the client's CPU time is its own process's.

    .venv/bin/python bench/api_load.py --database both --seconds 60 --clients 32
    .venv/bin/python bench/api_load.py --database postgres --seconds 20 --wrk 20
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import api_client  # bench/, the script's directory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's code, not an installed copy
OUT = ROOT / "bench" / "out"
HOST = api_client.HOST
# The server: TCP on 127.0.0.1, or with --pg-socket (BENCH_API_PG_SERVER for the helper roles)
# its Unix socket, the directory percent-encoded as the host (libpq and dj-database-url read it).
PG_SERVER = os.environ.get("BENCH_API_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
# The benchmark database; --pg-database (or BENCH_API_PG_DATABASE, which the helper roles inherit)
# names another, so that two checkouts can be measured at the same time.
PG_DATABASE = os.environ.get("BENCH_API_PG_DATABASE", "compatriot_bench_api")
SRID_MARK = api_client.SRID_MARK.decode()
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------
# Realistic payloads
# --------------------------------------------------------------------------------------------

# (script, given names, family names, nationalities that plausibly write that way)
NAME_POOLS: list[tuple[str, list[str], list[str], list[str]]] = [
    (
        "latin",
        [
            "Chukwuemeka",
            "Ngozi",
            "Oluwaseun",
            "Aisha",
            "Kwame",
            "Ama",
            "Tendai",
            "Samuel",
            "Mohamed",
            "Youssef",
            "Fatima Zahra",
            "Rahul",
            "Priya",
            "Anil",
            "Leyla",
            "Blessing",
        ],
        [
            "Okafor",
            "Adeyemi",
            "Nwosu",
            "Mensah",
            "Boateng",
            "Moyo",
            "El Amrani",
            "Benali",
            "Sharma",
            "Patel",
            "Thapa",
            "Aliyev",
            "Hassan",
            "Ndlovu",
            "Abubakar",
            "O'Neill",
        ],
        ["NG", "GH", "ZW", "MA", "IN", "NP", "AZ", "EG", "CM"],
    ),
    (
        "cyrillic",
        ["Олександр", "Марія", "Мухаммед", "Айгуль", "Рашад", "Тимур", "Наталія", "Ігор"],
        ["Шевченко", "Алиев", "Иванова", "Гасанов", "Коваленко", "Мамедова", "Окафор"],
        ["AZ", "UZ", "TJ", "KZ", "NG", "UA"],
    ),
    (
        "arabic",
        ["محمد", "فاطمة", "يوسف", "أحمد", "مريم", "عمر", "خديجة", "إبراهيم"],
        ["الحسن", "بن علي", "العمراني", "حسين", "المصري", "الإدريسي", "عبد الله"],
        ["MA", "EG", "SY", "IQ", "DZ", "SD", "TN"],
    ),
    (
        "devanagari",
        ["राहुल", "प्रिया", "अनिल", "सुनीता"],
        ["शर्मा", "थापा", "पटेल", "गुरुङ"],
        ["IN", "NP"],
    ),
]
ALPHA3 = {"NG": "NGA", "IN": "IND", "MA": "MAR", "EG": "EGY", "AZ": "AZE", "NP": "NPL"}
LANGUAGES = {
    "NG": ["en", "yor", "ig", "ha"],
    "GH": ["en", "ak"],
    "ZW": ["en", "sn"],
    "MA": ["ar", "fr"],
    "IN": ["hi", "en"],
    "NP": ["ne", "en"],
    "AZ": ["az", "ru"],
    "EG": ["ar"],
    "CM": ["fr", "en"],
    "UZ": ["uz", "ru"],
    "TJ": ["tg", "ru"],
    "KZ": ["kk", "ru"],
    "UA": ["uk", "ru"],
    "SY": ["ar"],
    "IQ": ["ar", "ku"],
    "DZ": ["ar", "fr"],
    "SD": ["ar"],
    "TN": ["ar", "fr"],
}
# Phone shapes that phonenumbers accepts as valid; "#" is a random digit.
INTERNATIONAL_PHONES = {
    "NG": ["+234 803 ### ####", "+234 806 ### ####", "+234 701 ### ####"],
    "GH": ["+233 24 ### ####", "+233 20 ### ####"],
    "ZW": ["+263 77 ### ####"],
    "MA": ["+212 6## ######"],
    "IN": ["+91 98### #####", "+91 94### #####"],
    "NP": ["+977 98########"],
    "AZ": ["+994 50 ### ## ##", "+994 55 ### ## ##"],
    "EG": ["+20 10 #### ####", "+20 12 #### ####"],
    "CM": ["+237 6 77 ## ## ##"],
    "UZ": ["+998 90 ### ## ##"],
    "TJ": ["+992 93 ### ####"],
    "KZ": ["+7 701 ### ## ##"],
    "UA": ["+380 50 ### ####", "+380 67 ### ####"],
    "SY": ["+963 944 ### ###"],
    "IQ": ["+964 770 ### ####"],
    "DZ": ["+213 550 ## ## ##"],
    "SD": ["+249 91 ### ####"],
    "TN": ["+216 20 ### ###"],
}
# Where people are while the crisis unfolds: country, (admin area, place, lat, lon), local phones.
LOCATIONS = {
    "UA": (
        [
            ("Kharkiv Oblast", "Kharkiv", 49.99, 36.23),
            ("Kyiv City", "Kyiv", 50.45, 30.52),
            ("Odesa Oblast", "Odesa", 46.48, 30.72),
            ("Sumy Oblast", "Sumy", 50.91, 34.80),
        ],
        ["050 ### ####", "067 ### ####", "+380 93 ### ####"],
    ),
    "PL": (
        [
            ("Podkarpackie", "Przemyśl", 49.78, 22.77),
            ("Lubelskie", "Lublin", 51.25, 22.57),
            ("Mazowieckie", "Warszawa", 52.23, 21.01),
        ],
        ["501 ### ###", "+48 601 ### ###"],
    ),
    "MD": ([("Chișinău", "Chișinău", 47.01, 28.86)], ["+373 69 ### ###"]),
    "RO": ([("Suceava", "Siret", 47.95, 26.07)], ["+40 72# ### ###"]),
}
JOURNEY = ["in_crisis_country", "in_transit", "at_border", "at_destination", "returned"]
CATEGORIES = [
    "student",
    "worker",
    "domestic_worker",
    "refugee_or_asylum_seeker",
    "visitor",
    "other",
]
SOURCES = ["hotline", "diaspora_volunteer", "consulate", "self"]
VULNERABILITIES = [
    "disability",
    "serious_medical_condition",
    "pregnant",
    "older_person",
    "undocumented",
    "stranded_without_means",
    "separated_child",
]
NEEDS = [
    "evacuation",
    "transport",
    "shelter",
    "food",
    "health",
    "documents",
    "cash",
    "interpretation",
    "legal",
]


def _digits(rng: random.Random, shape: str) -> str:
    return "".join(str(rng.randint(0, 9)) if char == "#" else char for char in shape)


def person_payload(rng: random.Random, crisis_id: str, *, details: bool = True) -> dict[str, Any]:
    """One realistic registration; `source_record_id` is a marker the client replaces."""
    _script, given, family, nationalities = rng.choices(NAME_POOLS, weights=[50, 20, 22, 8])[0]
    nationality = rng.choice(nationalities)
    country = rng.choices(list(LOCATIONS), weights=[60, 25, 8, 7])[0]
    areas, local_phones = LOCATIONS[country]
    data: dict[str, Any] = {
        "crisis_id": crisis_id,
        "given_name": rng.choice(given),
        "family_name": rng.choice(family),
        "sex": rng.choice(["female", "male", "male", "unknown"]),
        "journey_stage": rng.choice(JOURNEY),
        "category": rng.choice(CATEGORIES),
        "source": rng.choice(SOURCES),
        "source_record_id": SRID_MARK,
        "country": country,
        "nationalities": [
            ALPHA3.get(nationality, nationality) if rng.random() < 0.3 else nationality
        ],
        "languages": rng.sample(LANGUAGES[nationality], k=min(2, len(LANGUAGES[nationality]))),
    }
    if rng.random() < 0.15:
        second = rng.choice([code for code in LANGUAGES if code != nationality])
        data["nationalities"].append(second)
    if rng.random() < 0.1 and _script != "latin":
        data["family_name"] = ""  # only one name known
    year = rng.randint(1950, 2008)
    data["birth_date"] = rng.choice(
        [
            f"{year}",
            f"{year}-{rng.randint(1, 12):02d}",
            f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            None,
        ]
    )
    phones = []
    if rng.random() < 0.8:
        phones.append(_digits(rng, rng.choice(INTERNATIONAL_PHONES[nationality])))
    if rng.random() < 0.4:
        phones.append(_digits(rng, rng.choice(local_phones)))
    data["phones"] = phones
    if rng.random() < 0.6:
        area, place, lat, lon = rng.choice(areas)
        data["admin_area"], data["place_name"] = area, place
        if rng.random() < 0.5:
            data["latitude"] = round(lat + rng.uniform(-0.05, 0.05), 5)
            data["longitude"] = round(lon + rng.uniform(-0.05, 0.05), 5)
    if rng.random() < 0.25:
        data["email"] = f"person{rng.randint(1000, 99999)}@example.org"
    if details and rng.random() < 0.25:
        data["vulnerabilities"] = [{"code": rng.choice(VULNERABILITIES)}]
    if details and rng.random() < 0.35:
        data["needs"] = [
            {
                "category": rng.choice(NEEDS),
                "urgency": rng.choice(["low", "medium", "high", "critical"]),
            }
        ]
    if rng.random() < 0.3:
        data["consents"] = [{"scope": "registration", "method": "verbal"}]
    return {key: value for key, value in data.items() if value is not None}


# --------------------------------------------------------------------------------------------
# Helper role: setup (runs with the server's database environment)
# --------------------------------------------------------------------------------------------


def role_setup(args: argparse.Namespace) -> dict[str, Any]:
    if args.database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    else:
        path = Path(os.environ["SQLITE_PATH"])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")
    django.setup()
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from pydantic import ValidationError

    from compatriot.core.models import Crisis, Membership, Organisation, OrganisationKind, Role
    from compatriot.core.schemas import TokenIn
    from compatriot.core.services import token_create
    from compatriot.core.viewer import Viewer
    from compatriot.people.schemas import PersonIn

    call_command("migrate", verbosity=0, interactive=False)
    crisis = Crisis.objects.create(
        name="Benchmark crisis",
        kind="conflict",
        affected_countries=["UA", "PL", "MD", "RO"],
        started_on=dt.date(2022, 2, 24),
    )
    organisation = Organisation.objects.create(
        name="Benchmark Diaspora Network",
        kind=OrganisationKind.DIASPORA_NETWORK,
        operating_countries=["UA", "PL"],
    )
    user = get_user_model().objects.create_user(username="bench-caseworker", password=None)
    Membership.objects.create(user=user, organisation=organisation, role=Role.CASEWORKER)
    actor = Viewer(user.id, organisation.id, organisation.kind, Role.CASEWORKER, False)
    created = token_create(actor, data=TokenIn(name="api-load"))

    rng = random.Random(args.seed)
    templates, rejected = [], 0
    while len(templates) < args.templates:
        payload = person_payload(rng, str(crisis.id), details=args.mix == "realistic")
        try:  # only payloads the API accepts: the benchmark measures writes, not 422s
            PersonIn.model_validate({**payload, "source_record_id": "x"})
        except ValidationError:
            rejected += 1
            continue
        templates.append(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    Path(args.payloads).write_text("\n".join(templates) + "\n", encoding="utf-8")
    return {
        "token": created.secret,
        "crisis_id": str(crisis.id),
        "organisation_id": str(organisation.id),
        "templates": len(templates),
        "rejected_templates": rejected,
    }


# --------------------------------------------------------------------------------------------
# Helper role: client (a separate process, so its CPU time is measured on its own)
# --------------------------------------------------------------------------------------------


def role_client(args: argparse.Namespace) -> dict[str, Any]:
    templates = [
        line.encode("utf-8")
        for line in Path(args.payloads).read_text(encoding="utf-8").splitlines()
        if line
    ]
    state = api_client.LoadState(args, templates)
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    wall_before = time.perf_counter()
    loop = api_client.run(state, args.loop)
    wall = time.perf_counter() - wall_before
    figures = api_client.summary(state)
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage_after.ru_utime - usage_before.ru_utime) + (
        usage_after.ru_stime - usage_before.ru_stime
    )
    with Path(args.ledger).open("w", encoding="utf-8") as ledger:
        for srid, person_id in state.acked:
            ledger.write(f"A\t{srid}\t{person_id}\n")
        for srid, status in state.refused:
            ledger.write(f"R\t{srid}\t{status}\n")
        for srid, kind in state.unknown:
            ledger.write(f"U\t{srid}\t{kind}\n")
    return {
        "clients": args.clients,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "loop": loop,
        **figures,
        "client_cpu_seconds": cpu,
        "client_user_seconds": usage_after.ru_utime - usage_before.ru_utime,
        "client_wall_seconds": wall,
        "client_cpu_us_per_request": cpu / max(1, state.sent) * 1e6,
    }


# --------------------------------------------------------------------------------------------
# Helper role: verify (after the server has stopped)
# --------------------------------------------------------------------------------------------


def role_verify(args: argparse.Namespace) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")
    django.setup()
    from compatriot.core.audit import audit_verify
    from compatriot.core.models import AuditEntry
    from compatriot.people.models import Person

    acked: dict[str, str] = {}
    refused: set[str] = set()
    unknown: set[str] = set()
    for line in Path(args.ledger).read_text(encoding="utf-8").splitlines():
        kind, srid, value = line.split("\t")
        if kind == "A":
            acked[srid] = value
        elif kind == "R":
            refused.add(srid)
        else:
            unknown.add(srid)
    stored = {
        srid: str(person_id)
        for person_id, srid in Person.objects.filter(
            registered_by_id=args.organisation_id
        ).values_list("id", "source_record_id")
    }
    lost = [srid for srid, person_id in acked.items() if stored.get(srid) != person_id]
    wrk_rows = [srid for srid in stored if srid and srid.startswith("wrk-")]
    extra = [srid for srid in stored if srid not in acked and not srid.startswith("wrk-")]
    extra_unknown = [srid for srid in extra if srid in unknown]
    extra_refused = [srid for srid in extra if srid in refused]
    person_ids = set(stored.values())
    audited = set(
        AuditEntry.objects.filter(object_type="person", action="create").values_list(
            "object_id", flat=True
        )
    )
    started = time.perf_counter()
    report = audit_verify()
    verify_seconds = time.perf_counter() - started
    return {
        "acked": len(acked),
        "stored": len(stored),
        "lost_writes": len(lost),
        "lost_examples": lost[:5],
        "extra_rows": len(extra),
        "extra_rows_outcome_unknown": len(extra_unknown),
        "extra_rows_refused": len(extra_refused),
        "wrk_rows": len(wrk_rows),
        "persons_without_audit_entry": len(person_ids - audited),
        "audit_entries_without_person": len(audited - person_ids),
        "audit_checked": report.checked,
        "audit_intact": report.is_intact,
        "audit_reason": report.reason,
        "audit_first_broken_id": report.first_broken_id,
        "audit_verify_seconds": verify_seconds,
    }


# --------------------------------------------------------------------------------------------
# Orchestrator
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def database_env(database: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="compatriot.settings",
        COMPATRIOT_VAR_DIR=str(OUT / "var"),
        PYTHONUNBUFFERED="1",
    )
    if database == "postgres":
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
    else:
        env["SQLITE_PATH"] = str(OUT / "api_load.sqlite3")
    return env


def run_role(role: str, env: dict[str, str], extra: list[str], timeout: float) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--role", role, *extra]
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{role} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


BENCH_BACKEND = "postgres (bench)"


def _is_bench_backend(pid: str) -> bool:
    """Whether a postgres process serves the benchmark's database: its title (cmdline) is
    `postgres: USER DATABASE HOST(PORT) STATE`. Other databases' backends (other people's tests
    on a shared server) then count as *other*, not as the benchmark's database CPU."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, UnicodeDecodeError):
        return False
    return f" {PG_DATABASE} " in title


def cpu_snapshot() -> tuple[dict[int, tuple[str, int, int]], int, int]:
    """Per process (comm, ppid, utime+stime ticks), and the machine's busy and total ticks."""
    processes: dict[int, tuple[str, int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        if comm == "postgres" and _is_bench_backend(entry):
            comm = BENCH_BACKEND
        fields = raw[raw.rindex(")") + 2 :].split()
        processes[int(entry)] = (comm, int(fields[1]), int(fields[11]) + int(fields[12]))
    line = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in line]
    idle = ticks[3] + ticks[4]
    return processes, sum(ticks) - idle, sum(ticks)


class CpuWindow:
    """Per-process CPU over a window, sampled every 0.25 s so that processes which end inside
    the window (PostgreSQL backends replaced after DB_CONN_MAX_AGE, wrk) keep their CPU time."""

    def __init__(self) -> None:
        self.before = cpu_snapshot()
        self.seen: dict[int, tuple[str, int, int]] = dict(self.before[0])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            self.seen.update(cpu_snapshot()[0])

    def stop(
        self,
    ) -> tuple[
        tuple[dict[int, tuple[str, int, int]], int, int],
        tuple[dict[int, tuple[str, int, int]], int, int],
    ]:
        self._stop.set()
        self._thread.join()
        processes, busy, total = cpu_snapshot()
        self.seen.update(processes)
        return self.before, (self.seen, busy, total)


def _established_inodes(port: int) -> set[str]:
    """Socket inodes of the established TCP connections whose local port is the server's."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    return inodes


def connection_split(server_pid: int, port: int) -> dict[int, int]:
    """Client connections held by each of the server's child processes (the workers), by pid."""
    inodes = _established_inodes(port)
    split: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
            if int(raw[raw.rindex(")") + 2 :].split()[1]) != server_pid:
                continue
            links = [os.readlink(fd) for fd in Path(f"/proc/{entry}/fd").iterdir()]
        except (OSError, ValueError):
            continue
        split[int(entry)] = sum(1 for link in links if link[8:-1] in inodes)
    return split


class SplitWindow:
    """Samples every 2 s which worker holds the clients' keep-alive connections: a worker holds
    a connection from its accept to its close, so the split shows how evenly the load can be
    spread over the workers (each worker is one process with one GIL)."""

    def __init__(self, server_pid: int, port: int) -> None:
        self.server_pid, self.port = server_pid, port
        self.samples: list[list[int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(2.0):
            split = connection_split(self.server_pid, self.port)
            self.samples.append(sorted(split.values(), reverse=True))

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        if not self.samples:
            return {"samples": 0}
        busiest = [sample[0] if sample else 0 for sample in self.samples]
        return {
            "samples": len(self.samples),
            "first": self.samples[0],
            "last": self.samples[-1],
            # The busiest worker's share of the connections, at worst over the window.
            "busiest_max": max(busiest),
            "busiest_min": min(busiest),
        }


def cpu_usage(
    before: tuple[dict[int, tuple[str, int, int]], int, int],
    after: tuple[dict[int, tuple[str, int, int]], int, int],
    *,
    server_pid: int,
    client_pid: int | None,
    wall: float,
) -> dict[str, Any]:
    """CPU seconds by group over the window: client, server tree, postgres, everything else."""
    procs_before, busy_before, _ = before
    procs_after, busy_after, _ = after

    def in_tree(pid: int, root: int) -> bool:
        seen = 0
        while pid > 1 and seen < 64:
            if pid == root:
                return True
            pid = procs_after.get(pid, procs_before.get(pid, ("", 0, 0)))[1]
            seen += 1
        return False

    groups: Counter[str] = Counter()
    others: Counter[str] = Counter()
    for pid, (comm, _ppid, ticks) in procs_after.items():
        delta = ticks - procs_before.get(pid, (comm, 0, 0))[2]
        if delta <= 0:
            continue
        if pid == client_pid:
            groups["client"] += delta
        elif in_tree(pid, server_pid):
            groups["server"] += delta
        elif comm == BENCH_BACKEND:
            groups["postgres"] += delta
        else:
            groups["other"] += delta
            others[comm] += delta
    seconds: dict[str, Any] = {name: ticks / CLK_TCK for name, ticks in groups.items()}
    seconds["machine_busy"] = (busy_after - busy_before) / CLK_TCK
    # Busy time of processes that ended inside the window (tests of other people), softirq of
    # loopback networking, interrupts: not charged to any process alive at the end.
    seconds["unattributed"] = max(0.0, seconds["machine_busy"] - sum(groups.values()) / CLK_TCK)
    seconds["machine_capacity"] = wall * (os.cpu_count() or 1)
    seconds["other_top"] = ", ".join(
        f"{comm} {ticks / CLK_TCK:.1f}" for comm, ticks in others.most_common(3)
    )
    return seconds


def gunicorn_command(args: argparse.Namespace, port: int, database: str) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "compatriot.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--keep-alive",
        "5",
        "--error-logfile",
        "-",
    ]
    if args.reuse_port:
        command += ["--reuse-port"]  # as `compatriot serve` runs it: a listener per worker
    if args.access_log:
        command += ["--access-logfile", str(OUT / f"api_load-access-{database}.log")]
    if args.switch_interval:
        # A gunicorn config file whose post_fork hook sets the GIL switch interval.
        config = OUT / "api_load-gunicorn.conf.py"
        config.write_text(
            "import sys\n\n\ndef post_fork(server, worker):\n"
            f"    sys.setswitchinterval({args.switch_interval / 1000!r})\n",
            encoding="utf-8",
        )
        command += ["--config", str(config)]
    return command


def granian_command(args: argparse.Namespace, port: int, database: str) -> list[str]:
    """Granian (Rust loop and HTTP): --threads is its blocking threads, the Python threads that
    run the WSGI app; one runtime thread per worker does the I/O."""
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--blocking-threads",
        str(args.threads),
        "--runtime-threads",
        "1",
        "--http",
        "1",
        "--no-ws",
        "--log-level",
        "warning",
    ]
    if args.access_log:
        command += ["--access-log"]
    return [*command, "compatriot.wsgi:application"]


def uwsgi_command(args: argparse.Namespace, port: int, database: str) -> list[str]:
    """uWSGI (C loop and HTTP parser) from the `pyuwsgi` wheel: --workers processes under a master,
    each with --threads threads, the app loaded in each worker after the fork (as gunicorn does),
    one interpreter (several crash at exit), SIGTERM stops it (uWSGI 2.0 would reload).

    No keep-alive: with `--http11-socket` a thread keeps serving the connection it accepted, so
    with more connections than threads the others starve for the whole run (and the latency of
    the few served looks excellent). Each answer says `Connection: close`; the client reconnects.
    """
    command = [
        sys.executable,
        "-c",
        "import sys, pyuwsgi; sys.exit(pyuwsgi.run())",
        "--http-socket",
        f"{HOST}:{port}",
        "--add-header",
        "Connection: close",
        "--module",
        "compatriot.wsgi:application",
        "--master",
        "--processes",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--lazy-apps",
        "--single-interpreter",
        "--need-app",
        "--die-on-term",
        "--strict",
        "--buffer-size",
        "8192",
    ]
    if args.access_log:
        command += ["--logto2", str(OUT / f"api_load-access-{database}.log")]
    else:
        command += ["--disable-logging"]
    if args.threads == 1:
        command += ["--enable-threads"]  # else threads the app starts never run (the GIL)
    return command


SERVER_COMMANDS = {"gunicorn": gunicorn_command, "granian": granian_command, "uwsgi": uwsgi_command}


class Server:
    def __init__(self, env: dict[str, str], args: argparse.Namespace, database: str) -> None:
        self.port = free_port()
        self.log = OUT / f"api_load-server-{database}.log"
        command = SERVER_COMMANDS[args.server](args, self.port, database)
        server_env = dict(env)
        server_env.update(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS=HOST,
        )
        self.command = command
        self.log_file = self.log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            command,
            env=server_env,
            cwd=ROOT,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_healthy(self, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited ({self.process.returncode}); see {self.log}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/api/v1/health")
                answer = conn.getresponse()
                body = answer.read()
                conn.close()
                if answer.status == 200:
                    return json.loads(body)
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not healthy after {timeout:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log_file.close()


WRK_SCRIPT = r"""
-- POST /api/v1/persons with pre-validated bodies; a unique source_record_id per request.
local templates = {}
local counter = 0
local threads = {}
thread_id = 0  -- a global: setup() sets it in each thread's own Lua state

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(templates, line) end
  end
  headers = {}
  headers["Authorization"] = "Bearer " .. args[2]
  headers["Content-Type"] = "application/json"
  prefix = args[3]
end

function request()
  counter = counter + 1
  local srid = prefix .. "-" .. thread_id .. "-" .. counter
  local body = string.gsub(templates[(counter % #templates) + 1], "@@SRID@@", srid)
  return wrk.format("POST", "/api/v1/persons", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def run_wrk(args: argparse.Namespace, server: Server, token: str, payloads: Path) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk is not installed (apt-get install -y wrk)"}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        window = CpuWindow()
        wall = time.perf_counter()
        process = subprocess.Popen(
            [
                wrk,
                "-t2",
                f"-c{args.clients}",
                f"-d{round(args.wrk)}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                f"http://{HOST}:{server.port}/api/v1/persons",
                "--",
                str(payloads),
                token,
                f"wrk-{args.run_id}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            out, err = process.communicate(timeout=args.wrk + 120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        wall = time.perf_counter() - wall
        before, after = window.stop()
    finally:
        os.unlink(script.name)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        return {"failed": out[-2000:] + err[-2000:]}
    result = json.loads(lines[-1])
    result["requests_per_second"] = result["requests"] / (result["duration_us"] / 1e6)
    result["cpu"] = {
        key: round(value, 1) if isinstance(value, float) else value
        for key, value in cpu_usage(
            before,
            after,
            server_pid=server.process.pid,
            client_pid=process.pid,
            wall=wall,
        ).items()
    }
    return result


def wait_until_idle(args: argparse.Namespace) -> float:
    """The machine is shared: wait (at most --idle-wait s) for a 3 s window under 10 % busy, so
    that other people's test runs do not share the CPU with the measurement. Returns the busy
    fraction of the last window."""
    deadline = time.monotonic() + args.idle_wait
    while True:
        _, busy_before, total_before = cpu_snapshot()
        time.sleep(3)
        _, busy_after, total_after = cpu_snapshot()
        busy = (busy_after - busy_before) / max(1, total_after - total_before)
        if busy < 0.10 or time.monotonic() >= deadline:
            return busy
        print(f"machine {busy:.0%} busy with other work; waiting …", file=sys.stderr, flush=True)


def bench_database(database: str, args: argparse.Namespace) -> dict[str, Any]:
    env = database_env(database)
    payloads = OUT / f"api_load-payloads-{database}.jsonl"
    ledger = OUT / f"api_load-ledger-{database}.tsv"
    print(f"[{database}] preparing the database …", file=sys.stderr, flush=True)
    setup = run_role(
        "setup",
        env,
        [
            "--database",
            database,
            "--payloads",
            str(payloads),
            "--templates",
            str(args.templates),
            "--seed",
            str(args.seed),
            "--mix",
            args.mix,
        ],
        timeout=600,
    )
    busy_before_start = wait_until_idle(args)
    server = Server(env, args, database)
    client = None
    result: dict[str, Any] = {
        "database": database,
        "setup": setup,
        "busy_before_start": round(busy_before_start, 2),
    }
    try:
        health = server.wait_healthy()
        result["health"] = health
        result["server"] = {
            "command": " ".join(server.command[1:]),
            "kind": args.server,
            "workers": args.workers,
            "threads": args.threads,
        }
        print(
            f"[{database}] {args.server} up on port {server.port} ({args.workers} workers × "
            f"{args.threads} threads); {args.clients} clients for {args.warmup:g}+"
            f"{args.seconds:g} s …",
            file=sys.stderr,
            flush=True,
        )
        client_cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--role",
            "client",
            "--port",
            str(server.port),
            "--token",
            setup["token"],
            "--payloads",
            str(payloads),
            "--ledger",
            str(ledger),
            "--clients",
            str(args.clients),
            "--seconds",
            str(args.seconds),
            "--warmup",
            str(args.warmup),
            "--max-requests",
            str(args.max_requests),
            "--run-id",
            args.run_id,
            "--request-timeout",
            str(args.request_timeout),
            "--loop",
            args.loop,
        ]
        client = subprocess.Popen(
            client_cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert client.stdout is not None  # noqa: S101  PIPE
        client.stdout.readline()  # "started"
        time.sleep(args.warmup)  # the CPU window is the measured window, after the warm-up
        window = CpuWindow()
        split = SplitWindow(server.process.pid, server.port)
        wall_before = time.perf_counter()
        time.sleep(args.seconds)
        before, after = window.stop()
        result["connection_split"] = split.stop()
        wall = time.perf_counter() - wall_before
        out, err = client.communicate(timeout=args.request_timeout + 120)
        if client.returncode != 0:
            raise RuntimeError(f"client failed:\n{err[-4000:]}")
        result["load"] = json.loads(out.strip().splitlines()[-1])
        result["cpu"] = {
            key: round(value, 1) if isinstance(value, float) else value
            for key, value in cpu_usage(
                before, after, server_pid=server.process.pid, client_pid=client.pid, wall=wall
            ).items()
        }
        if args.wrk:
            print(f"[{database}] wrk cross-check for {args.wrk:g} s …", file=sys.stderr, flush=True)
            result["wrk"] = run_wrk(args, server, setup["token"], payloads)
    finally:
        if client is not None and client.poll() is None:
            client.kill()
            client.wait()
        server.stop()
    print(f"[{database}] verifying stored rows and the audit chain …", file=sys.stderr, flush=True)
    result["verify"] = run_role(
        "verify",
        env,
        ["--ledger", str(ledger), "--organisation-id", setup["organisation_id"]],
        timeout=1800,
    )
    return result


def table_header() -> str:
    return (
        "| database | server | clients | seconds | requests | req/s | p50 ms | p90 ms | p99 ms "
        "| max ms | errors | lost writes | extra rows | audit chain | client CPU | server CPU "
        "| db CPU | other CPU | connections per worker |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: "
        "| --- | ---: | ---: | ---: | ---: | --- |"
    )


def table_row(result: dict[str, Any]) -> str:
    load, verify, cpu = result["load"], result["verify"], result["cpu"]
    errors = ", ".join(f"{key}: {n}" for key, n in sorted(load["errors"].items())) or "0"
    wall = cpu["machine_capacity"] / (os.cpu_count() or 1)

    def share(*names: str) -> str:  # in % of one core: 100 % is a whole core
        return f"{sum(cpu.get(name, 0.0) for name in names) / wall * 100:.0f} %"

    chain = (
        f"intact ({verify['audit_checked']})"
        if verify["audit_intact"]
        else f"BROKEN at #{verify['audit_first_broken_id']}"
    )
    name = "PostgreSQL 15" if result["database"] == "postgres" else "SQLite (WAL)"
    threads = result["server"]["threads"]
    kind = result["server"].get("kind", "gunicorn")
    if kind == "gunicorn":
        kind = "gthread" if threads > 1 else "sync"
    server = f"{result['server']['workers']}×{threads} {kind}"
    return (
        f"| {name} | {server} | {load['clients']} | {load['seconds']:g} | {load['requests']} "
        f"| {load['requests_per_second']:.0f} | {load['p50_ms']:.1f} | {load['p90_ms']:.1f} "
        f"| {load['p99_ms']:.1f} | {load['max_ms']:.0f} | {errors} | {verify['lost_writes']} "
        f"| {verify['extra_rows']} | {chain} | {share('client')} | {share('server')} "
        f"| {share('postgres')} | {share('other', 'unattributed')} "
        f"| {' / '.join(map(str, result.get('connection_split', {}).get('last', [])))} |"
    )


def main() -> int:
    global PG_DATABASE, PG_SERVER, OUT  # read by the helpers below and by the roles' processes
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--server",
        choices=sorted(SERVER_COMMANDS),
        default="gunicorn",
        help="WSGI server; granian and uwsgi (the pyuwsgi wheel) must be importable",
    )
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "3")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=0.0,
        help="set the workers' GIL switch interval, in ms (Python's default is 5)",
    )
    parser.add_argument(
        "--reuse-port",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="gunicorn: a SO_REUSEPORT listener per worker, as `compatriot serve` runs it where "
        "net.ipv4.tcp_migrate_req is 1 (docs/operations.md)",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="write the server's access log (bench/out/), as `compatriot serve` does",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=2_000_000,
        help="stop after this many requests even if time remains",
    )
    parser.add_argument("--request-timeout", type=float, default=30.0)
    parser.add_argument(
        "--loop",
        choices=["auto", "uvloop", "asyncio"],
        default="auto",
        help="the client's event loop; auto: uvloop when installed (the test extra), else asyncio",
    )
    parser.add_argument(
        "--templates",
        type=int,
        default=2000,
        help="distinct validated payloads, cycled with unique source_record_ids",
    )
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument(
        "--mix",
        choices=["realistic", "plain"],
        default="realistic",
        help="plain: no needs or vulnerabilities in the payloads (consents still sometimes)",
    )
    parser.add_argument(
        "--wrk",
        type=float,
        default=0.0,
        help="also run wrk for this many seconds against the same server",
    )
    parser.add_argument(
        "--idle-wait",
        type=float,
        default=300.0,
        help="wait up to this long for other work on the machine to stop before each run",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=OUT,
        help="where the run's files go (payloads, ledger, SQLite database, logs, results);"
        " give each of two concurrent runs its own, or they overwrite each other's",
    )
    parser.add_argument(
        "--json", type=Path, help="the results (default OUT-DIR/api_load-results.json)"
    )
    parser.add_argument(
        "--pg-database",
        default=PG_DATABASE,
        help="name of the PostgreSQL benchmark database (dropped and recreated)",
    )
    parser.add_argument(
        "--pg-socket",
        metavar="DIR",
        help="reach PostgreSQL through its Unix socket in DIR (e.g. /var/run/postgresql)"
        " instead of TCP on 127.0.0.1",
    )
    # Helper roles (internal).
    parser.add_argument("--role", choices=["setup", "client", "verify"], help=argparse.SUPPRESS)
    parser.add_argument("--payloads", help=argparse.SUPPRESS)
    parser.add_argument("--ledger", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--organisation-id", help=argparse.SUPPRESS)
    parser.add_argument("--run-id", default=f"api{int(time.time())}", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.pg_database):
        parser.error("--pg-database must be a plain lower-case PostgreSQL name")
    PG_DATABASE = os.environ["BENCH_API_PG_DATABASE"] = args.pg_database
    if args.pg_socket:
        PG_SERVER = f"postgres://postgres@{quote(args.pg_socket, safe='')}"
        os.environ["BENCH_API_PG_SERVER"] = PG_SERVER
    if args.role:
        handler = {"setup": role_setup, "client": role_client, "verify": role_verify}[args.role]
        print(json.dumps(handler(args)))
        return 0

    if not 1 <= args.clients <= 1000 or not 0 < args.seconds <= 3600:
        parser.error("--clients must be 1..1000 and --seconds 0..3600")
    OUT = args.out_dir.resolve()
    OUT.mkdir(parents=True, exist_ok=True)
    args.json = args.json or OUT / "api_load-results.json"
    databases = ["postgres", "sqlite"] if args.database == "both" else [args.database]
    results = [bench_database(database, args) for database in databases]
    args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")

    loops = "/".join(sorted({f"{result['load']['loop']} protocols" for result in results}))
    print()
    print(
        f"machine: {os.cpu_count()} CPUs; server: {args.server} {args.workers} workers × "
        f"{args.threads} threads, DEBUG=0; clients: {args.clients} keep-alive connections "
        f"({loops}, one process); {args.warmup:g} s warm-up + {args.seconds:g} s measured"
    )
    print(table_header())
    for result in results:
        print(table_row(result))
    print()
    ok = True
    for result in results:
        load, verify = result["load"], result["verify"]
        print(
            f"{result['database']}: lost writes: {verify['lost_writes']}; extra rows: "
            f"{verify['extra_rows']} (outcome unknown {verify['extra_rows_outcome_unknown']}, "
            f"refused {verify['extra_rows_refused']}); persons without audit entry: "
            f"{verify['persons_without_audit_entry']}; audit chain: {verify['audit_reason']} "
            f"({verify['audit_checked']} entries, {verify['audit_verify_seconds']:.1f} s); "
            f"client CPU {load['client_cpu_seconds']:.1f} s = "
            f"{load['client_cpu_us_per_request']:.0f} µs/request; "
            f"CPU seconds in the window: {result['cpu']}"
        )
        if "wrk" in result:
            wrk = result["wrk"]
            print(f"{result['database']}: wrk: {json.dumps(wrk)}")
            if "requests" in wrk:
                print(
                    f"{result['database']}: wrk acknowledged {wrk['requests'] - wrk['status']} "
                    f"writes; rows stored by wrk: {verify['wrk_rows']} (requests still in "
                    "flight when wrk stops may be stored without being counted)"
                )
        ok = (
            ok
            and verify["lost_writes"] == 0
            and verify["audit_intact"]
            and verify["persons_without_audit_entry"] == 0
            and (verify["extra_rows"] == verify["extra_rows_outcome_unknown"])
            and load["mismatched_answers"] == 0
        )
    print(f"results: {args.json}")
    return 0 if ok else 1


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; the server was stopped", file=sys.stderr)
        sys.exit(130)
