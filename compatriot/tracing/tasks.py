"""Background work of tracing: re-check open requests when persons are registered, and a periodic
sweep (CELERY_BEAT_SCHEDULE in settings) that compares them with every searchable person and
lets lapse the matches of persons who withdrew consent. Both are safe to run twice."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from compatriot.core.debounce import run_per_crisis
from compatriot.people import registrations
from compatriot.tracing.models import ACTIVE_STATUSES, TracingRequest

logger = logging.getLogger(__name__)

# _services_on_use: the services are imported when a task runs, not with this module, which
# every process imports at start-up (the app's ready() registers `recheck_soon`), most of them
# never running a task (import workers).


@shared_task(name="tracing.recheck_crisis")
def tracing_recheck_task(crisis_id: str) -> int:
    from compatriot.tracing.services import tracing_recheck  # see _services_on_use

    report = tracing_recheck(crisis_id=uuid.UUID(crisis_id))
    logger.info(
        "tracing: re-checked %d request(s) against %d person(s), %d new possible match(es)",
        report.requests,
        report.persons_compared,
        report.new_matches,
    )
    return report.new_matches


@shared_task(name="tracing.sweep")
def tracing_sweep_task() -> int:
    from compatriot.tracing.services import tracing_recheck  # see _services_on_use

    report = tracing_recheck(full=True)
    logger.info(
        "tracing: swept %d request(s), %d new possible match(es), %d lapsed",
        report.requests,
        report.new_matches,
        report.lapsed,
    )
    return report.new_matches


_ACTIVE_REQUEST_SQL: dict[str, str] = {}
# PostgreSQL: the same query in a function (tracing migration 0002), whose plan the connection
# keeps; sent as text, it was planned anew on every write, which cost more than running it.
_ACTIVE_REQUEST_FUNCTION = "SELECT 1 WHERE compatriot_tracing_active(%s, %s)"


def active_request_statement(crisis_id: uuid.UUID) -> tuple[str, list[Any]]:
    """`TracingRequest.objects.active().filter(crisis_id=...).exists()` as fixed SQL and its
    parameters, one row if so and none if not: it runs after every registration
    (people.registrations sends it with the write where it can), and the ORM took longer to
    build it than the database to answer."""
    meta = TracingRequest._meta
    crisis = meta.get_field("crisis")
    values = [status.value for status in ACTIVE_STATUSES]
    # django.db.connection's own connection, looked up once: each of the proxy's reads looks it
    # up again (~10,000 instructions each on the write path: docs/benchmarks.md, branch apipy).
    database = connections[DEFAULT_DB_ALIAS]
    crisis_value = crisis.get_db_prep_value(crisis_id, database)
    if database.vendor == "postgresql":
        return _ACTIVE_REQUEST_FUNCTION, [crisis_value, values]
    if database.vendor not in _ACTIVE_REQUEST_SQL:
        quote = database.ops.quote_name
        statuses = ", ".join(["%s"] * len(ACTIVE_STATUSES))
        _ACTIVE_REQUEST_SQL[database.vendor] = (
            f"SELECT 1 FROM {quote(meta.db_table)} WHERE {quote(str(crisis.column))} = %s"  # noqa: S608
            f" AND {quote(str(meta.get_field('status').column))} IN ({statuses}) LIMIT 1"
        )  # names from model metadata; values are parameters
    return _ACTIVE_REQUEST_SQL[database.vendor], [crisis_value, *values]


def schedule_recheck(crisis_id: uuid.UUID) -> None:
    """Re-check the crisis's open requests soon, if it has an active one (see `recheck_soon`):
    what a registration outside the one-round-trip write triggers."""
    registrations.call_if_found(recheck_soon, active_request_statement, crisis_id)


def recheck_soon(crisis_id: uuid.UUID) -> None:
    """Called once persons of a crisis are registered (people.registrations), after commit, when
    `active_request_statement` found an active request in the crisis.

    With a broker, registrations within TRACING_RECHECK_DELAY seconds share one re-check (it
    compares everyone changed since the last one). Without a broker the task runs here and now; a
    failure is logged, never passed to the registration that triggered it (the periodic sweep will
    catch up)."""
    run_per_crisis(
        tracing_recheck_task,
        crisis_id,
        key="tracing-recheck",
        delay=int(getattr(settings, "TRACING_RECHECK_DELAY", 30)),
        what="tracing: re-check",
    )
