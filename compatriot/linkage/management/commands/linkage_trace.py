"""`compatriot linkage trace QUERIES.csv --against INPUT.csv --output OUT.csv --top 5`.

QUERIES and INPUT have the same columns; OUT has query_id,candidate_id,rank,probability, rank 1
best, at most --top rows per query (none for a query with no plausible candidate).
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from compatriot.linkage.engine import pipeline
from compatriot.linkage.engine.files import write_frame
from compatriot.linkage.management.commands import _filemode


class Command(BaseCommand):
    help = "Rank the records of INPUT that may be the persons described in QUERIES."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("queries", type=Path, help="QUERIES.csv")
        parser.add_argument("--against", type=Path, required=True, help="INPUT.csv")
        parser.add_argument("--top", type=int, default=5)
        _filemode.add_common(parser)

    def handle(self, *args: Any, **values: Any) -> str:
        if not 1 <= values["top"] <= 1000:
            raise CommandError("--top must be between 1 and 1000.")
        options = _filemode.options(values)
        phone_regions = _filemode.regions(values)
        queries = _filemode.load(self, values["queries"], phone_regions)
        against = _filemode.load(self, values["against"], phone_regions)
        self.stderr.write("training and searching...")
        ranked, stats = pipeline.trace(
            queries.frame,
            against.frame,
            values["top"],
            options,
            saved_model=_filemode.saved_model(values),
        )
        ranked["probability"] = ranked["probability"].map(lambda value: f"{value:.6f}")
        write_frame(ranked, values["output"])
        stats.clusters = ranked["query_id"].nunique()
        return _filemode.summary(stats).replace("clusters", "queries with candidates")
