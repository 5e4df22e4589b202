"""What `linkage dedupe` and `linkage trace` share: options, reading with problems on stderr,
and the closing summary."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from compatriot.linkage.engine import pipeline
from compatriot.linkage.engine.features import Prepared, prepare
from compatriot.linkage.engine.files import FormatError, read_path
from compatriot.normalise import NormalisationError
from compatriot.normalise.codes import country_alpha2


def add_common(parser: ArgumentParser) -> None:
    parser.add_argument("--output", type=Path, required=True, help="CSV file to write")
    parser.add_argument(
        "--threshold",
        type=float,
        default=pipeline.DEFAULT_MATCH_THRESHOLD,
        help="match probability at which records are the same person",
    )
    parser.add_argument(
        "--model", type=Path, help="a saved model (JSON) to use instead of training"
    )
    parser.add_argument("--save-model", dest="save_model", type=Path, help="write the model here")
    parser.add_argument(
        "--phone-region",
        dest="phone_regions",
        action="append",
        default=[],
        help="country (ISO 3166) whose national numbers to accept besides the nationality's",
    )
    parser.add_argument("--memory-limit", dest="memory_limit", default="4GB")
    parser.add_argument(
        "--engine",
        choices=pipeline.ENGINES,
        default="duckdb",
        help="Splink backend: duckdb (in process) or spark (pyspark; see docs/operations.md)",
    )


def options(values: dict[str, Any]) -> pipeline.Options:
    threshold = values["threshold"]
    if not 0 < threshold < 1:
        raise CommandError("--threshold must be between 0 and 1.")
    return pipeline.Options(
        memory_limit=values["memory_limit"],
        match_threshold=threshold,
        engine=values.get("engine") or "duckdb",
    )


def regions(values: dict[str, Any]) -> tuple[str, ...]:
    try:
        return tuple(country_alpha2(code) for code in values["phone_regions"])
    except NormalisationError as error:
        raise CommandError(f"--phone-region {error}") from error


def load(command: BaseCommand, path: Path, phone_regions: tuple[str, ...]) -> Prepared:
    if not path.is_file():
        raise CommandError(f"{path}: no such file.")
    try:
        rows, problems = read_path(path)
    except FormatError as error:
        raise CommandError(f"{path}: {error}") from error
    prepared = prepare(rows, phone_regions=phone_regions)
    for problem in [*problems, *prepared.problems]:
        command.stderr.write(f"{path.name}: {problem}")
    command.stderr.write(f"{path.name}: {len(rows)} records read, {len(problems)} rows skipped")
    return prepared


def saved_model(values: dict[str, Any]) -> dict[str, Any] | None:
    path = values.get("model")
    if path is None:
        return None
    try:
        return pipeline.load_model(path)
    except (OSError, ValueError) as error:
        raise CommandError(f"--model {path}: {error}") from error


def summary(stats: pipeline.Stats) -> str:
    stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in stats.seconds.items())
    return (
        f"{stats.records} records, {stats.pairs_scored} pairs scored, {stats.clusters} clusters; "
        f"time {sum(stats.seconds.values()):.1f}s ({stages})"
    )
