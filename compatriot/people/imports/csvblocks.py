"""A CSV file's records in blocks of lines, parsed where they are normalised.

Splitting a CSV file into records (Python's `csv` module) cost the importing process about half
of its CPU. A block of lines in which no record can span two lines (no quote character, no
carriage return other than in CRLF) is therefore handed on as its raw bytes (`RawRows`) and
parsed by the worker that normalises it, with the same `csv` module and the same line numbers.
Any other block is parsed here, as before, and read on past its end until a record ends, so
that the next block starts at a record boundary (a quoted newline) and every record is read by
one reader from its first line to its last.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, compress, count, islice, repeat
from typing import BinaryIO

from compatriot.people.imports.columns import Header, Rejection, is_hashtag_row, unguard_row

# A line as a text stream opened with newline="" delivers it: ended by "\r\n", "\r" or "\n".
_TEXT_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
# In a raw block (no quote; a carriage return only before a line feed), apostrophes before what
# starts a formula (`columns.FORMULA_STARTS` but the carriage return, which there ends a line):
# a guarded cell when they start one (after a comma, a line feed or nothing), its first one the
# guard. Apostrophes are common inside names ("O'Brien") and rare before these; a pattern that
# starts with the apostrophe is scanned for it alone (0.2 µs per row of 165 bytes with half an
# apostrophe), where one that starts with the comma or line start tried itself at every byte (7
# to 9 µs per row, measured on this branch): the byte before is looked at only for a match.
_APOSTROPHES_THEN_FORMULA = re.compile(rb"'+(?=[=+\-@\t])")
# The search for a block that may hold one: a pattern that starts with a repeat is not
# scanned for its first character (4.5 µs per row), this one is.
_APOSTROPHE_THEN_FORMULA = re.compile(rb"'[=+\-@\t]")
_CELL_STARTS = b",\n"
# A carriage return that does not start a CRLF (a text stream opened with newline="" ends a line
# there).
_LONE_CR = re.compile(rb"\r(?!\n)")

NumberedRows = list[tuple[int, list[str]]]


@dataclass(frozen=True)
class RawRows:
    """Lines of a CSV file as bytes, whole records only; `first_line` is the first one's number."""

    data: bytes
    first_line: int
    lines: int


@dataclass
class ParsedRows:
    """Records of a CSV file parsed by the importing process, and those it could not read."""

    rows: NumberedRows
    unreadable: list[Rejection] = field(default_factory=list)


