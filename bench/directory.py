#!/usr/bin/env python
"""Radius search over the service directory: p50 and p95 at 10 km and 50 km, beside brute force.

1. Prepares a fresh SQLite database under bench/out/ (or the PostgreSQL database
   `compatriot_bench_dir`, dropped and recreated, with --database postgres) and migrates it.
2. Generates services with one location each, clustered as a crisis spreads them: around the
   cities of Ukraine and its neighbours (Poland, Moldova, Romania, Slovakia, Hungary) and of the
   destination countries, each city weighted by its size and spread over a few to a few tens of
   kilometres, plus a thin rural scatter over the whole region. Loaded in bulk (COPY on
   PostgreSQL), then ANALYZE (and VACUUM on PostgreSQL, for index-only scans).
3. For each size (the first N of the same data) and radius, runs --queries searches
   (`selectors.service_ids_near`: active services within the radius, nearest first, the
   `--limit` nearest, as the API and the public pages ask) from query points that are 70 % near
   a city and 30 % anywhere in the region, timed in this process, after a warm-up.
4. With --existing, skips 1. and 2. and measures the database as the last run left it (the
   largest size): to measure again when the shared machine is quieter.
5. Brute force: reads every location and computes every haversine distance in Python, for
   --brute queries, and checks that the indexed search returned the same services in the same
   order.

    .venv/bin/python bench/directory.py --database postgres --sizes 100000,1000000
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "compatriot_bench_dir"

# (name, country, latitude, longitude, weight ~ population in 100k, spread in km)
CITIES = [
    ("Kyiv", "UA", 50.4501, 30.5234, 30, 14),
    ("Kharkiv", "UA", 49.9935, 36.2304, 14, 10),
    ("Odesa", "UA", 46.4825, 30.7233, 10, 9),
    ("Dnipro", "UA", 48.4647, 35.0462, 10, 9),
    ("Lviv", "UA", 49.8397, 24.0297, 7, 7),
    ("Zaporizhzhia", "UA", 47.8388, 35.1396, 7, 8),
    ("Vinnytsia", "UA", 49.2331, 28.4682, 4, 6),
    ("Chernivtsi", "UA", 48.2915, 25.9403, 3, 5),
    ("Uzhhorod", "UA", 48.6208, 22.2879, 1, 4),
    ("Warsaw", "PL", 52.2297, 21.0122, 18, 12),
    ("Kraków", "PL", 50.0647, 19.9450, 8, 8),
    ("Wrocław", "PL", 51.1079, 17.0385, 6, 7),
    ("Lublin", "PL", 51.2465, 22.5684, 3, 5),
    ("Rzeszów", "PL", 50.0412, 21.9991, 2, 5),
    ("Przemyśl", "PL", 49.7839, 22.7678, 1, 3),
    ("Chișinău", "MD", 47.0105, 28.8638, 6, 7),
    ("Bucharest", "RO", 44.4268, 26.1025, 18, 12),
    ("Iași", "RO", 47.1585, 27.6014, 3, 5),
    ("Suceava", "RO", 47.6635, 26.2732, 1, 4),
    ("Košice", "SK", 48.7164, 21.2611, 2, 5),
    ("Bratislava", "SK", 48.1486, 17.1077, 4, 6),
    ("Budapest", "HU", 47.4979, 19.0402, 17, 12),
    ("Debrecen", "HU", 47.5316, 21.6273, 2, 5),
    ("Prague", "CZ", 50.0755, 14.4378, 13, 10),
    ("Brno", "CZ", 49.1951, 16.6068, 4, 6),
    ("Berlin", "DE", 52.5200, 13.4050, 36, 15),
    ("Munich", "DE", 48.1351, 11.5820, 15, 11),
    ("Hamburg", "DE", 53.5511, 9.9937, 18, 12),
    ("Vienna", "AT", 48.2082, 16.3738, 19, 12),
    ("Vilnius", "LT", 54.6872, 25.2797, 5, 6),
    ("Riga", "LV", 56.9496, 24.1052, 6, 7),
    ("Rome", "IT", 41.9028, 12.4964, 28, 14),
    ("Milan", "IT", 45.4642, 9.1900, 14, 11),
    ("Madrid", "ES", 40.4168, -3.7038, 33, 14),
    ("Paris", "FR", 48.8566, 2.3522, 21, 14),
    ("London", "GB", 51.5072, -0.1276, 40, 18),
    ("Amsterdam", "NL", 52.3676, 4.9041, 9, 8),
    ("Istanbul", "TR", 41.0082, 28.9784, 40, 18),
    ("Tbilisi", "GE", 41.7151, 44.8271, 11, 9),
]
REGION = (36.0, 57.5, -9.0, 45.0)  # south, north, west, east
RURAL_SHARE = 0.15
CATEGORIES = ["shelter", "food", "wash", "health", "legal", "transport", "information"]


def prepare_environment(database: str, existing: bool = False) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if database == "postgres" and existing:
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
    elif database == "sqlite" and existing:
        os.environ["DATABASE_URL"] = ""
        os.environ["SQLITE_PATH"] = str(OUT / "directory.sqlite3")
    elif database == "postgres":
        for sql in (f"DROP DATABASE IF EXISTS {PG_NAME}", f"CREATE DATABASE {PG_NAME}"):
            subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", sql], check=True)
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
    else:
        path = OUT / "directory.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = ""
        os.environ["SQLITE_PATH"] = str(path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def offset(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    """A point about `km` (normal spread) from (lat, lon)."""
    dlat = rng.gauss(0, km) / 111.2
    dlon = rng.gauss(0, km) / (111.2 * math.cos(math.radians(lat)))
    return max(-90.0, min(90.0, lat + dlat)), ((lon + dlon + 180) % 360) - 180


def points(count: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    weights = [city[4] for city in CITIES]
    south, north, west, east = REGION
    out = []
    for _ in range(count):
        if rng.random() < RURAL_SHARE:
            out.append((rng.uniform(south, north), rng.uniform(west, east)))
        else:
            _, _, lat, lon, _, spread = rng.choices(CITIES, weights)[0]
            # Most services in town, some in the suburbs and the towns around.
            out.append(offset(rng, lat, lon, spread * (1 if rng.random() < 0.8 else 3)))
    return out


def query_points(count: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    weights = [city[4] for city in CITIES]
    south, north, west, east = REGION
    out = []
    for _ in range(count):
        if rng.random() < 0.7:
            _, _, lat, lon, _, spread = rng.choices(CITIES, weights)[0]
            out.append(offset(rng, lat, lon, spread))
        else:
            out.append((rng.uniform(south, north), rng.uniform(west, east)))
    return out


def load(start: int, located: list[tuple[float, float]], organization_id: uuid.UUID) -> None:
    """Services `start`.. with one location each, and their search rows, in bulk."""
    from django.db import connection

    from compatriot.directory.geo import lat_band
    from compatriot.directory.models import Location, Service, ServiceAtLocation, ServicePoint

    rng = random.Random(start)
    services, locations, links, search_rows = [], [], [], []
    for number, (lat, lon) in enumerate(located, start):
        service_id, location_id, link_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        status = "active" if rng.random() < 0.9 else "inactive"
        category = rng.choice(CATEGORIES)
        if status == "active":
            search_rows.append((service_id, location_id, lat, lon, lat_band(lat), category))
        services.append(
            (
                service_id,
                organization_id,
                f"Service {number}",
                "",
                category,
                status,
                "",
                "",
                "",
                "",
                "",
                None,
            )
        )
        locations.append(
            (
                location_id,
                organization_id,
                "physical",
                f"Site {number}",
                "",
                "",
                "",
                "",
                "",
                "",
                lat,
                lon,
                lat_band(lat),
            )
        )
        links.append((link_id, service_id, location_id, ""))
    tables = [
        (
            Service,
            "id organization_id name description category status url email "
            "eligibility_description fees_description assurer_email serves_third_country_nationals",
            services,
        ),
        (
            Location,
            "id organization_id location_type name description address_1 city "
            "state_province postal_code country latitude longitude lat_band",
            locations,
        ),
        (ServiceAtLocation, "id service_id location_id description", links),
        (
            ServicePoint,
            "service_id location_id latitude longitude lat_band category",
            search_rows,
        ),
    ]
    with connection.cursor() as cursor:
        for model, columns, rows in tables:
            names = columns.split()
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                # Prepared tuples in key order (the primary key's B-tree grows at its end),
                # UUIDs as Django stores them on SQLite (32 hex digits).
                converted = sorted(
                    tuple(v.hex if isinstance(v, uuid.UUID) else v for v in row) for row in rows
                )
                marks = ", ".join("?" * len(names))
                sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, converted)


BENCH_TABLES = ("Service", "Location", "ServiceAtLocation", "ServicePoint")


@contextlib.contextmanager
def sqlite_bulk_load() -> Iterator[None]:
    """For the bench's loading only, on SQLite: no journal, no fsync, no foreign-key checks, one
    transaction, and the secondary indexes dropped and built again afterwards from the very SQL
    the migrations created (so the database measured is the app's, index for index)."""
    from django.apps import apps
    from django.db import connection, transaction

    tables = [apps.get_model("directory", name)._meta.db_table for name in BENCH_TABLES]
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(tables))
        where = f"type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})"
        cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE {where}", tables)  # noqa: S608
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "foreign_keys = OFF",
                       "cache_size = -1048576", "temp_store = MEMORY"):  # fmt: skip
            cursor.execute(f"PRAGMA {pragma}")
    try:
        with transaction.atomic():
            yield
    finally:
        with connection.cursor() as cursor:
            for _, sql in indexes:
                cursor.execute(sql)
            # Back to the app's settings (settings.DATABASES init_command).
            for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
                cursor.execute(f"PRAGMA {pragma}")


def analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


def brute_force(
    all_rows: list[tuple[uuid.UUID, float, float]],
    latitude: float,
    longitude: float,
    radius_km: float,
    limit: int,
) -> list[tuple[float, uuid.UUID]]:
    from compatriot.directory.geo import haversine_km

    found = []
    for service_id, lat, lon in all_rows:
        distance = haversine_km(latitude, longitude, lat, lon)
        if distance <= radius_km:
            found.append((distance, service_id))
    found.sort(key=lambda pair: (pair[0], str(pair[1])))
    return found[:limit]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--radii", default="10,50")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--brute", type=int, default=5, help="brute-force queries per case")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--existing", action="store_true", help="measure the loaded database")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    radii = [float(radius) for radius in args.radii.split(",")]
    prepare_environment(args.database, args.existing)

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from compatriot.directory import selectors
    from compatriot.directory.models import DirectoryOrganization, ServiceAtLocation
    from compatriot.directory.schemas import NearQuery

    if args.existing:
        sizes = [ServiceAtLocation.objects.count()]
        organization = DirectoryOrganization.objects.get(name="Bench")
        located = []
    else:
        call_command("migrate", verbosity=0)
        organization = DirectoryOrganization.objects.create(name="Bench", description="Bench data")
        located = points(sizes[-1], args.seed)
    queries = query_points(args.queries, args.seed + 1)
    print(
        f"\n{args.database} ({connection.vendor}), limit {args.limit}, {args.queries} queries "
        f"per case (70 % near a city), {args.brute} brute-force queries per case, "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print("| services | radius km | p50 ms | p95 ms | max ms | mean found | brute force p50 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    loaded = sizes[0] if args.existing else 0
    for size in sizes:
        started, cpu_started = time.perf_counter(), time.process_time()
        bulk = sqlite_bulk_load() if connection.vendor == "sqlite" else contextlib.nullcontext()
        with bulk:
            for first in range(loaded, size, 100_000):
                load(first, located[first : min(size, first + 100_000)], organization.id)
        loaded = size
        analyse()
        setup_s = time.perf_counter() - started
        setup_cpu_s = time.process_time() - cpu_started
        active = list(
            ServiceAtLocation.objects.filter(service__status="active").values_list(
                "service_id", "location__latitude", "location__longitude"
            )
        )
        for radius in radii:

            def search(lat: float, lon: float, r: float = radius) -> list[tuple[float, uuid.UUID]]:
                query = NearQuery(latitude=lat, longitude=lon, radius_km=r, limit=args.limit)
                return [(d, sid) for d, sid, _ in selectors.service_ids_near(query)]

            for lat, lon in queries[:50]:  # warm-up
                search(lat, lon)
            times, found = [], []
            for lat, lon in queries:
                began = time.perf_counter()
                result = search(lat, lon)
                times.append((time.perf_counter() - began) * 1000)
                found.append(len(result))
            brute_times = []
            for lat, lon in queries[: args.brute]:
                began = time.perf_counter()
                expected = brute_force(active, lat, lon, radius, args.limit)
                brute_times.append((time.perf_counter() - began) * 1000)
                if search(lat, lon) != expected:
                    raise SystemExit(
                        f"indexed search differs from brute force at {lat, lon, radius}"
                    )
            print(
                f"| {size:,} | {radius:g} | {statistics.median(times):.2f} | "
                f"{percentile(times, 0.95):.2f} | {max(times):.2f} | "
                f"{statistics.mean(found):.1f} | {statistics.median(brute_times):.0f} |",
                flush=True,
            )
        print(
            f"<!-- {size:,} loaded and analysed in {setup_s:.0f} s ({setup_cpu_s:.0f} s of this "
            "process's CPU; the database's own work is in it on SQLite, not on PostgreSQL); "
            f"load average now {os.getloadavg()[0]:.1f} -->",
            flush=True,
        )


if __name__ == "__main__":
    main()
