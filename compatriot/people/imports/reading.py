"""Open a person file (CSV or XLSX) as a header and an iterator of numbered rows of text cells.

Line numbers are what a person sees in an editor or a spreadsheet: the header is line 1, and a
CSV record that spans lines (a quoted newline) is numbered by the line it starts on. A CSV file
whose header is one plain line is read in blocks of lines (`csvblocks`), most of them parsed by
the workers; any other goes through one reader here.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from compatriot.core.errors import InvalidInputError
from compatriot.people.imports.columns import Header, HeaderError, Rejection, is_hashtag_row
from compatriot.people.imports.csvblocks import ParsedRows, RawRows, blocks, records

# The UTF-8 check's reads: each block's decoded text is made and dropped, and 1 MiB blocks (the
# text 1 to 4 MiB) cost a third more than 256 KiB ones (0.40 against 0.27 s for the bench's
# 1,180,871 rows, 318 MiB, before the import starts; docs/benchmarks.md, branch importwk6).
_BLOCK = 1 << 18
# A header line longer than this is read by the one-reader path (no file needs one this long).
_HEADER_LINE_LIMIT = 1 << 16


class UnreadableFileError(InvalidInputError):
    """The file cannot be imported at all (format, encoding or header): nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


@dataclass
class Table:
    header: Header
    rows: Iterator[tuple[int, list[str]]]
    estimated_rows: int | None
    # Rows the CSV reader could not split (e.g. a cell over its size limit), filled as read.
    unreadable: list[Rejection] = field(default_factory=list)
    # Instead of `rows`, for a CSV file: blocks of its lines, raw or parsed (with their own
    # unreadable rows), of about `block_lines` lines each.
    blocks: Callable[[int], Iterator[RawRows | ParsedRows]] | None = None


def open_table(path: Path) -> Table:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _open_csv(path)
    if suffix == ".xlsx":
        return _open_xlsx(path)
    raise UnreadableFileError(f"{path.name}: only .csv and .xlsx files can be imported")


def _check_utf8(path: Path) -> int:
    """Fail before importing anything when the file is not UTF-8; return its number of lines."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    with path.open("rb") as stream:
        while block := stream.read(_BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                line = lines + block[: error.start].count(b"\n") + 1
                raise UnreadableFileError(
                    f"{path.name}: line {line} is not UTF-8 text (save the file as UTF-8)"
                ) from error
            lines += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise UnreadableFileError(f"{path.name}: the file ends inside a character") from error
    return lines


def _open_csv(path: Path) -> Table:
    lines = _check_utf8(path)
    with path.open("rb") as peek:
        first = peek.readline(_HEADER_LINE_LIMIT)
    if first.startswith(codecs.BOM_UTF8):
        first = first[len(codecs.BOM_UTF8) :]
    # A header on one line of its own (ended by a line feed, no quote nor lone carriage return):
    # the records start at line 2, and the rest of the file is read in blocks.
    if first.endswith(b"\n") and b'"' not in first and first.count(b"\r") == first.count(b"\r\n"):
        return _open_csv_blocks(path, first, lines)
    stream = path.open(encoding="utf-8-sig", newline="")
    reader = csv.reader(stream)
    try:
        names = next(reader)
    except StopIteration:
        stream.close()
        raise UnreadableFileError(f"{path.name}: the file is empty") from None
    except csv.Error as error:
        stream.close()
        raise UnreadableFileError(f"{path.name}: {error}") from error
    try:
        header = Header.parse(names)
    except HeaderError as error:
        stream.close()
        raise UnreadableFileError(f"{path.name}: {error}") from error
    table = Table(header, iter(()), max(lines - 1, 0))
    table.rows = _csv_rows(stream, reader, table.unreadable)
    return table


def _open_csv_blocks(path: Path, first: bytes, lines: int) -> Table:
    try:
        names = next(csv.reader([first.decode("utf-8")]))
        header = Header.parse(names)
    except (csv.Error, HeaderError) as error:
        raise UnreadableFileError(f"{path.name}: {error}") from error
    table = Table(header, iter(()), max(lines - 1, 0))

    def read(size: int) -> Iterator[RawRows | ParsedRows]:
        with path.open("rb") as stream:
            stream.readline(_HEADER_LINE_LIMIT)
            yield from blocks(stream, first_line=2, size=size)

    table.blocks = read
    return table


def _csv_rows(
    stream: Any, reader: Any, unreadable: list[Rejection]
) -> Iterator[tuple[int, list[str]]]:
    with stream:
        yield from records(
            reader, first_line=reader.line_num + 1, unreadable=unreadable, after_header=True
        )


def _open_xlsx(path: Path) -> Table:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableFileError(f"{path.name}: not a readable .xlsx workbook") from error
    sheet = workbook.worksheets[0]
    rows = enumerate(sheet.iter_rows(values_only=True), start=1)
    for number, values in rows:
        if any(value not in (None, "") for value in values):
            try:
                header = Header.parse([_xlsx_text(value) for value in values])
            except HeaderError as error:
                workbook.close()
                raise UnreadableFileError(f"{path.name}: {error}") from error
            estimate = (sheet.max_row - number) if sheet.max_row else None
            return Table(header, _xlsx_rows(workbook, rows, header_row=number), estimate)
    workbook.close()
    raise UnreadableFileError(f"{path.name}: the first sheet is empty")


def _xlsx_rows(
    workbook: Any, rows: Iterator[tuple[int, tuple[Any, ...]]], *, header_row: int
) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, values in rows:
            cells = [_xlsx_text(value) for value in values]
            if any(cells) and not (number == header_row + 1 and is_hashtag_row(cells)):
                yield number, cells
    finally:
        workbook.close()


def _xlsx_text(value: Any) -> str:
    """A cell as the text a person typed: 1990 not 1990.0, a date without a time of day."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
