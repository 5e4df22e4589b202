"""`compatriot cases report --month 2026-10`: the monthly monitoring report as CSV."""

from __future__ import annotations

import re
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from compatriot.cases.monitoring import monthly_report_csv
from compatriot.core.management.base import CompatriotCommand


class Command(CompatriotCommand):
    help = "Write the month's concern, case and referral figures as CSV (stdout or --output)."
    uses_crisis = True

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> str | None:
        if not re.fullmatch(r"2\d{3}-(0[1-9]|1[0-2])", options["month"]):
            raise CommandError("--month must look like 2026-10.")
        viewer = self.viewer(options)
        assert viewer is not None  # noqa: S101  required=True raises instead
        crisis = self.crisis(options, required=False)
        body = monthly_report_csv(viewer, month=options["month"], crisis=crisis and crisis.id)
        if options.get("output"):
            Path(options["output"]).write_text(body, encoding="utf-8")
            return f"wrote {options['output']}"
        self.stdout.write(body, ending="")
        return None
