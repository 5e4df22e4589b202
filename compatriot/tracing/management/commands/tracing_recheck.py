"""`compatriot tracing recheck [--crisis ID] [--full]`: compare the open tracing requests with the
persons registered since their last check (with every searchable person: --full), record new
possible matches and notify the caseworkers handling them."""

from __future__ import annotations

import uuid
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from compatriot.tracing.services import tracing_recheck


class Command(BaseCommand):
    help = "Re-check open family-tracing requests against the persons registered."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--crisis", help="only this crisis (its id)")
        parser.add_argument(
            "--full", action="store_true", help="compare with every searchable person"
        )

    def handle(self, *args: Any, **options: Any) -> str:
        crisis_id = None
        if options["crisis"]:
            try:
                crisis_id = uuid.UUID(options["crisis"])
            except ValueError as error:
                raise CommandError("--crisis must be a crisis id (a UUID).") from error
        report = tracing_recheck(crisis_id=crisis_id, full=options["full"])
        return (
            f"re-checked {report.requests} request(s) against {report.persons_compared} "
            f"person(s): {report.new_matches} new possible match(es), {report.lapsed} lapsed"
        )
