#!/usr/bin/env python
"""Page weight and server time of the main web pages, with the demo crisis loaded.

1. Prepares a fresh SQLite database under bench/out/ (or the PostgreSQL database
   `compatriot_bench_pages`, dropped and recreated, with --database postgres), migrates it and
   loads the demo crisis (`compatriot demo`, --persons people).
2. Signs in as a demo volunteer and, for each page, asks for it --repeat times through Django's
   whole stack in this process (middleware, views, templates, database; no network): the server
   time is the median and the 90th percentile of those requests.
3. Weighs the page as a first visit would: the HTML plus every stylesheet and script it links,
   fetched the same way. "gzip" is what is transferred when the assets are served compressed
   (whitenoise serves the .gz files that `collectstatic` writes); "raw" is without compression.

    .venv/bin/python bench/pages.py --persons 2000 --repeat 20
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def prepare_environment(database: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if database == "postgres":
        for sql in (
            "DROP DATABASE IF EXISTS compatriot_bench_pages",
            "CREATE DATABASE compatriot_bench_pages",
        ):
            subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", sql], check=True)
        os.environ["DATABASE_URL"] = PG_SERVER + "/compatriot_bench_pages"
    else:
        path = OUT / "pages.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = ""
        os.environ["SQLITE_PATH"] = str(path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def weigh(client: object, html: bytes) -> tuple[int, int, int]:
    """(asset count, raw bytes, gzip bytes) of the page and what it links."""
    raw, packed = len(html), len(gzip.compress(html, 6))
    assets = sorted(set(ASSET.findall(html.decode())))
    for url in assets:
        response = client.get(url)  # type: ignore[attr-defined]
        body = b"".join(response.streaming_content) if response.streaming else response.content
        raw += len(body)
        packed += len(gzip.compress(body, 6))
    return len(assets), raw, packed


def timed(call: object, repeat: int) -> tuple[list[float], bytes, int]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = call()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return times, response.content, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    prepare_environment(args.database)

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from compatriot.core.models import Crisis, Membership, Role
    from compatriot.people.models import Person

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as `compatriot serve` does
    call_command("demo", persons=args.persons, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    crisis = Crisis.objects.get()
    membership = (
        Membership.objects.filter(role=Role.VOLUNTEER)
        .select_related("organisation", "user")
        .order_by("organisation__name")
        .first()
    )
    settings.WEB_PUBLIC_INTAKE_ORGANISATION = membership.organisation.name
    settings.WEB_PUBLIC_RATE_LIMIT = (10**9, 600)
    person = Person.objects.filter(registered_by=membership.organisation).first()
    # The public directory: 200 services around Przemyśl and Medyka, kept by the volunteer's
    # organisation (the demo loads none).
    from compatriot.directory.tests.factories import actor_for, make_service

    keeper = actor_for(membership.organisation, membership.user, Role.COORDINATOR)
    for number in range(200):
        make_service(
            keeper,
            name=f"Service {number}",
            category=["shelter", "food", "legal", "health"][number % 4],
            locations=[{"name": f"Site {number}", "latitude": 49.70 + number * 0.001,
                        "longitude": 22.70 + number * 0.002, "country": "PL"}],
        )  # fmt: skip
    public, operator = Client(), Client()
    operator.force_login(membership.user)
    pages = [
        ("public", "crisis index", public, "get", "/", {}),
        ("public", "crisis landing", public, "get", f"/crisis/{crisis.id}/", {}),
        ("public", "self-registration", public, "get", f"/crisis/{crisis.id}/register/", {}),
        ("public", "I need help", public, "get", f"/crisis/{crisis.id}/help/", {}),
        ("public", "thank you", public, "get", "/thanks/", {}),
        ("public", "report a concern", public, "get", f"/crisis/{crisis.id}/concern/", {}),
        ("public", "follow a concern", public, "get", "/concern/status/", {}),
        ("public", "directory search", public, "get", "/directory/", {}),
        (
            "public",
            "directory: 30 nearest",
            public,
            "post",
            "/directory/",
            {"place": "pl-przemysl", "radius_km": "50"},
        ),
        ("public", "directory GeoJSON (200 points)", public, "get", "/directory/geojson/", {}),
        ("operator", "sign-in", Client(), "get", "/login/", {}),
        ("operator", "dashboard", operator, "get", "/workspace/", {}),
        ("operator", "registry", operator, "get", "/workspace/people/", {}),
        ("operator", "registry name search", operator, "post", "/workspace/people/", {"q": "ivan"}),
        ("operator", "person page", operator, "get", f"/workspace/people/{person.id}/", {}),
        ("operator", "household form", operator, "get", "/workspace/households/new/", {}),
    ]
    print(
        f"\n{args.database}, {Person.objects.count()} people in the crisis, "
        f"{membership.organisation.name} ({Person.objects.filter(registered_by=membership.organisation).count()} of them)\n"
    )
    print("| side | page | status | server ms median | p90 | assets | raw KB | gzip KB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for side, name, client, method, url, data in pages:
        call = getattr(client, method)
        times, html, status = timed(lambda c=call, u=url, d=data: c(u, d), args.repeat)
        count, raw, packed = weigh(client, html)
        p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
        print(
            f"| {side} | {name} | {status} | {statistics.median(times):.1f} | {p90:.1f} | "
            f"{count} | {raw / 1024:.1f} | {packed / 1024:.1f} |"
        )


if __name__ == "__main__":
    main()
