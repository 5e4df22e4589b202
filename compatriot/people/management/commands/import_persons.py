"""`compatriot import persons FILE --crisis C --org O --as-user U`: import a CSV or XLSX file.

Prints `created N, updated N, unchanged N, rejected N`, then the columns it ignored, then each
rejected row as `line L: column: reason` (`lines L–M: …` for a record over several lines) (or writes them to --rejects FILE.csv). Fails (non-zero exit) only when
the file cannot be read at all; rejected rows are part of a successful import.
"""

from __future__ import annotations

import csv
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import IntegrityError

from compatriot.core.errors import DomainError
from compatriot.core.management.base import CompatriotCommand
from compatriot.people.imports.columns import Rejection
from compatriot.people.imports.importer import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CONNECTIONS,
    import_file,
)
from compatriot.people.imports.reading import UnreadableFileError


class Command(CompatriotCommand):
    help = "Import persons from a .csv or .xlsx file (see docs/formats.md for the columns)."
    uses_crisis = True

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument(
            "--workers", type=int, default=None, help="normalising processes (default: up to 2)"
        )
        parser.add_argument(
            "--batch-size",
            dest="batch_size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help="rows per transaction",
        )
        parser.add_argument(
            "--connections",
            type=int,
            default=DEFAULT_CONNECTIONS,
            help="batches written at once on PostgreSQL, one connection each (default: 2)",
        )
        parser.add_argument(
            "--rejects", type=Path, default=None, help="write rejected rows to this CSV file"
        )
        parser.add_argument(
            "--storage",
            choices=["auto", "copy", "orm"],
            default="auto",
            help="how batches are written (auto: COPY on PostgreSQL, else the ORM)",
        )

    def handle(self, *args: Any, **options: Any) -> str:
        actor = self.viewer(options)
        crisis = self.crisis(options)
        assert actor is not None  # noqa: S101  required=True raises instead
        assert crisis is not None  # noqa: S101  required=True raises instead
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["connections"] < 1:
            raise CommandError("--connections must be at least 1.")
        with self.progress_bar("row") as bar:
            try:
                report = import_file(
                    actor,
                    crisis_id=crisis.id,
                    path=path,
                    workers=options["workers"],
                    batch_size=options["batch_size"],
                    progress=bar.update,
                    on_total=lambda total: setattr(bar, "total", total),
                    storage=options["storage"],
                    connections=options["connections"],
                )
            except UnreadableFileError as error:
                raise CommandError(error.message) from error
            except DomainError as error:
                raise CommandError(error.message) from error
            except IntegrityError as error:
                # Someone registered one of the batch's records at the same moment: that batch
                # was rolled back whole; the batches before it are kept.
                raise CommandError(
                    "A record of this file was registered by someone else during the import; "
                    "the batches before it are stored. Run the import again to finish it."
                ) from error
        lines = [report.summary]
        if report.ignored:
            lines.append(report.ignored)
        if options["rejects"] is not None:
            _write_rejects(Path(options["rejects"]), report.rejected)
            lines.append(f"rejected rows written to {options['rejects']}")
        else:
            lines += [str(rejection) for rejection in report.rejected]
        return "\n".join(lines)


def _write_rejects(path: Path, rejected: list[Rejection]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["line", "field", "reason", "last_line"])
        writer.writerows([r.line, r.field, r.message, r.last_line or ""] for r in rejected)
