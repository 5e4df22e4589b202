"""Deduplication in the background: a job started from the API runs here, and so does the
comparison of new registrations with a crisis's other persons (with no broker,
CELERY_TASK_ALWAYS_EAGER, both run at once in the caller's process)."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task
from django.conf import settings

from compatriot.core.debounce import run_per_crisis
from compatriot.linkage.models import DedupeJob, JobScope, JobStatus

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


def schedule_new_records(crisis_id: uuid.UUID) -> None:
    """Called once persons of a crisis are registered (people.registrations), after commit.

    Nothing to do unless the crisis has been deduplicated as a whole (deduplication is in use
    there). With a broker, registrations within LINKAGE_NEW_RECORDS_DELAY seconds share one job
    (it compares everyone registered since the last one). Without a broker nothing runs unless
    LINKAGE_NEW_RECORDS_WITHOUT_BROKER is set: the job would run inside the registration's
    request and prepare the whole crisis each time (seconds per registration in a large crisis),
    so there the next whole-crisis job compares them. When it runs here, a failure is logged (and
    recorded on the job), never passed to the registration."""
    if settings.CELERY_TASK_ALWAYS_EAGER and not settings.LINKAGE_NEW_RECORDS_WITHOUT_BROKER:
        return
    whole = DedupeJob.objects.filter(
        crisis_id=crisis_id, scope=JobScope.CRISIS, status=JobStatus.DONE
    )
    if not whole.exists():
        return
    run_per_crisis(
        dedupe_new_records_task,
        crisis_id,
        key="linkage-new-records",
        delay=settings.LINKAGE_NEW_RECORDS_DELAY,
        what="linkage: comparing new registrations",
    )
