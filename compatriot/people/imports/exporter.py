"""Export the persons a viewer may see, as CSV, XLSX or HXL-tagged CSV, streamed.

The rows come from the scoped selector (`visible_persons`), so an export holds exactly what its
caller may see, and they are read in chunks (`iterator(chunk_size=...)` with the details of each
chunk prefetched): a million persons never sit in memory at once. The columns are the import
columns, so an export re-imports; the export itself is audited (format, filters, count; no names).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from compatriot.core.audit import audit_record
from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer
from compatriot.normalise.dates import format_partial_date
from compatriot.people.imports.columns import COLUMNS, HXL_TAGS, guard_cell
from compatriot.people.models import Consent, ConsentScope, Need, Person, Vulnerability
from compatriot.people.schemas import PersonFilter
from compatriot.people.selectors import one_per_group, visible_persons

CHUNK_SIZE = 2_000
_NUMBERS = frozenset({"latitude", "longitude"})


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    HXL = "hxl"


def _persons(viewer: Viewer, filters: PersonFilter) -> QuerySet[Person]:
    persons = visible_persons(viewer)
    if filters.crisis:
        persons = persons.filter(crisis_id=filters.crisis)
    if filters.nationality:
        persons = persons.filter(nationalities__icontains=f'"{filters.nationality}"')
    if filters.journey_stage:
        persons = persons.filter(journey_stage=filters.journey_stage)
    if filters.category:
        persons = persons.filter(category=filters.category)
    if filters.country:
        persons = persons.filter(country=filters.country)
    # A merged group (compatriot.linkage) is exported once, as its primary record.
    return (
        one_per_group(persons)
        .select_related("household")
        .defer("search_text")
        # Details recorded together (one import batch) share their time: then by code, so that
        # the same person always exports the same row.
        .prefetch_related(
            Prefetch("vulnerabilities", queryset=Vulnerability.objects.order_by("code")),
            Prefetch("needs", queryset=Need.objects.order_by("created_at", "category", "id")),
            Prefetch(
                "consents",
                queryset=Consent.objects.filter(withdrawn_at__isnull=True).order_by(
                    "given_at", "scope", "id"
                ),
            ),
        )
        # Persons imported in one batch share their creation time: then in the file's order.
        .order_by("created_at", "source_record_id", "id")
    )


def person_row(person: Person) -> dict[str, Any]:
    """One person in the import columns. Only active consents are written."""
    consents = list(person.consents.all())
    kinds = [kind for c in consents if c.scope == ConsentScope.SHARING for kind in c.partner_kinds]
    household = person.household
    return {
        "source_record_id": person.source_record_id or "",
        "given_name": person.given_name,
        "family_name": person.family_name,
        "given_name_latin": person.given_name_latin,
        "family_name_latin": person.family_name_latin,
        "sex": person.sex,
        "birth_date": format_partial_date(person.birth_date, person.birth_date_precision) or "",
        "nationalities": " ".join(person.nationalities),
        "languages": " ".join(person.languages),
        "phones": " ".join(person.phones),
        "email": person.email,
        "country": person.country,
        "admin_area": person.admin_area,
        "place_name": person.place_name,
        "latitude": person.latitude,
        "longitude": person.longitude,
        "journey_stage": person.journey_stage,
        "category": person.category,
        "source": person.source,
        # A household made without a label is referred to by its id, so members stay together.
        "household_ref": (household.label or str(household.id)) if household else "",
        "relationship": person.relationship,
        "vulnerabilities": " ".join(v.code for v in person.vulnerabilities.all()),
        "needs": " ".join(f"{n.category}:{n.urgency}" for n in person.needs.all()),
        "consent": " ".join(dict.fromkeys(c.scope for c in consents)),
        "sharing_partner_kinds": " ".join(dict.fromkeys(kinds)),
    }


_PROGRESS_EVERY = 500  # rows per call of `progress`: a progress bar's update costs ~1 µs


class _Counted:
    """The rows read from the database so far: what left is audited even if writing fails."""

    def __init__(
        self, persons: QuerySet[Person], chunk_size: int, progress: Callable[[int], None] | None
    ) -> None:
        self.persons = persons
        self.chunk_size = chunk_size
        self.progress = progress
        self.count = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for person in self.persons.iterator(chunk_size=self.chunk_size):
            self.count += 1
            if self.progress is not None and self.count % _PROGRESS_EVERY == 0:
                self.progress(_PROGRESS_EVERY)
            yield person_row(person)
        if self.progress is not None and self.count % _PROGRESS_EVERY:
            self.progress(self.count % _PROGRESS_EVERY)


def _text(value: Any) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def _write_csv(rows: Iterable[dict[str, Any]], stream: IO[str], *, hxl: bool) -> None:
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    if hxl:
        writer.writerow([HXL_TAGS[name] for name in COLUMNS])
    for row in rows:
        # A cell a spreadsheet would run as a formula is written after an apostrophe (read
        # back without it on import).
        writer.writerow([guard_cell(_text(row[name])) for name in COLUMNS])


def _write_xlsx(rows: Iterable[dict[str, Any]], target: Path | IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("persons")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([_xlsx_cell(sheet, name, row[name]) for name in COLUMNS])
    workbook.save(target)


def _xlsx_cell(sheet: Any, name: str, value: Any) -> Any:
    if name in _NUMBERS:
        return value
    cell = WriteOnlyCell(sheet, value=value or None)
    # Always text: a name or phone beginning with "=" must never become a formula.
    if cell.value is not None:
        cell.data_type = "s"
    return cell


def export_persons(
    viewer: Viewer,
    *,
    output: IO[str] | IO[bytes] | Path,
    export_format: ExportFormat,
    filters: PersonFilter,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> int:
    """Write the persons `viewer` may see (narrowed by `filters`) to `output` and return how
    many. CSV and HXL take a text stream or a path; XLSX a binary stream or a path.
    `on_total` is called first with how many persons there are (one more query: only when
    given), `progress(n)` as each n rows are read, as `import_file` calls them."""
    persons = _persons(viewer, filters)
    if on_total is not None:
        on_total(persons.count())
    rows = _Counted(persons, chunk_size, progress)
    recorded = filters.model_dump(mode="json", exclude_none=True, exclude={"q"})
    complete = False
    try:
        if export_format == ExportFormat.XLSX:
            _write_xlsx(rows, output)  # type: ignore[arg-type]  # binary stream or path
        elif isinstance(output, Path):
            with output.open("w", encoding="utf-8", newline="") as stream:
                _write_csv(rows, stream, hxl=export_format == ExportFormat.HXL)
        else:
            _write_csv(rows, output, hxl=export_format == ExportFormat.HXL)  # type: ignore[arg-type]
        complete = True
    finally:
        details: dict[str, Any] = {"format": str(export_format), "count": rows.count}
        details["filters"] = recorded
        if not complete:  # e.g. the reader of stdout went away: what was read is still audited
            details["interrupted"] = True
        with transaction.atomic():
            audit_record(viewer, action=AuditAction.EXPORT, object_type="person", details=details)
    return rows.count
