"""Stored values written before a normaliser's fix, normalised again (`compatriot phones
normalise`): each domain names its columns and how to fix a row (`Column`); this finds the rows
holding a non-ASCII character, chunk by chunk, and writes the fixed rows, then their audit entries.

Until 71aaa80, phone numbers written in other scripts' digits ("+38050262133５") were stored as
written. A value that still does not normalise is left as it is and its record reported, by id.
"""

from __future__ import annotations

import uuid
from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from compatriot.core.audit import audit_record
from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer
from compatriot.normalise import NormalisationError

SYSTEM = Viewer(None, None, None, None, purpose="phone numbers normalised again")
# Small: a chunk's audit entries hold the chain's lock (every audited write waits) from the
# first of them until the chunk commits.
CHUNK = 100


class RenormaliseCommand(BaseCommand):
    """A `compatriot ... normalise` command: `--dry-run` and `--chunk`, its rows per
    transaction."""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would change; write nothing"
        )
        parser.add_argument(
            "--chunk", type=int, default=CHUNK, help="rows per transaction (default %(default)s)"
        )


class Fixed(NamedTuple):
    """A row's value fixed; whether some number in it still does not normalise, and whether
    some number is one its write path keeps as given on purpose."""

    value: Any
    failed: bool = False
    kept: bool = False
    # Other fields of the row set with it (a directory phone's extension, split off its number).
    others: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Column:
    """A column of numbers: a string, or a JSON list of strings."""

    label: str  # as the command prints it: "people.Person.phones"
    model: type[models.Model]
    field: str
    object_type: str  # the audit entry's, as the domain's own updates name it
    fix: Callable[[Any], Fixed]  # the row (with `related` loaded) -> its fixed value
    related: tuple[str, ...] = ()
    # Set with a rewritten value: what was derived from the old one (a tracing request's
    # `checked_until`, so that the next re-check compares it with every person).
    reset: tuple[tuple[str, Any], ...] = ()


@dataclass
class Report:
    label: str
    found: int = 0  # rows holding a non-ASCII number
    rewritten: int = 0
    unparseable: list[uuid.UUID] = field(default_factory=list)
    kept: list[uuid.UUID] = field(default_factory=list)  # kept as given by their write path


def fixed_numbers(numbers: Any, normalise: Callable[[str], str]) -> Fixed:
    """Each non-ASCII number of the list `numbers` normalised (ASCII ones were written by the
    normaliser already), one that fails kept as written; duplicates dropped, as
    `normalise_phones` drops them. A value that is not a list (corrupt) is left, as failed."""
    if not isinstance(numbers, list):
        return Fixed(numbers, failed=True)
    out: list[str] = []
    failed = False
    for number in numbers:
        if isinstance(number, str) and not number.isascii():
            try:
                number = normalise(number)
            except NormalisationError:
                failed = True
        out.append(number)
    return Fixed(list(dict.fromkeys(out)), failed)


def fixed_number(number: Any, normalise: Callable[[str], str]) -> Fixed:
    """`fixed_numbers` of a column holding one number."""
    fixed = fixed_numbers([number], normalise)
    return fixed._replace(value=fixed.value[0])


def holds_non_ascii(value: Any) -> bool:
    if isinstance(value, str):
        return not value.isascii()
    if isinstance(value, list):
        return any(isinstance(item, str) and not item.isascii() for item in value)
    return value is not None and not str(value).isascii()  # corrupt: reported, not fixed


# Any non-ASCII character, or a `\u` escape: SQLite keeps a JSON list as json.dumps wrote it,
# a non-ASCII character as `\uXXXX` (another writer may have kept it raw). A regex lookup is
# `::text ~` on PostgreSQL, Python's `re.search` on SQLite; `holds_non_ascii` decides.
_MAYBE_NON_ASCII = r"[^\x01-\x7f]|\\u"


def renormalise(column: Column, *, dry_run: bool, chunk: int = CHUNK) -> Report:
    """Every row of `column` holding a non-ASCII number, by primary key, one transaction per
    chunk: its value normalised again and, unless `dry_run`, written; the chunk's audit entries
    (one per row written) come last in its transaction, as `audit_record` asks."""
    report = Report(column.label)
    manager = column.model._default_manager
    last: Any = None
    while True:
        candidates = manager.filter(**{f"{column.field}__regex": _MAYBE_NON_ASCII}).order_by("pk")
        if last is not None:
            candidates = candidates.filter(pk__gt=last)
        ids = list(candidates.values_list("pk", flat=True)[:chunk])
        if not ids:
            return report
        last = ids[-1]
        with transaction.atomic():
            rows = manager.filter(pk__in=ids).order_by("pk").select_related(*column.related)
            if not dry_run:
                rows = rows.select_for_update(of=("self",))
            written = [
                (row.pk, fields)
                for row in rows
                if (fields := _renormalise_row(column, row, dry_run, report))
            ]
            for pk, fields in written:
                audit_record(
                    SYSTEM,
                    action=AuditAction.UPDATE,
                    object_type=column.object_type,
                    object_id=pk,
                    details={"fields": fields},  # the fields' names, never their numbers
                )


def _renormalise_row(column: Column, row: Any, dry_run: bool, report: Report) -> list[str]:
    """The fields written (none: the row was not; its audit entry is the caller's)."""
    value = getattr(row, column.field)
    if not holds_non_ascii(value):
        return []  # read again under its lock: fixed meanwhile, or the test's false positive
    report.found += 1
    fixed = column.fix(row)
    if fixed.failed:
        report.unparseable.append(row.pk)
    elif fixed.kept:
        report.kept.append(row.pk)
    others = {name: new for name, new in fixed.others if getattr(row, name) != new}
    if fixed.value == value and not others:
        return []
    report.rewritten += 1
    if dry_run:
        return []
    names = {f.name for f in column.model._meta.get_fields()}
    values: dict[str, Any] = {column.field: fixed.value, **others, **dict(column.reset)}
    if "version" in names:
        values["version"] = F("version") + 1
    if "updated_at" in names:
        values["updated_at"] = timezone.now()
    column.model._default_manager.filter(pk=row.pk).update(**values)
    return [column.field, *others] if fixed.value != value else list(others)
