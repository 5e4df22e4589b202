"""Import persons from a file or from rows: the entry points.

    report = import_file(actor, crisis_id=crisis.id, path=Path("people.csv"))
    report = import_rows(actor, crisis_id=crisis.id, rows=[{"source_record_id": "r1", ...}])

Every good row is stored and every bad row reported with its line and the column at fault.
Re-importing the same rows creates nothing twice: a person is keyed by the importing
organisation and its `source_record_id`. Rows are written in batches, one transaction each: an
interrupted import keeps the batches it finished and never half of one, and running it again
completes it.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.db import connection

from compatriot.core.errors import InvalidInputError
from compatriot.core.models import Crisis
from compatriot.core.viewer import Viewer
from compatriot.people.imports.batches import Batch, BatchOutcome, Storage
from compatriot.people.imports.columns import Header, Rejection
from compatriot.people.imports.normalising import NormalisedChunk, rows_as_cells
from compatriot.people.imports.ordering import can_write_concurrently, write_in_order
from compatriot.people.imports.pipeline import CHUNK_ROWS, Block, normalised_chunks, row_blocks
from compatriot.people.imports.reading import open_table
from compatriot.people.imports.storage import PostgresStorage
from compatriot.people.imports.storage_orm import OrmStorage
from compatriot.people.imports.worker import YOUNG_THRESHOLD
from compatriot.people.registrations import persons_registered

DEFAULT_BATCH_SIZE = 10_000
# Batches written at once on PostgreSQL, each on its own connection (see `ordering`).
DEFAULT_CONNECTIONS = 2
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    # The file's columns that were not read (not import columns), in the file's order, as the
    # report names them (`Header.ignored`).
    ignored_columns: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {len(self.rejected)}"
        )

    @property
    def ignored(self) -> str:
        """The line that names the ignored columns ("" when none was)."""
        if not self.ignored_columns:
            return ""
        return "ignored columns: " + ", ".join(self.ignored_columns)

    def add(self, outcome: BatchOutcome) -> None:
        self.created += outcome.created
        self.updated += outcome.updated
        self.unchanged += outcome.unchanged
        self.rejected += outcome.rejected


def storage_for(actor: Viewer, *, crisis_id: uuid.UUID, kind: str = "auto") -> Storage:
    """`kind`: "auto" (COPY on PostgreSQL, the ORM elsewhere), "copy" or "orm"."""
    if kind == "orm" or (kind == "auto" and connection.vendor != "postgresql"):
        return OrmStorage(actor, crisis_id=crisis_id)
    if connection.vendor != "postgresql":
        raise ValueError("the COPY storage needs PostgreSQL")
    return PostgresStorage(actor, crisis_id=crisis_id)


def import_file(
    actor: Viewer,
    *,
    crisis_id: uuid.UUID,
    path: Path,
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    on_total: Callable[[int | None], None] | None = None,
    storage: str = "auto",
    connections: int = DEFAULT_CONNECTIONS,
) -> ImportReport:
    """Import a .csv or .xlsx file. Raises `UnreadableFileError` (nothing stored) when the file
    cannot be read or its header lacks a required column. `progress(n)` is called after each
    batch with the rows it covered; `on_total` once with the expected number of rows."""
    _check(actor, crisis_id)
    table = open_table(path)
    if on_total:
        on_total(table.estimated_rows)
    report = _run(
        actor,
        crisis_id=crisis_id,
        header=table.header,
        rows=table.rows,
        blocks=table.blocks,
        workers=workers,
        batch_size=batch_size,
        progress=progress,
        storage=storage,
        connections=connections,
    )
    rejected = [*report.rejected, *table.unreadable]
    if table.spans:  # a record over several lines is reported with all its lines
        rejected = [
            replace(r, last_line=table.spans[r.line])
            if r.line in table.spans and not r.last_line
            else r
            for r in rejected
        ]
    report.rejected = sorted(rejected, key=lambda r: r.line)
    report.ignored_columns = table.header.ignored
    return report


def import_rows(
    actor: Viewer,
    *,
    crisis_id: uuid.UUID,
    rows: Iterable[Mapping[str, Any]],
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    storage: str = "auto",
    connections: int = DEFAULT_CONNECTIONS,
) -> ImportReport:
    """Import rows given as mappings from column name to value (text, a number, a list for a
    multi-valued column, or None). Other keys are ignored. Rows are numbered as in a file whose
    header is line 1: the first row is line 2."""
    _check(actor, crisis_id)
    header = Header.full()
    return _run(
        actor,
        crisis_id=crisis_id,
        header=header,
        rows=_numbered(rows, header),
        workers=workers,
        batch_size=batch_size,
        progress=progress,
        storage=storage,
        connections=connections,
    )


def _check(actor: Viewer, crisis_id: uuid.UUID) -> None:
    actor.require_people_write()
    if not Crisis.objects.filter(id=crisis_id).exists():
        raise InvalidInputError("No such crisis.", field="crisis_id")


def _numbered(rows: Iterable[Mapping[str, Any]], header: Header) -> Iterator[tuple[int, list[str]]]:
    for line, row in enumerate(rows, start=2):
        yield line, rows_as_cells([row], header)[0]


@contextmanager
def _heap_frozen() -> Iterator[Callable[[], None]]:
    """Keep the objects that exist before the import (Django's, the schemas', the modules') out
    of the collector's full collections while it runs. An import's batches in flight make it
    collect the oldest generation every few seconds, and each walk of the whole heap found
    nothing to free (docs/benchmarks.md, branch importpg2); unfrozen afterwards, they are
    collected as before. A process that froze its own heap (as the normalising workers do) is
    left as it is: unfreezing would undo its choice.

    While it runs, a young collection comes after `YOUNG_THRESHOLD` new containers rather than
    700, as in the workers: the chunks and batches in flight (tuples of rows, keys, audit items)
    were walked by every collection of each generation, ~2 µs per row in the importing process
    (docs/benchmarks.md, branch importwk6).

    Yields what to call as each chunk arrives: it freezes the heap again, so that the chunks and
    batches in flight, which are freed by their counts and never by the collector, are not
    walked by it either (its instructions -1,050 per row, its time 0.15 -> 0.09 s per 100,000
    rows; docs/benchmarks.md, branch importpy, evening). Only what the import makes and drops
    between two chunks is left to the young collections; cyclic garbage frozen meanwhile is
    collected once the import ends."""
    if gc.get_freeze_count():
        yield _no_freeze
        return
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield gc.freeze
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _no_freeze() -> None:
    pass


def _run(
    actor: Viewer,
    *,
    crisis_id: uuid.UUID,
    header: Header,
    rows: Iterable[tuple[int, list[str]]],
    workers: int | None,
    batch_size: int,
    progress: Progress | None,
    storage: str,
    connections: int = DEFAULT_CONNECTIONS,
    blocks: Callable[[int], Iterable[Block]] | None = None,
) -> ImportReport:
    """Import `rows`, or with `blocks` (a CSV file's, by lines per block) those instead."""
    with _heap_frozen() as refreeze:
        writer = storage_for(actor, crisis_id=crisis_id, kind=storage)
        report = ImportReport()
        size = min(CHUNK_ROWS, batch_size)  # a batch is not bigger than asked for
        chunks = normalised_chunks(
            row_blocks(rows, size) if blocks is None else blocks(size),
            header=header,
            copy_text=writer.copy_text,
            workers=workers,
        )
        batches = _batches(chunks, batch_size, report.rejected, refreeze)
        if isinstance(writer, PostgresStorage) and connections > 1 and can_write_concurrently():
            with writer.import_lock():
                outcomes = write_in_order(
                    (
                        (writer.prepare(batch, number), covered)
                        for number, (batch, covered) in enumerate(batches, start=1)
                    ),
                    lambda item, number, turns: (
                        writer.write_prepared(item[0], number, turns),
                        item[1],
                    ),
                    connections=connections,
                )
                _collect(outcomes, report, progress)
        else:
            _collect(
                (
                    (writer.write(batch) if len(batch) else BatchOutcome(), covered)
                    for batch, covered in batches
                ),
                report,
                progress,
            )
        report.rejected.sort(key=lambda rejection: rejection.line)
        if report.created or report.updated:
            persons_registered(crisis_id)
        return report


def _batches(
    chunks: Iterable[NormalisedChunk],
    batch_size: int,
    rejected: list[Rejection],
    arrived: Callable[[], None] = _no_freeze,
) -> Iterator[tuple[Batch, int]]:
    """Batches of at least `batch_size` accepted rows (the last may be smaller), each with the
    number of file rows it covers (accepted or rejected, for progress); `arrived` is called as
    each chunk has been added."""
    first_line: dict[str, int] = {}  # source_record_id -> the line that brought it first
    batch, covered = Batch(), 0
    for chunk in chunks:
        rejected += chunk.rejected
        rejected += chunk.unreadable
        batch.add(chunk, skip=_repeats(chunk, first_line, rejected))
        covered += len(chunk.keys) + len(chunk.rejected)
        arrived()
        if len(batch) >= batch_size:
            yield batch, covered
            batch, covered = Batch(), 0
    if len(batch) or covered:
        yield batch, covered


def _collect(
    outcomes: Iterable[tuple[BatchOutcome, int]], report: ImportReport, progress: Progress | None
) -> None:
    for outcome, covered in outcomes:
        report.add(outcome)
        if progress and covered:
            progress(covered)


def _repeats(
    chunk: NormalisedChunk, first_line: dict[str, int], rejected: list[Rejection]
) -> set[int]:
    """Positions in the chunk of rows whose source_record_id an earlier row already brought:
    one import stores one state of each record, so the second is reported, not applied."""
    repeats: set[int] = set()
    for index, key in enumerate(chunk.keys):
        first = first_line.setdefault(key.source_record_id, key.line)
        if first != key.line:
            repeats.add(index)
            rejected.append(
                Rejection(key.line, "source_record_id", f"repeats the record of line {first}")
            )
    return repeats
