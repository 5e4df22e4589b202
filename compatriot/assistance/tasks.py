"""Matching in the background: a run started from the board or the API runs here (with no
broker, CELERY_TASK_ALWAYS_EAGER, it runs at once in the caller's process)."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task

from compatriot.assistance.matching import perform_matching
from compatriot.assistance.models import MatchingRun

logger = logging.getLogger(__name__)


@shared_task(name="assistance.match")
def match_task(run_id: str) -> int:
    run = perform_matching(run_id=uuid.UUID(run_id))
    return int(run.summary.get("proposed", 0))


def enqueue(run: MatchingRun) -> None:
    """Start the run. A failure is recorded on the run (status failed), never passed to the
    caller who started it; the board and GET /matching-runs/{id} show it."""
    try:
        match_task.delay(str(run.id))
    except Exception:
        logger.exception("assistance: matching run %s failed", run.id)
