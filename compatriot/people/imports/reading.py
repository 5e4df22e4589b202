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
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from compatriot.core.errors import InvalidInputError
from compatriot.people.imports.columns import (
    Header,
    HeaderError,
    Rejection,
    is_hashtag_row,
    unguard_cell,
)
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
    # Rows the CSV reader could not split (e.g. a cell over its size limit), CSV records with a
    # line break in an imported column, XLSX rows with a cell that cannot be read; filled as
    # read.
    unreadable: list[Rejection] = field(default_factory=list)
    # The last line of each CSV record over several lines, by its first (filled as read).
    spans: dict[int, int] = field(default_factory=dict)
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
    table.rows = _csv_rows(stream, reader, table)
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
            yield from blocks(stream, first_line=2, size=size, header=header, spans=table.spans)

    table.blocks = read
    return table


def _csv_rows(stream: Any, reader: Any, table: Table) -> Iterator[tuple[int, list[str]]]:
    with stream:
        yield from records(
            reader,
            first_line=reader.line_num + 1,
            unreadable=table.unreadable,
            after_header=True,
            header=table.header,
            spans=table.spans,
        )


def _open_xlsx(path: Path) -> Table:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableFileError(f"{path.name}: not a readable .xlsx workbook") from error
    sheet = workbook.worksheets[0]
    with_formulas = _has_formula(sheet)
    rows = enumerate(_xlsx_values(sheet, with_types=with_formulas), start=1)
    for number, (values, _) in rows:
        if any(value not in (None, "") for value in values):
            try:
                header = Header.parse([_xlsx_text(value) for value in values])
            except HeaderError as error:
                workbook.close()
                raise UnreadableFileError(f"{path.name}: {error}") from error
            estimate = (sheet.max_row - number) if sheet.max_row else None
            table = Table(header, iter(()), estimate)
            formulas = _formula_rows(path, skip=number) if with_formulas else None
            table.rows = _xlsx_rows(workbook, rows, formulas, table, header_row=number)
            return table
    workbook.close()
    raise UnreadableFileError(f"{path.name}: the first sheet is empty")


# A formula element in a worksheet's XML (`<f>`, `<f t="shared" .../>`, with or without a
# namespace prefix).
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formula(sheet: Any) -> bool:
    """Whether the sheet's XML holds a formula (most sheets hold none: then it is read once)."""
    with sheet.parent._archive.open(sheet._worksheet_path) as xml:  # openpyxl's own path
        tail = b""
        while block := xml.read(1 << 20):
            if _FORMULA.search(tail + block):
                return True
            tail = block[-16:]
    return False


def _xlsx_values(
    sheet: Any, *, with_types: bool
) -> Iterator[tuple[tuple[Any, ...], tuple[str, ...]]]:
    """Each row's values, and with `with_types` their cells' types: a formula's cell without a
    cached value is a number (`n`, the type of a cell without one) holding nothing, where a
    formula that computed an empty text is a text (`str`) holding nothing."""
    if not with_types:
        return ((values, ()) for values in sheet.iter_rows(values_only=True))
    return (
        (tuple(cell.value for cell in row), tuple(cell.data_type for cell in row))
        for row in sheet.iter_rows()
    )


def _formula_rows(path: Path, *, skip: int) -> tuple[Any, Iterator[Any]]:
    """A second opening of the workbook and its first sheet's cells in the rows after the
    first `skip`, formulas as formulas.

    A workbook opened for its values gives a formula's cached result, and nothing (an empty
    cell) when the program that wrote it did not compute it: only the formulas show which
    empty cells were formulas, in a second reading of the same rows, in step with the first."""
    workbook = load_workbook(path, read_only=True, data_only=False)
    rows = workbook.worksheets[0].iter_rows()
    for _ in range(skip):
        next(rows, None)
    return workbook, rows


def _xlsx_rows(
    workbook: Any,
    rows: Iterator[tuple[int, tuple[tuple[Any, ...], tuple[str, ...]]]],
    formulas: tuple[Any, Iterator[Any]] | None,
    table: Table,
    *,
    header_row: int,
) -> Iterator[tuple[int, list[str]]]:
    columns = sorted(table.header.positions.items(), key=lambda item: item[1])
    birth_date = table.header.positions.get("birth_date")
    formula_rows = formulas[1] if formulas is not None else None
    try:
        for number, (values, types) in rows:
            formula_cells = next(formula_rows, ()) if formula_rows is not None else ()
            if formula_cells and (column := _uncomputed(values, types, formula_cells, columns)):
                table.unreadable.append(
                    Rejection(
                        number,
                        column,
                        "is a formula without a computed value (open the file in a spreadsheet "
                        "and save it, or paste the values instead of the formulas)",
                    )
                )
                continue
            if birth_date is not None and birth_date < len(values):
                moment = values[birth_date]
                if isinstance(moment, dt.datetime) and moment.time() != dt.time(0):
                    table.unreadable.append(
                        Rejection(
                            number,
                            "birth_date",
                            "is a date with a time of day: give the date alone (YYYY-MM-DD)",
                        )
                    )
                    continue
            cells = [unguard_cell(_xlsx_text(value)) for value in values]
            if any(cells) and not (number == header_row + 1 and is_hashtag_row(cells)):
                yield number, cells
    finally:
        workbook.close()
        if formulas is not None:
            formulas[0].close()


def _uncomputed(
    values: tuple[Any, ...],
    types: tuple[str, ...],
    formula_cells: tuple[Any, ...],
    columns: list[tuple[str, int]],
) -> str | None:
    """The first imported column whose cell is a formula without a cached value."""
    for name, index in columns:
        if (
            index < len(values)
            and values[index] is None
            and types[index] == "n"
            and index < len(formula_cells)
            and getattr(formula_cells[index], "data_type", None) == "f"
        ):
            return name
    return None


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
