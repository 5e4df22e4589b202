"""`compatriot assistance match --requests R.csv --offers O.csv --output A.csv`.

Matches the requests to the offers (docs/formats.md has the columns), writes the allocations
and prints a summary: people and weighted people served, the LP upper bound, the ratio to it and
the time. Bad rows are printed as `line L: column: reason` and left out; they never stop the run.
`--confirmed C.csv` (same columns as the output) keeps earlier allocations: their people use the
offers' capacity and their requests are not matched again.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from compatriot.assistance.engine import match
from compatriot.assistance.engine.bound import lp_upper_bound
from compatriot.assistance.engine.files import (
    RowError,
    UnreadableFileError,
    read_allocations,
    read_offers,
    read_requests,
    write_allocations,
    write_explanations,
)
from compatriot.core.management.base import CompatriotCommand


class Command(CompatriotCommand):
    help = "Match requests to offers from CSV files (see docs/formats.md)."
    uses_viewer = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--requests", type=Path, required=True)
        parser.add_argument("--offers", type=Path, required=True)
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument(
            "--confirmed",
            type=Path,
            default=None,
            help="allocations already confirmed (kept as they are)",
        )
        parser.add_argument(
            "--explain",
            type=Path,
            default=None,
            help="write why each request was or was not matched to this CSV",
        )
        parser.add_argument(
            "--time-limit",
            dest="time_limit",
            type=float,
            default=50.0,
            help="seconds for the integer solver in all (default 50)",
        )

    def _read(self, label: str, reader, path: Path):
        if not path.is_file():
            raise CommandError(f"{label}: no file {path}")
        try:
            items, errors = reader(path)
        except UnreadableFileError as error:
            raise CommandError(f"{label}: {error}") from error
        self._report(label, errors)
        return items

    def _report(self, label: str, errors: list[RowError]) -> None:
        for error in errors:
            self.stderr.write(f"{label} {error}")

    def handle(self, *args: Any, **options: Any) -> None:
        requests = self._read("requests", read_requests, options["requests"])
        offers = self._read("offers", read_offers, options["offers"])
        confirmed = []
        if options["confirmed"] is not None:
            confirmed = self._read("confirmed", read_allocations, options["confirmed"])
        result = match(requests, offers, confirmed, time_limit=options["time_limit"])
        write_allocations(options["output"], result.allocations)
        if options["explain"] is not None:
            write_explanations(options["explain"], result.allocations, result.unmatched)
        s = result.summary
        bound = lp_upper_bound(requests, offers, confirmed)
        ratio = s.weighted_served / bound if bound else 1.0
        kept = sum(1 for a in result.allocations if a.confirmed)
        self.stdout.write(
            f"requests {s.requests}, offers {s.offers}, confirmed kept {kept}\n"
            f"people served {s.people_served} of {s.people_requested - _kept_people(result)}\n"
            f"weighted people served {s.weighted_served} (weight 2^(priority-1))\n"
            f"LP upper bound {bound:.0f}, ratio {ratio:.4f}\n"
            f"people-km {s.people_km:.1f}\n"
            f"unmatched {len(result.unmatched)}\n"
            f"time {s.seconds:.2f} s ({s.parts} parts, {s.parts_exact} proved optimal)"
        )


def _kept_people(result) -> int:
    return sum(a.people for a in result.allocations if a.confirmed)
