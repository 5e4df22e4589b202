"""Persons' derived name columns computed again (`compatriot names normalise`): the Latin forms
and the search text, after the change of `compatriot.normalise.names` of 8 December 2026
(Serbian and Croatian đ read as dj; Han and Hangul spelled a syllable a word, their syllables
also joined; Korean surnames' common spellings). Rows whose values change are written, a chunk per transaction, each
with an audit entry; the names as written are never touched.

A Latin form is stored either as the writer gave it or as `to_latin` derived it, and the row
does not say which: one equal to what the transliteration gave before the change
(`previous_latin`) was derived, and is derived again; any other was given, and is kept.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

from anyascii import anyascii
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from compatriot.core.audit import audit_record
from compatriot.core.models import AuditAction
from compatriot.core.renormalise import CHUNK  # small: a chunk's audit entries hold the lock
from compatriot.core.viewer import Viewer
from compatriot.people.models import Person
from compatriot.people.records import NAME_FIELDS, derived_name_fields

SYSTEM = Viewer(None, None, None, None, purpose="names normalised again")
DERIVED = ("given_name_latin", "family_name_latin", "search_text")


def previous_latin(name: str) -> str:
    """`to_latin` as it was before the change: to tell a derived Latin form from a given one."""
    latin = anyascii(unicodedata.normalize("NFC", name))
    latin = re.sub(r"[^A-Za-z' -]+", " ", latin)
    latin = re.sub(r"\s+", " ", latin).strip()
    if latin and latin == latin.lower():
        latin = latin.title()
    return latin


def derived_again(values: dict[str, Any]) -> dict[str, str]:
    """The derived columns of a stored row (`values`, its names and derived columns), as the
    write path derives them now; a Latin form the writer gave is kept."""
    given = {
        latin: None if values[latin] == previous_latin(values[written]) else values[latin]
        for written, latin in (
            ("given_name", "given_name_latin"),
            ("family_name", "family_name_latin"),
        )
    }
    return derived_name_fields(
        values["given_name"],
        values["family_name"],
        given["given_name_latin"],
        given["family_name_latin"],
    )


def _changes(values: dict[str, Any]) -> dict[str, str]:
    derived = derived_again(values)
    return {name: value for name, value in derived.items() if values[name] != value}


@dataclass
class Report:
    read: int = 0
    changed: int = 0
    fields: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DERIVED, 0))
    ids: list[uuid.UUID] = field(default_factory=list)


def names_renormalise(*, dry_run: bool, chunk: int = CHUNK) -> Report:
    """Every person, by primary key a chunk at a time: those whose derived name columns now
    differ are locked, derived again and (unless `dry_run`) written, `version` and `updated_at`
    too (so that `compatriot tracing recheck` compares them with every request); the chunk's
    audit entries (one per person written, its fields' names) come last in its transaction."""
    report = Report()
    columns = ("pk", *NAME_FIELDS, "search_text")
    last: Any = None
    while True:
        rows = Person.objects.order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        page = list(rows.values(*columns)[:chunk])
        if not page:
            return report
        last = page[-1]["pk"]
        report.read += len(page)
        candidates = [row["pk"] for row in page if _changes(row)]
        if candidates:
            _write(candidates, dry_run, report)


def _write(ids: list[uuid.UUID], dry_run: bool, report: Report) -> None:
    with transaction.atomic():
        rows = Person.objects.filter(pk__in=ids).order_by("pk")
        if not dry_run:
            rows = rows.select_for_update()
        written: list[tuple[uuid.UUID, list[str]]] = []
        for row in rows.values("pk", *NAME_FIELDS, "search_text"):
            changes = _changes(row)  # read again under its lock
            if not changes:
                continue
            report.changed += 1
            report.ids.append(row["pk"])
            for name in changes:
                report.fields[name] += 1
            if dry_run:
                continue
            Person.objects.filter(pk=row["pk"]).update(
                **changes, version=F("version") + 1, updated_at=timezone.now()
            )
            written.append((row["pk"], sorted(changes)))
        for pk, fields in written:
            audit_record(
                SYSTEM,
                action=AuditAction.UPDATE,
                object_type="person",
                object_id=pk,
                details={"fields": fields},  # the fields' names, never the names
            )
