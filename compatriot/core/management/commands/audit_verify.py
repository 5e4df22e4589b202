"""`compatriot audit verify`: walk the hash chain and report the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from compatriot.core.audit import audit_verify
from compatriot.core.models import AuditEntry


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit non-zero at the first broken link."

    def handle(self, *args: Any, **options: Any) -> str:
        total = AuditEntry.objects.count()
        with tqdm(total=total, unit="entry", disable=total < 50_000, file=self.stderr) as bar:
            report = audit_verify(progress=bar)
        if not report.is_intact:
            raise CommandError(
                f"audit chain broken at entry #{report.first_broken_id}: {report.reason} "
                f"({report.checked} entries before it are intact)"
            )
        return f"audit chain intact: {report.checked} entries"
