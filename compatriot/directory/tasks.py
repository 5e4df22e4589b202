"""Background work of the directory: flag stale profiles and ask their owners to confirm.

Run daily by Celery beat (`CELERY_BEAT_SCHEDULE` in settings); with no broker configured, tasks
run eagerly in process.
"""

from __future__ import annotations

import logging

from celery import shared_task

from compatriot.directory.services import profiles_flag_stale

logger = logging.getLogger(__name__)


@shared_task(name="directory.flag_stale_profiles")
def flag_stale_profiles() -> int:
    """Owners are asked through `confirmation_requested_at`, which their dashboards and the API
    show (`is_stale`); no personal data leaves the platform here."""
    flagged = profiles_flag_stale()
    logger.info("directory: %d profile(s) newly flagged stale", len(flagged))
    return len(flagged)
