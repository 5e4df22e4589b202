"""File mode: requests and offers from CSV, allocations to CSV (docs/formats.md).

A bad row is reported with its line number and the reason, and left out; the other rows are
matched. Only a file that cannot be read at all (missing columns, not UTF-8) is fatal.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from compatriot.assistance.engine.model import (
    CATEGORIES,
    MAX_PRIORITY,
    MIN_PRIORITY,
    REQUIREMENTS,
    Allocation,
    Offer,
    Request,
    Unmatched,
)
from compatriot.normalise import NormalisationError
from compatriot.normalise.codes import language_code

REQUEST_COLUMNS = (
    "id",
    "category",
    "people",
    "lat",
    "lon",
    "languages",
    "earliest",
    "latest",
    "priority",
    "requires",
)
OFFER_COLUMNS = (
    "id",
    "category",
    "capacity",
    "lat",
    "lon",
    "radius_km",
    "languages",
    "available_from",
    "available_until",
    "tags",
)
ALLOCATION_COLUMNS = ("request_id", "offer_id", "people")
MAX_PEOPLE = 1_000  # per request or offer: beyond this a typo is likelier than a household
T = TypeVar("T")


class UnreadableFileError(Exception):
    """The file as a whole cannot be used (not UTF-8, missing columns)."""


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


class _BadValueError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


def _text(row: dict[str, str], field: str) -> str:
    return (row.get(field) or "").strip()


def _integer(
    row: dict[str, str], field: str, low: int, high: int, default: int | None = None
) -> int:
    value = _text(row, field)
    if not value and default is not None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _BadValueError(field, f"'{value[:20]}' is not a whole number") from None
    if not low <= number <= high:
        raise _BadValueError(field, f"{number} is not between {low} and {high}")
    return number


def _number(row: dict[str, str], field: str, low: float, high: float) -> float:
    value = _text(row, field)
    try:
        number = float(value)
    except ValueError:
        raise _BadValueError(field, f"'{value[:20]}' is not a number") from None
    if not low <= number <= high:  # also refuses nan
        raise _BadValueError(field, f"{value[:20]} is not between {low:g} and {high:g}")
    return number


def _moment(row: dict[str, str], field: str) -> datetime | None:
    value = _text(row, field)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _BadValueError(field, f"'{value[:30]}' is not an ISO 8601 date or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _items(row: dict[str, str], field: str) -> list[str]:
    return [item.strip().lower() for item in _text(row, field).split(";") if item.strip()]


def _languages(row: dict[str, str], field: str) -> frozenset[str]:
    codes = set()
    for item in _items(row, field):
        try:
            codes.add(language_code(item))
        except NormalisationError as error:
            raise _BadValueError(field, str(error)) from None
    return frozenset(codes)


def _window(row: dict[str, str], start: str, end: str):
    begin, finish = _moment(row, start), _moment(row, end)
    if begin and finish and finish < begin:
        raise _BadValueError(end, f"{end} is before {start}")
    return begin, finish


def _category(row: dict[str, str]) -> str:
    category = _text(row, "category").lower()
    if category not in CATEGORIES:
        raise _BadValueError("category", f"'{category[:30]}' is not one of {', '.join(CATEGORIES)}")
    return category


def request_from_row(row: dict[str, str]) -> Request:
    requires = _items(row, "requires")
    unknown = sorted(set(requires) - set(REQUIREMENTS))
    if unknown:
        raise _BadValueError(
            "requires", f"'{unknown[0][:30]}' is not one of {', '.join(REQUIREMENTS)}"
        )
    earliest, latest = _window(row, "earliest", "latest")
    return Request(
        id=_identifier(row),
        category=_category(row),
        people=_integer(row, "people", 1, MAX_PEOPLE),
        lat=_number(row, "lat", -90, 90),
        lon=_number(row, "lon", -180, 180),
        languages=_languages(row, "languages"),
        earliest=earliest,
        latest=latest,
        priority=_integer(row, "priority", MIN_PRIORITY, MAX_PRIORITY, default=MIN_PRIORITY),
        requires=frozenset(requires),
    )


def offer_from_row(row: dict[str, str]) -> Offer:
    available_from, available_until = _window(row, "available_from", "available_until")
    return Offer(
        id=_identifier(row),
        category=_category(row),
        capacity=_integer(row, "capacity", 1, MAX_PEOPLE * 100),
        lat=_number(row, "lat", -90, 90),
        lon=_number(row, "lon", -180, 180),
        radius_km=_number(row, "radius_km", 0, 20_038),
        languages=_languages(row, "languages"),
        available_from=available_from,
        available_until=available_until,
        tags=frozenset(_items(row, "tags")),
    )


def allocation_from_row(row: dict[str, str]) -> Allocation:
    request_id, offer_id = _text(row, "request_id"), _text(row, "offer_id")
    if not request_id:
        raise _BadValueError("request_id", "is empty")
    if not offer_id:
        raise _BadValueError("offer_id", "is empty")
    people = _integer(row, "people", 1, MAX_PEOPLE)
    return Allocation(request_id, offer_id, people, reason="confirmed", confirmed=True)


def _identifier(row: dict[str, str]) -> str:
    value = _text(row, "id")
    if not value:
        raise _BadValueError("id", "is empty")
    if len(value) > 100:
        raise _BadValueError("id", "is longer than 100 characters")
    return value


def parse_rows(
    text: str, columns: Iterable[str], build: Callable[[dict[str, str]], T], key: str | None
) -> tuple[list[T], list[RowError]]:
    """Rows of a CSV text, each built or reported; `key` names the column that must be unique."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in columns if column not in header]
    if missing:
        raise UnreadableFileError(
            f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"
        )
    reader.fieldnames = header
    built: list[T] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    line = reader.line_num
    for row in reader:
        first_line, line = line + 1, reader.line_num
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        try:
            item = build(row)
        except _BadValueError as bad:
            errors.append(RowError(first_line, bad.field, bad.reason))
            continue
        if key is not None:
            value = getattr(item, key)
            if value in seen:
                errors.append(RowError(first_line, key, f"'{value}' repeats line {seen[value]}"))
                continue
            seen[value] = first_line
        built.append(item)
    return built, errors


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFileError(f"{path.name} is not UTF-8 text") from error


def read_requests(path: Path) -> tuple[list[Request], list[RowError]]:
    return parse_rows(read_text(path), REQUEST_COLUMNS, request_from_row, "id")


def read_offers(path: Path) -> tuple[list[Offer], list[RowError]]:
    return parse_rows(read_text(path), OFFER_COLUMNS, offer_from_row, "id")


def read_allocations(path: Path) -> tuple[list[Allocation], list[RowError]]:
    return parse_rows(read_text(path), ALLOCATION_COLUMNS, allocation_from_row, "request_id")


def write_allocations(path: Path, allocations: Iterable[Allocation]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ALLOCATION_COLUMNS)
        for allocation in allocations:
            writer.writerow([allocation.request_id, allocation.offer_id, allocation.people])


def write_explanations(
    path: Path, allocations: Iterable[Allocation], unmatched: Iterable[Unmatched]
) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["request_id", "status", "offer_id", "blocker", "reason"])
        for allocation in allocations:
            status = "confirmed" if allocation.confirmed else "proposed"
            writer.writerow(
                [allocation.request_id, status, allocation.offer_id, "", allocation.reason]
            )
        for item in unmatched:
            writer.writerow([item.request_id, "unmatched", "", item.blocker, item.reason])
