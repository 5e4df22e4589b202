"""`compatriot directory import-hsds PATH --org O --as-user U`: import an HSDS 3.0 data package.

PATH is a folder with `datapackage.json` and its CSV files, or with `hsds.json` (or that JSON
file itself). The package is validated first (frictionless and JSON Schema, as the specification's
CI does); if anything is wrong, every problem is printed as `file row N, field: reason` and
nothing is imported. The organisations imported are managed by --org; records that another
organisation manages (or rows hanging off them) are refused the same way (`services.hsds_import`).
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from compatriot.core.management.base import CompatriotCommand
from compatriot.directory.hsds.package import read_package
from compatriot.directory.hsds.problems import HsdsInvalidError
from compatriot.directory.services import hsds_import


class Command(CompatriotCommand):
    help = "Import an Open Referral HSDS 3.0 data package (CSV or JSON) into the directory."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> str:
        actor = self.viewer(options)
        assert actor is not None  # noqa: S101  required=True raises instead
        try:
            counts = hsds_import(actor, records=read_package(options["path"]))
        except HsdsInvalidError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"not imported: {len(error.problems)} problem(s)") from error
        return "imported " + ", ".join(f"{n} {table}" for table, n in sorted(counts.items()))