def records(
    reader: Iterator[list[str]],
    *,
    first_line: int,
    unreadable: list[Rejection],
    after_header: bool = False,
    done: Iterable[bool] | None = None,
    header: Header | None = None,
    spans: dict[int, int] | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """The non-empty records of `reader`, each numbered by the line it starts on (`first_line`:
    the number of the line the reader reads next), skipping an HXL hashtag row right after the
    header, their cells through `unguard_row`. A record the reader cannot split is reported in
    `unreadable` with the lines it covers (the reader goes on after it). With `done`, stop
    after the first record for which its next value is true.

    A record over several lines has a quoted cell holding a line break. No import column may
    hold one, so with `header` such a record is reported, with all its lines, when the break
    is in one of the header's columns: that is what a quote left open looks like (the cell runs
    on over the following lines, and their records into it), and reading its lines as records
    of their own would guess where the cell was meant to end. `spans` gets the last line of
    every other record over several lines (a line break in a column not imported), by its
    first, so that a rejection of it names all its lines."""
    offset = first_line - reader.line_num  # type: ignore[attr-defined]
    start = first_line
    first = after_header
    stop = iter(done) if done is not None else None
    known = sorted(header.positions.items(), key=lambda item: item[1]) if header else []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # the reader skips the row and goes on
            last = offset + reader.line_num - 1  # type: ignore[attr-defined]
            if last > start:  # the cell that grew too long had opened a quote
                lines = last - start + 1
                message = f"unbalanced quote: a quoted cell runs over {lines} lines ({error})"
                unreadable.append(Rejection(start, "row", message, last))
            else:
                unreadable.append(Rejection(start, "row", f"cannot be read ({error})"))
        else:
            last = offset + reader.line_num - 1  # type: ignore[attr-defined]
            if any(row) and not (first and is_hashtag_row(row)):
                broken = _broken_column(row, known) if last > start else None
                if broken is not None:
                    unreadable.append(
                        Rejection(
                            start,
                            broken,
                            f"holds a line break: a quoted cell runs over {last - start + 1} "
                            "lines (a quote left open?)",
                            last,
                        )
                    )
                else:
                    if last > start and spans is not None:
                        spans[start] = last
                    yield start, unguard_row(row)
        first = False
        start = last + 1
        if stop is not None and next(stop):
            return


def _broken_column(row: list[str], known: list[tuple[str, int]]) -> str | None:
    """The first of the `known` columns (name, position) whose cell holds a line break."""
    size = len(row)
    for name, index in known:
        if index < size and ("\n" in row[index] or "\r" in row[index]):
            return name
    return None


def parse_raw(raw: RawRows) -> ParsedRows:
    """Records of a raw block (in a worker). The block holds whole records and no quote or lone
    carriage return, so this reads exactly what the importing process's reader would have."""
    rows, unreadable = raw_records(raw)
    return ParsedRows(list(rows), unreadable)


def raw_records(raw: RawRows) -> tuple[Iterator[tuple[int, list[str]]], list[Rejection]]:
    """`parse_raw`'s records, read one by one as they are taken, and the list of unreadable ones
    (complete once every record has been taken).

    One by one, so that a worker's chunk holds one row's cells at a time: a parsed block's 2,000
    lists outlived two collections of the young generations on every chunk, ~3 µs per row of
    collector time (docs/benchmarks.md, branch importwk3).

    A raw block's line is one record, and without a quote the `csv` reader only cuts it at its
    commas and drops its line end: `str.split` does the same in C, where the reader's state
    machine cost ~24,000 instructions per bench row, a tenth of a worker (docs/benchmarks.md,
    branch importpy, evening). A line longer than the reader's field limit (which it would
    report as unreadable) sends the whole block to the reader; a row of empty cells is skipped
    as the reader's records are (its line is only commas).

    A cell guarded against formula injection (`unguard_cell`) loses its apostrophe in the
    bytes: a raw line's cells are its pieces between commas, and a search of the block in C
    finds none in most blocks."""
    data = raw.data
    if b"'" in data and _APOSTROPHE_THEN_FORMULA.search(data) is not None:
        data = _unguarded(data)
    lines = data.split(b"\n")
    if not lines[-1]:
        lines.pop()  # the block's last line feed ends its last line
    if b"\r" in data:  # each one ends a line (CRLF): faster dropped line by line
        lines = list(map(bytes.rstrip, lines, repeat(b"\r")))
    if max(map(len, lines), default=0) > csv.field_size_limit():  # bytes: at least its characters
        return _read_raw(raw)
    rows = map(str.split, map(bytes.decode, lines), repeat(","))
    return compress(zip(count(raw.first_line), rows), map(bytes.strip, lines, repeat(b","))), []


def _unguarded(data: bytes) -> bytes:
    """A raw block without the apostrophes that guard its cells (`unguard_cell`)."""

    def drop(match: re.Match[bytes]) -> bytes:
        at = match.start()
        return match[0][1:] if at == 0 or data[at - 1] in _CELL_STARTS else match[0]

    return _APOSTROPHES_THEN_FORMULA.sub(drop, data)


def _read_raw(raw: RawRows) -> tuple[Iterator[tuple[int, list[str]]], list[Rejection]]:
    """A raw block's records by the `csv` reader, with those it cannot read."""
    unreadable: list[Rejection] = []
    reader = csv.reader(io.StringIO(raw.data.decode("utf-8"), newline=""))
    return records(reader, first_line=raw.first_line, unreadable=unreadable), unreadable


def _is_raw(data: bytes) -> bool:
    """No record of these lines can span two: no quote, no carriage return outside CRLF."""
    # Most files have no carriage return at all: one scan (a memchr) settles it. A file with
    # CRLF line ends (Excel's, Python's `csv` module's, the bench's) is searched once for a
    # carriage return before anything but a line feed, where counting the carriage returns and
    # the CRLFs read the block twice: 1.2 -> 0.4 µs per row of the importing process
    # (docs/benchmarks.md, branch importwk6).
    return b'"' not in data and (b"\r" not in data or _LONE_CR.search(data) is None)


class _Lines:
    """Text lines (as a newline="" stream gives them) of byte lines, knowing when the reader has
    taken the last line of the first `len(head)` byte lines."""

    def __init__(self, head: list[bytes], rest: Iterator[bytes]) -> None:
        self.head = len(head)
        self.byte_lines = 0
        self.text_lines = 0
        self.past_head = False
        self._source = chain(head, rest)

    def __iter__(self) -> Iterator[str]:
        for data in self._source:
            self.byte_lines += 1
            pieces = _TEXT_LINES.findall(data.decode("utf-8"))
            for index, piece in enumerate(pieces):
                self.text_lines += 1
                self.past_head = self.byte_lines >= self.head and index == len(pieces) - 1
                yield piece

    def ended(self) -> Iterator[bool]:
        while True:
            yield self.past_head


def blocks(
    stream: BinaryIO,
    *,
    first_line: int,
    size: int,
    header: Header | None = None,
    spans: dict[int, int] | None = None,
) -> Iterator[RawRows | ParsedRows]:
    """The records of a CSV file (after its header, at line `first_line`) in blocks of about
    `size` lines: raw where they can be, else parsed here (`records`, with `header` and
    `spans`)."""
    line = first_line
    after_header = True
    while lines := list(islice(stream, size)):
        data = b"".join(lines)
        if _is_raw(data) and not after_header:
            yield RawRows(data, line, len(lines))
            line += len(lines)
            continue
        # The first block too: the row after the header may be an HXL hashtag row.
        source = _Lines(lines, stream)
        parsed = ParsedRows([])
        reader = csv.reader(iter(source))
        parsed.rows = list(
            records(
                reader,
                first_line=line,
                unreadable=parsed.unreadable,
                after_header=after_header,
                done=source.ended(),
                header=header,
                spans=spans,
            )
        )
        after_header = False
        line += source.text_lines
        yield parsed
