"""`compatriot linkage dedupe INPUT.csv --output OUT.csv`: one cluster id per record.

INPUT has the header id,given_name,family_name,date_of_birth,sex,nationality,phone,place_of_birth;
OUT has id,cluster_id (the smallest id of the cluster), one row per readable input row. Rows that
cannot be read are reported on stderr with their line and left out; fields that cannot be read
are reported and left empty.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from compatriot.linkage.engine import pipeline
from compatriot.linkage.engine.files import write_frame
from compatriot.linkage.management.commands import _filemode


class Command(BaseCommand):
    help = "Find the records of one person in a CSV file (names in any script)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("input", type=Path, help="INPUT.csv")
        _filemode.add_common(parser)

    def handle(self, *args: Any, **values: Any) -> str:
        options = _filemode.options(values)
        prepared = _filemode.load(self, values["input"], _filemode.regions(values))
        self.stderr.write("training and scoring...")
        kept: list[Any] = []
        clusters, _, stats = pipeline.dedupe(
            prepared.frame,
            options,
            saved_model=_filemode.saved_model(values),
            keep_linker=kept.append,
        )
        if values.get("save_model") is not None:
            pipeline.save_model(kept[0], values["save_model"], stats.records)
        clusters = clusters.rename(columns={"unique_id": "id"})
        write_frame(clusters[["id", "cluster_id"]], values["output"])
        return _filemode.summary(stats)
