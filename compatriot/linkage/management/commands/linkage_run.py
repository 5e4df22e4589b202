"""`compatriot linkage run --crisis ID`: deduplicate the persons of a crisis now, in this process.

Pairs at the upper threshold or above are merged unless a hard identifier conflicts or a pair
across their groups is not good enough (docs/linkage.md); the grey zone goes to the review queue (API /api/v1/linkage/pairs, web page "Duplicates"). The merges are
recorded as the platform's (no user) in the audit log.
"""

from __future__ import annotations

import uuid
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from compatriot.core.errors import DomainError
from compatriot.linkage import services


class Command(BaseCommand):
    help = "Deduplicate the persons of one crisis (merge sure pairs, queue the rest for review)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--crisis", required=True, help="the crisis id")
        parser.add_argument(
            "--lower", type=float, default=None, help="review from this probability"
        )
        parser.add_argument("--upper", type=float, default=None, help="merge from this probability")

    def handle(self, *args: Any, **values: Any) -> None:
        try:
            crisis_id = uuid.UUID(values["crisis"])
        except ValueError as error:
            raise CommandError("--crisis: not a crisis id") from error
        try:
            job = services.dedupe_job_create(
                services.SYSTEM, crisis_id=crisis_id, lower=values["lower"], upper=values["upper"]
            )
            self.stdout.write(f"job {job.id}: scoring the persons of crisis {crisis_id}")
            job = services.dedupe_job_run(job_id=job.id)
        except DomainError as error:
            raise CommandError(f"{error.field}: {error.message}") from error
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in job.stage_seconds.items())
        self.stdout.write(
            f"records {job.records}, pairs scored {job.pairs_scored}, kept {job.pairs_kept}, "
            f"merged {job.auto_merged}, for review {job.queued_for_review} "
            f"(of which {job.blocked_by_conflict} blocked by a hard identifier, "
            f"{job.blocked_by_group} by a pair across their groups); {stages}"
        )
