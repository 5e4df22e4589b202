"""Deduplication in the background: a job started from the API runs here (with no broker,
CELERY_TASK_ALWAYS_EAGER, it runs at once in the caller's process)."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task

from compatriot.linkage.models import DedupeJob
from compatriot.linkage.services import dedupe_job_run

logger = logging.getLogger(__name__)


@shared_task(name="linkage.dedupe_crisis")
def dedupe_crisis_task(job_id: str) -> int:
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
