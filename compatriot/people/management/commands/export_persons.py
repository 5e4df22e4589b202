"""`compatriot export persons --org O --as-user U [--format csv|xlsx|hxl] [--output FILE]`.

Writes the persons the organisation may see (its own, and those shared with it under consent),
narrowed by --crisis, --nationality and --journey-stage. CSV and HXL go to stdout without
--output; XLSX needs a file. The summary goes to stderr when the data goes to stdout.
"""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, Any

from django.core.management.base import CommandError
from pydantic import ValidationError

from compatriot.core.management.base import CompatriotCommand
from compatriot.people.imports.exporter import ExportFormat, export_persons
from compatriot.people.schemas import PersonFilter


class Command(CompatriotCommand):
    help = "Export the persons your organisation may see as CSV, XLSX or HXL-tagged CSV."
    uses_crisis = True

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--format",
            dest="export_format",
            choices=[f.value for f in ExportFormat],
            default=ExportFormat.CSV.value,
        )
        parser.add_argument("--output", type=Path, default=None, help="file (default: stdout)")
        parser.add_argument("--nationality", help="ISO 3166 country code")
        parser.add_argument("--journey-stage", dest="journey_stage")

    def handle(self, *args: Any, **options: Any) -> str:
        actor = self.viewer(options)
        assert actor is not None  # noqa: S101  required=True raises instead
        crisis = self.crisis(options, required=False)
        export_format = ExportFormat(options["export_format"])
        output = Path(options["output"]) if options["output"] else None
        if export_format == ExportFormat.XLSX and output is None:
            raise CommandError("An XLSX export needs --output FILE.xlsx.")
        try:
            filters = PersonFilter(
                crisis=crisis.id if crisis else None,
                nationality=options["nationality"],
                journey_stage=options["journey_stage"],
            )
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            raise CommandError(f"--{field.replace('_', '-')}: {first['msg']}") from error
        # The file opened before anything is read, so that a path that cannot be written fails
        # at once, with nothing exported nor audited (XLSX was written only at the end).
        opened: AbstractContextManager[Any] = nullcontext()
        if output is None:
            target = getattr(self.stdout, "_out", sys.stdout)
        else:
            target = opened = _opened(output, export_format)
        try:
            with self.progress_bar("person") as bar, opened:
                count = export_persons(
                    actor,
                    output=target,
                    export_format=export_format,
                    filters=filters,
                    progress=None if bar.disable else bar.update,
                    on_total=None if bar.disable else lambda total: setattr(bar, "total", total),
                )
        except BrokenPipeError:  # `... | head`: the reader has all it wanted
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115  Python flushes stdout at exit
            return ""
        summary = f"exported {count} persons"
        if output is None:
            self.stderr.write(summary)
            return ""
        return f"{summary} to {output}"


def _opened(output: Path, export_format: ExportFormat) -> IO[Any]:
    """`output` opened for writing (CSV and HXL as UTF-8 text, XLSX as bytes), or a CommandError
    naming --output: a missing directory, no permission, a directory given as the file."""
    try:
        if export_format == ExportFormat.XLSX:
            return output.open("wb")
        return output.open("w", encoding="utf-8", newline="")
    except OSError as error:
        raise CommandError(
            f"--output {output}: cannot be written ({error.strerror or error}); nothing exported."
        ) from error
