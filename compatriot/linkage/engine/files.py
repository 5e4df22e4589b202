"""The file-mode CSV formats: INPUT (records), OUT (clusters) and the tracing OUT.

Bad rows are reported with their line and reason and left out; they never stop the run.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pandas as pd

from compatriot.linkage.engine.features import FIELDS, Problem

MAX_FIELD = 500  # longer than any name, date or phone: a shifted or garbled row


class FormatError(ValueError):
    """The file as a whole cannot be read (no header, or `id` missing from it)."""


def read_records(handle: IO[str]) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """(line, row) for every readable row, and the problems of the others."""
    csv.field_size_limit(1 << 20)
    reader = csv.reader(handle)
    try:
        header = [column.strip().lstrip("\ufeff").lower() for column in next(reader)]
    except StopIteration:
        raise FormatError("the file is empty: it needs the header " + ",".join(FIELDS)) from None
    if "id" not in header:
        raise FormatError("the header has no 'id' column: expected " + ",".join(FIELDS))
    unknown = [column for column in header if column not in FIELDS]
    problems = [Problem(1, "header", f"has unknown column '{c[:40]}' (ignored)") for c in unknown]
    rows: list[tuple[int, dict[str, str]]] = []
    seen: set[str] = set()
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue  # a blank line
        problem = _row_problem(values, header, seen)
        if problem:
            problems.append(Problem(line, "row", problem))
            continue
        row = dict(zip(header, values, strict=True))
        seen.add(row["id"].strip())
        rows.append((line, row))
    return rows, problems


def _row_problem(values: list[str], header: list[str], seen: set[str]) -> str:
    if len(values) != len(header):
        return f"has {len(values)} fields, the header {len(header)}"
    row = dict(zip(header, values, strict=True))
    identifier = row["id"].strip()
    if not identifier:
        return "has no id"
    if identifier in seen:
        return f"repeats the id of an earlier row ({identifier[:40]})"
    if any(len(value) > MAX_FIELD for value in values):
        return f"has a field longer than {MAX_FIELD} characters"
    if any("\x00" in value for value in values):
        return "contains a NUL character"
    return ""


def read_path(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        return read_records(handle)


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        frame.to_csv(handle, index=False, lineterminator="\n")


def problem_lines(problems: list[Problem]) -> Iterator[str]:
    for problem in problems:
        yield str(problem)
