"""Background work of the directory: flag stale profiles and ask their owners to confirm.

Run daily by Celery beat (`CELERY_BEAT_SCHEDULE` in settings); with no broker configured, tasks
run eagerly in process.
"""

from __future__ import annotations

import logging

from celery import shared_task

from compatriot.directory.mail import ask_owners_to_confirm
from compatriot.directory.services import profiles_flag_stale, stale_after_days

logger = logging.getLogger(__name__)


@shared_task(name="directory.flag_stale_profiles")
def flag_stale_profiles() -> int:
    """Flags the profiles gone stale, then mails the owners' admins and coordinators about every
    stale profile not mailed about yet (mail.py: links only, no personal data). Returns how many
    profiles were newly flagged; the log has counts only."""
    flagged = profiles_flag_stale()
    mailed = ask_owners_to_confirm(days=stale_after_days())
    logger.info(
        "directory: %d profile(s) newly flagged stale, owners mailed about %d",
        len(flagged),
        mailed,
    )
    return len(flagged)
