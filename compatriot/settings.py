"""Settings, read from the environment only.

Development defaults are safe for a laptop: SQLite in var/, DEBUG on, localhost only.
A production start (DEBUG=0) refuses the development secret key, and a blank or weak one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("COMPATRIOT_VAR_DIR", BASE_DIR / "var"))

DEVELOPMENT_SECRET_KEY = "dev-insecure-compatriot-key-do-not-use-in-production"  # noqa: S105


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def weak_secret_key(key: str) -> str | None:
    """Why `key` is too weak to sign sessions and tokens with, or None: Django's own criteria
    (its check security.W009), which only warns where a production start must refuse."""
    if key.startswith("django-insecure-"):
        return "is one Django generated for development (django-insecure-...)"
    if len(key) < 50:
        return "is shorter than 50 characters"
    if len(set(key)) < 5:
        return "has fewer than 5 different characters"
    return None


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "Refusing to start with DEBUG=0 and the development SECRET_KEY: set SECRET_KEY."
    )
if not DEBUG and (weakness := weak_secret_key(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"Refusing to start with DEBUG=0: SECRET_KEY {weakness}. Set SECRET_KEY to a long random "
        "value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "compatriot.core",
    "compatriot.people",
    "compatriot.scenario",
    "compatriot.cases",
    "django.contrib.humanize",
    "compatriot.web",
    "compatriot.linkage",
    "compatriot.directory",
    "compatriot.assistance",
    "compatriot.tracing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Three of Django's own, bypassed on the bearer-token API (compatriot/middleware.py).
    "compatriot.middleware.SessionMiddleware",
    "compatriot.middleware.LocaleMiddleware",  # Django's, the language remembered per header
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "compatriot.middleware.AuthenticationMiddleware",
    "compatriot.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "compatriot.urls"
WSGI_APPLICATION = "compatriot.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]


SQLITE_WAL_SIZE_LIMIT = (
    16 * 1024 * 1024
)  # bytes; the WAL of ~1,000 pages between checkpoints is ~4 MB


def database_config() -> dict[str, Any]:
    conn_max_age = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age)
        config.setdefault("TEST", {})
        if os.environ.get("TEST_DATABASE_NAME"):
            config["TEST"]["NAME"] = os.environ["TEST_DATABASE_NAME"]
        return dict(config)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "compatriot.sqlite3")),
        # Kept across requests as on PostgreSQL: a new connection per request cost ~60 % of an
        # API write's instructions (opening the file, the PRAGMAs, Django's SQL functions, the schema
        # read anew, every statement prepared anew: docs/benchmarks.md, branch apisql).
        "CONN_MAX_AGE": conn_max_age,
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN
        # so that concurrent writers queue on busy_timeout instead of failing mid-transaction.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000; "
                # A kept connection keeps the WAL file: SQLite deletes it only when the last
                # connection closes, and an idle server thread never closes its own. A big
                # write (an import) would leave its WAL's full size on disk while the server
                # runs; with this limit the WAL is cut back at the next checkpoint's reset.
                f"PRAGMA journal_size_limit={SQLITE_WAL_SIZE_LIMIT};"
            ),
        },
        # Tests use an in-memory database unless a file is asked for.
        "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
    }


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("ar", "العربية"),
    ("uk", "Українська"),
    ("ru", "Русский"),
    ("pt", "Português"),
    ("es", "Español"),
]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing directory
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}


# Mail (the directory's requests to confirm stale profiles): EMAIL_URL, e.g.
# submission://user:password@smtp.example.org:587 (STARTTLS) or smtp://127.0.0.1:25, or the
# separate EMAIL_HOST, EMAIL_PORT, ... variables. With neither, development (DEBUG=1) prints mail
# to the console; production sends through SMTP on localhost:25 (Django's default).
def email_config() -> dict[str, Any]:
    if os.environ.get("EMAIL_URL"):
        config: dict[str, Any] = dj_email_url.parse(os.environ["EMAIL_URL"])
        config.pop("EMAIL_FILE_PATH", None)
        return {name: value for name, value in config.items() if value is not None}
    smtp = bool(os.environ.get("EMAIL_HOST")) or not DEBUG
    return {
        "EMAIL_BACKEND": "django.core.mail.backends."
        + ("smtp.EmailBackend" if smtp else "console.EmailBackend"),
        "EMAIL_HOST": os.environ.get("EMAIL_HOST", "localhost"),
        "EMAIL_PORT": int(os.environ.get("EMAIL_PORT", "25")),
        "EMAIL_HOST_USER": os.environ.get("EMAIL_HOST_USER", ""),
        "EMAIL_HOST_PASSWORD": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "EMAIL_USE_TLS": env_bool("EMAIL_USE_TLS", False),
        "EMAIL_USE_SSL": env_bool("EMAIL_USE_SSL", False),
    }


_email = email_config()
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", _email["EMAIL_BACKEND"])
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(_email.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", _email.get("EMAIL_TIMEOUT") or 30))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Compatriot <noreply@localhost>")
# Where the platform is reached, for links in mail (no trailing slash).
WEB_BASE_URL = os.environ.get("WEB_BASE_URL", "http://localhost:8000").rstrip("/")

# A person record is small; 2.5 MB of JSON is far beyond any honest request.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Diaspora profiles not confirmed for this many days are flagged stale and their owners asked.
DIRECTORY_STALE_AFTER_DAYS = int(os.environ.get("DIRECTORY_STALE_AFTER_DAYS", "30"))
CELERY_BEAT_SCHEDULE = {
    "directory-flag-stale-profiles": {"task": "directory.flag_stale_profiles", "schedule": 86400},
}

SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Cases: how long a case may stay open, by priority, before it is escalated; attachments.
CASE_DEADLINE_HOURS = {
    "critical": int(os.environ.get("CASE_DEADLINE_HOURS_CRITICAL", "24")),
    "high": int(os.environ.get("CASE_DEADLINE_HOURS_HIGH", "72")),
    "medium": int(os.environ.get("CASE_DEADLINE_HOURS_MEDIUM", "168")),
    "low": int(os.environ.get("CASE_DEADLINE_HOURS_LOW", "336")),
}
CASES_ATTACHMENT_DIR = Path(os.environ.get("CASES_ATTACHMENT_DIR", VAR_DIR / "attachments"))
CASES_ATTACHMENT_MAX_BYTES = int(os.environ.get("CASES_ATTACHMENT_MAX_BYTES", 5_000_000))
CASES_ATTACHMENTS_PER_CONCERN = 5
CASES_PUBLIC_REPORTS_PER_HOUR = int(os.environ.get("CASES_PUBLIC_REPORTS_PER_HOUR", "20"))
CELERY_BEAT_SCHEDULE["cases-escalate-overdue"] = {
    "task": "cases.escalate_overdue",
    "schedule": 300.0,
}
# Family tracing (docs/tracing.md): possible matches at or above this probability, at most this
# many per request; the key that encrypts seekers' contacts (derived from SECRET_KEY if unset).
TRACING_MATCH_THRESHOLD = float(os.environ.get("TRACING_MATCH_THRESHOLD", "0.5"))
TRACING_CANDIDATES = int(os.environ.get("TRACING_CANDIDATES", "3"))
TRACING_CONTACT_KEY = os.environ.get("TRACING_CONTACT_KEY", "")
TRACING_RECHECK_DELAY = int(os.environ.get("TRACING_RECHECK_DELAY", "30"))
CELERY_BEAT_SCHEDULE["tracing-sweep"] = {"task": "tracing.sweep", "schedule": 3600.0}
# Deduplication (docs/linkage.md): pairs scored at or above the upper threshold are merged
# automatically unless a hard identifier conflicts; between the two they go to review.
LINKAGE_LOWER_THRESHOLD = float(os.environ.get("LINKAGE_LOWER_THRESHOLD", "0.5"))
LINKAGE_UPPER_THRESHOLD = float(os.environ.get("LINKAGE_UPPER_THRESHOLD", "0.99"))
# A deduplication job still queued or running after this long is taken as abandoned.
LINKAGE_JOB_TIMEOUT_MINUTES = int(os.environ.get("LINKAGE_JOB_TIMEOUT_MINUTES", "120"))
# A matching run still queued or running after this long was abandoned by a dead worker.
MATCHING_RUN_TIMEOUT_MINUTES = int(os.environ.get("MATCHING_RUN_TIMEOUT_MINUTES", "30"))
# With a broker, registrations within this many seconds share one comparison with the crisis.
LINKAGE_NEW_RECORDS_DELAY = int(os.environ.get("LINKAGE_NEW_RECORDS_DELAY", "60"))
# Without a broker, compare new registrations inside the registering request (small crises only).
LINKAGE_NEW_RECORDS_WITHOUT_BROKER = (
    os.environ.get("LINKAGE_NEW_RECORDS_WITHOUT_BROKER", "0") == "1"
)
# Web pages (compatriot/web, docs/web.md).
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"
# A tile server you run, e.g. https://tiles.example.org/{z}/{x}/{y}.png; empty: markers only.
WEB_MAP_TILE_URL = os.environ.get("WEB_MAP_TILE_URL", "")
WEB_MAP_TILE_ATTRIBUTION = os.environ.get("WEB_MAP_TILE_ATTRIBUTION", "")
# Self-registrations from the public pages are recorded by this organisation (its name).
WEB_PUBLIC_INTAKE_ORGANISATION = os.environ.get("WEB_PUBLIC_INTAKE_ORGANISATION", "")
# Public form submissions per client address: (count, seconds).
WEB_PUBLIC_RATE_LIMIT = (int(os.environ.get("WEB_PUBLIC_RATE_LIMIT", "10")), 600)
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# The public pages' rate limits live in the cache: share it between server processes in production.
if os.environ.get("WEB_CACHE_URL"):  # e.g. redis://127.0.0.1:6379/1
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["WEB_CACHE_URL"],
        }
    }

# Demo crisis: the organisation and people `compatriot demo` loads.
DEMO_PERSONS = int(os.environ.get("DEMO_PERSONS", "2000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
