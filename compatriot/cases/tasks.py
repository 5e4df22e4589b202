"""Background jobs of the cases app."""

from __future__ import annotations

from celery import shared_task

from compatriot.cases.deadlines import escalate_overdue


@shared_task(name="cases.escalate_overdue")
def escalate_overdue_task() -> int:
    """Run every few minutes by Celery beat (CELERY_BEAT_SCHEDULE in settings)."""
    return escalate_overdue()
