"""Deduplication in the background: a job started from the API runs here, and so does the
comparison of new registrations with a crisis's other persons (with no broker,
CELERY_TASK_ALWAYS_EAGER, both run at once in the caller's process)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import connection

from compatriot.core.debounce import run_per_crisis
from compatriot.linkage.models import DedupeJob, JobScope, JobStatus
from compatriot.people import registrations

logger = logging.getLogger(__name__)

# _services_on_use: the services, and the linkage engine with pandas and Splink under them, are
# imported when a task runs, not with this module: every process imports it at start-up (the
# app's ready() registers `schedule_new_records`), and most never run a task (import workers,
# where they cost about 0.4 s of CPU each).


@shared_task(name="linkage.dedupe_crisis")
def dedupe_crisis_task(job_id: str) -> int:
    from compatriot.linkage.services import dedupe_job_run  # see _services_on_use

    job = dedupe_job_run(job_id=uuid.UUID(job_id))
    logger.info(
        "linkage: job %s scored %d pair(s), merged %d, %d for review",
        job.id,
        job.pairs_scored,
        job.auto_merged,
        job.queued_for_review,
    )
    return job.auto_merged


def enqueue(job: DedupeJob) -> None:
    """Start the job (after the transaction that created it has committed). A failure is recorded
    on the job (status failed), never passed to the caller who started it."""
    try:
        dedupe_crisis_task.delay(str(job.id))
    except Exception:
        logger.exception("linkage: deduplication job %s failed", job.id)


@shared_task(name="linkage.dedupe_new_records")
def dedupe_new_records_task(crisis_id: str) -> int:
    from compatriot.linkage.services import dedupe_new_records  # see _services_on_use

    job = dedupe_new_records(crisis_id=uuid.UUID(crisis_id))
    if job is None:
        return 0
    logger.info(
        "linkage: job %s compared new registrations: merged %d, %d for review",
        job.id,
        job.auto_merged,
        job.queued_for_review,
    )
    return job.auto_merged


def new_records_statement(crisis_id: uuid.UUID) -> tuple[str, list[Any]] | None:
    """Whether registrations in the crisis have work here, as a read for people.registrations to
    send with the write (a row: the crisis has been deduplicated as a whole, so deduplication is
    in use there), or None when they have none anyway. Without a broker nothing runs unless
    LINKAGE_NEW_RECORDS_WITHOUT_BROKER is set: the job would run inside the registration's
    request and prepare the whole crisis each time (seconds per registration in a large crisis),
    so there the next whole-crisis job compares them."""
    if settings.CELERY_TASK_ALWAYS_EAGER and not settings.LINKAGE_NEW_RECORDS_WITHOUT_BROKER:
        return None
    meta = DedupeJob._meta
    if connection.vendor not in _DONE_WHOLE_CRISIS_SQL:
        quote = connection.ops.quote_name
        wanted = {"crisis", "scope", "status"}
        column = {f.name: quote(str(f.column)) for f in meta.concrete_fields if f.name in wanted}
        _DONE_WHOLE_CRISIS_SQL[connection.vendor] = (
            f"SELECT 1 FROM {quote(meta.db_table)} WHERE {column['crisis']} = %s"  # noqa: S608
            f" AND {column['scope']} = %s AND {column['status']} = %s LIMIT 1"
        )  # names from model metadata; values are parameters
    crisis = meta.get_field("crisis")
    return _DONE_WHOLE_CRISIS_SQL[connection.vendor], [
        crisis.get_db_prep_value(crisis_id, connection),
        str(JobScope.CRISIS),
        str(JobStatus.DONE),
    ]


# Fixed SQL: it is built for every registration when a broker is configured.
_DONE_WHOLE_CRISIS_SQL: dict[str, str] = {}


def dedupe_new_records_soon(crisis_id: uuid.UUID) -> None:
    """Compare the crisis's new registrations with its other persons: with a broker,
    registrations within LINKAGE_NEW_RECORDS_DELAY seconds share one job (it compares everyone
    registered since the last one); without one it runs here, and a failure is logged (and
    recorded on the job), never passed to the registration. Registered with
    `new_records_statement` as its check (apps.py): called after commit when that finds a row."""
    run_per_crisis(
        dedupe_new_records_task,
        crisis_id,
        key="linkage-new-records",
        delay=settings.LINKAGE_NEW_RECORDS_DELAY,
        what="linkage: comparing new registrations",
    )


def schedule_new_records(crisis_id: uuid.UUID) -> None:
    """After persons of a crisis are registered and committed: the check, as a statement of its
    own, then the comparison if it has work."""
    registrations.call_if_found(dedupe_new_records_soon, new_records_statement, crisis_id)
