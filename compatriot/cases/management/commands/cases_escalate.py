"""`compatriot cases escalate`: escalate overdue cases now (Celery beat runs it every 5 minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from compatriot.cases.deadlines import escalate_overdue


class Command(BaseCommand):
    help = "Bring every open case past its deadline to its organisation's coordinators (once)."

    def handle(self, *args: Any, **options: Any) -> str:
        return f"escalated {escalate_overdue()} overdue case(s)"
