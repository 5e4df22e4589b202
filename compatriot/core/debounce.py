"""Background work that registrations trigger, at most once per window per crisis."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def run_per_crisis(task: Any, crisis_id: uuid.UUID, *, key: str, delay: int, what: str) -> None:
    """Run the Celery `task` for the crisis. Without a broker it runs here and now, and a failure
    is logged, never passed to the caller (a registration). With a broker, calls within `delay`
    seconds share one run, started `delay` seconds after the first (it sees them all)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            task.delay(str(crisis_id))
        except Exception:
            logger.exception("%s of crisis %s failed", what, crisis_id)
        return
    if cache.add(f"{key}:{crisis_id}", 1, timeout=delay):
        task.apply_async((str(crisis_id),), countdown=delay)
