"""Settings come from the environment and refuse an unsafe production start; the health check and
the API description answer without a token."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from compatriot.settings import DEVELOPMENT_SECRET_KEY

REPOSITORY = Path(__file__).resolve().parents[3]
PRINT_SETTINGS = (
    "import json, compatriot.settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'host': s.DATABASES['default'].get('HOST'), "
    "'port': s.DATABASES['default'].get('PORT'), 'secure_cookies': s.SESSION_COOKIE_SECURE, "
    "'conn_max_age': s.DATABASES['default'].get('CONN_MAX_AGE')}))"
)


def import_settings(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter with only `environment` set, so that this
    process's settings are untouched and the developer's environment does not leak in."""
    env = {"COMPATRIOT_VAR_DIR": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1", **environment}
    return subprocess.run(  # noqa: S603  our own interpreter and a fixed script
        [sys.executable, "-c", PRINT_SETTINGS],
        env=env,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("_case", "environment"),
    [
        ("no SECRET_KEY", {"DEBUG": "0"}),
        ("DEBUG=false, no SECRET_KEY", {"DEBUG": "false"}),
        ("the development key", {"DEBUG": "0", "SECRET_KEY": DEVELOPMENT_SECRET_KEY}),
    ],
)
def test_production_refuses_the_development_secret_key(_case, environment, tmp_path):
    result = import_settings(tmp_path, **environment)

    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        "django.core.exceptions.ImproperlyConfigured: Refusing to start with DEBUG=0"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("key", "weakness"),
    [
        ("", "is shorter than 50 characters"),
        ("   ", "is shorter than 50 characters"),
        ("changeme", "is shorter than 50 characters"),
        ("x" * 49 + "y", "has fewer than 5 different characters"),
        ("abcd" * 20, "has fewer than 5 different characters"),
        ("django-insecure-" + "k3y" * 20, "is one Django generated for development"),
    ],
)
def test_production_refuses_a_blank_or_weak_secret_key(key, weakness, tmp_path):
    result = import_settings(tmp_path, DEBUG="0", SECRET_KEY=key)

    assert result.returncode == 1
    assert result.stdout == ""
    assert f"Refusing to start with DEBUG=0: SECRET_KEY {weakness}" in result.stderr
    assert key.strip() == "" or key not in result.stderr  # the key itself is never shown


def test_production_starts_with_a_secret_key(tmp_path):
    result = import_settings(tmp_path, DEBUG="0", SECRET_KEY="a-real-secret-" + "x" * 36)

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert (loaded["debug"], loaded["secure_cookies"]) == (False, True)


def test_development_defaults_to_sqlite_in_the_var_directory(tmp_path):
    result = import_settings(tmp_path)

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert (loaded["debug"], loaded["secure_cookies"]) == (True, False)
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"] == str(tmp_path / "compatriot.sqlite3")


@pytest.mark.parametrize(("environment", "seconds"), [({}, 60), ({"DB_CONN_MAX_AGE": "5"}, 5)])
def test_connections_are_kept_across_requests_on_either_database(environment, seconds, tmp_path):
    # SQLite's were opened anew for every request (no CONN_MAX_AGE): ~60 % of an API write's instructions.
    for database in ({}, {"DATABASE_URL": "postgres://compatriot@db.internal/registry"}):
        result = import_settings(tmp_path, **database, **environment)

        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["conn_max_age"] == seconds


def test_a_kept_sqlite_connection_does_not_keep_a_big_write_ahead_log(monkeypatch, tmp_path):
    """A server thread's kept connection stays open while another process writes a lot (an
    import): the WAL grows past its limit, and the next write after a checkpoint cuts it back
    instead of holding its largest size on disk for as long as the server runs."""
    from compatriot.settings import SQLITE_WAL_SIZE_LIMIT, database_config

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "kept.sqlite3"))
    config = database_config()

    def connect() -> sqlite3.Connection:
        opened = sqlite3.connect(config["NAME"], isolation_level=None)
        opened.executescript(config["OPTIONS"]["init_command"])
        return opened

    server, importer = connect(), connect()
    server.execute("CREATE TABLE rows (text TEXT)")
    server.execute("SELECT count(*) FROM rows").fetchone()  # the server's connection is in use
    importer.execute("BEGIN")
    importer.executemany("INSERT INTO rows VALUES (?)", [("x" * 4000,)] * 6000)
    importer.execute("COMMIT")
    importer.close()
    wal = Path(config["NAME"] + "-wal")
    assert wal.stat().st_size > SQLITE_WAL_SIZE_LIMIT

    server.execute("PRAGMA wal_checkpoint(PASSIVE)")
    server.execute("INSERT INTO rows VALUES ('after')")

    assert wal.stat().st_size <= SQLITE_WAL_SIZE_LIMIT
    server.close()


@pytest.mark.django_db
def test_djangos_own_sqlite_connections_carry_the_wal_limit():
    """The limit above is set by the init_command Django runs on each connection it opens."""
    from compatriot.settings import SQLITE_WAL_SIZE_LIMIT

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's setting")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_size_limit")
        assert cursor.fetchone()[0] == SQLITE_WAL_SIZE_LIMIT


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_database_url_selects_postgresql(scheme, tmp_path):
    result = import_settings(
        tmp_path, DATABASE_URL=f"{scheme}://compatriot:secret@db.internal:6543/registry"
    )

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert (loaded["name"], loaded["host"], loaded["port"]) == ("registry", "db.internal", 6543)


def test_health_needs_no_token(anonymous, db):
    response = anonymous.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor}


def test_health_reports_an_unreachable_database(anonymous):
    # Without the `db` fixture pytest-django refuses every connection, as a dead server would.
    response = anonymous.get("/health")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_openapi_describes_the_person_endpoints(anonymous, db):
    response = anonymous.get("/openapi.json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["info"]["title"] == "Compatriot API"
    paths = schema["paths"]
    assert set(paths["/api/v1/persons"]) == {"get", "post"}
    assert set(paths["/api/v1/persons/{person_id}"]) == {"get", "patch"}
    assert set(paths["/api/v1/households"]) == {"get", "post"}
    assert "/api/v1/health" in paths
    assert schema["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_docs_page(anonymous, db):
    response = anonymous.get("/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"/api/v1/openapi.json" in response.content


def test_every_periodic_job_is_scheduled_and_names_a_registered_task():
    from compatriot.celery import app

    app.loader.import_default_modules()
    app.autodiscover_tasks(force=True)
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert {entry["task"] for entry in schedule.values()} == {
        "directory.flag_stale_profiles",
        "cases.escalate_overdue",
        "tracing.sweep",
    }
    for entry in schedule.values():
        assert entry["task"] in app.tasks
