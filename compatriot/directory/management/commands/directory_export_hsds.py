"""`compatriot directory export-hsds PATH [--format csv|json]`: write the service directory as an
HSDS 3.0 data package into the folder PATH (validated before it is reported written).

The directory is public information; diaspora profiles are not part of HSDS and never exported.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from compatriot.directory.hsds.package import read_package, write_package
from compatriot.directory.hsds.problems import HsdsInvalidError
from compatriot.directory.hsds.records import to_records


class Command(BaseCommand):
    help = "Export the service directory as an Open Referral HSDS 3.0 data package."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", dest="fmt", choices=["csv", "json"], default="csv")

    def handle(self, *args: Any, **options: Any) -> str:
        records = to_records()
        path: Path = options["path"]
        write_package(records, path, fmt=options["fmt"])
        try:
            read_package(path)
        except HsdsInvalidError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError("the package written does not validate") from error
        total = sum(len(rows) for rows in records.values())
        return f"exported {total} HSDS records to {path}"
