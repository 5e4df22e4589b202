"""A CSV file read in blocks (raw blocks parsed by the workers) gives exactly the records, line
numbers and unreadable rows that one reader over the whole file gives."""

from __future__ import annotations

import csv
import datetime as dt
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compatriot.people.imports.columns import Header, Rejection, is_hashtag_row, unguard_cell
from compatriot.people.imports.csvblocks import RawRows, _is_raw, _read_raw, parse_raw, raw_records
from compatriot.people.imports.normalising import (
    ChunkTask,
    NormalisedChunk,
    PersonRecord,
    RowKey,
    normalise_chunk,
)
from compatriot.people.imports.reading import open_table

HEADER = "source_record_id,given_name,journey_stage,category"
# Pieces that make records span lines, quote, end lines in every way, or look like HXL tags.
# And apostrophes that guard a cell against formula injection, or do not.
PIECES = [
    "a", "bc", ",", '"', '""', "\n", "\r\n", "\r", "#x", " ", "é", "\t", "\n\n", '",', "'=", "'",
]  # fmt: skip


def one_reader(path: Path) -> tuple[list[tuple[int, list[str]]], list[Rejection]]:
    """What the importer reads, by one csv reader over the text file: a record over several
    lines with a line break in one of the header's (import) columns is reported with its
    lines, as is one the reader cannot split; a cell guarded against formula injection loses
    its apostrophe."""
    rows: list[tuple[int, list[str]]] = []
    unreadable: list[Rejection] = []
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        names = next(reader)
        start, first = reader.line_num + 1, True
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                last = reader.line_num
                if last > start:
                    message = (
                        f"unbalanced quote: a quoted cell runs over {last - start + 1} lines "
                        f"({error})"
                    )
                    unreadable.append(Rejection(start, "row", message, last))
                else:
                    unreadable.append(Rejection(start, "row", f"cannot be read ({error})"))
            else:
                last = reader.line_num
                broken = [
                    name
                    for name, cell in zip(names, row, strict=False)
                    if "\n" in cell or "\r" in cell
                ]
                if any(row) and not (first and is_hashtag_row(row)):
                    if last > start and broken:
                        unreadable.append(
                            Rejection(
                                start,
                                broken[0],
                                f"holds a line break: a quoted cell runs over {last - start + 1}"
                                " lines (a quote left open?)",
                                last,
                            )
                        )
                    else:
                        rows.append((start, [unguard_cell(cell) for cell in row]))
            first = False
            start = reader.line_num + 1
    return rows, unreadable


def in_blocks(path: Path, size: int) -> tuple[list[tuple[int, list[str]]], list[Rejection], int]:
    table = open_table(path)
    assert table.blocks is not None
    rows: list[tuple[int, list[str]]] = []
    unreadable: list[Rejection] = []
    raw = 0
    for block in table.blocks(size):
        if isinstance(block, RawRows):
            raw += 1
            parsed: Any = parse_raw(block)
        else:
            parsed = block
        rows += parsed.rows
        unreadable += parsed.unreadable
    return rows, unreadable, raw


def _write(path: Path, body: str, *, bom: bool = False, crlf: bool = False) -> Path:
    head = HEADER + ("\r\n" if crlf else "\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (head + body).encode("utf-8"))
    return path


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.lists(st.sampled_from(PIECES), max_size=80).map("".join),
    size=st.integers(1, 6),
    bom=st.booleans(),
    crlf=st.booleans(),
)
def test_blocks_read_what_one_reader_reads(
    tmp_path: Path, body: str, size: int, bom: bool, crlf: bool
) -> None:
    path = _write(tmp_path / "people.csv", body, bom=bom, crlf=crlf)
    rows, unreadable, _ = in_blocks(path, size)
    assert (rows, unreadable) == one_reader(path)


def test_plain_lines_go_raw_and_a_quoted_newline_across_a_block_is_one_record(
    tmp_path: Path,
) -> None:
    body = "#meta+id,#status,#group\n" + "".join(f"r{i},in_transit,student\n" for i in range(9))
    body += (
        'r9,in_transit,student,,"a note\nof two lines"\n'
        + "".join(f"s{i},x,y\r\n" for i in range(8))
        + "\n\nlast,x,y"
    )
    path = _write(tmp_path / "people.csv", body)
    rows, unreadable, raw = in_blocks(path, 4)
    assert (rows, unreadable) == one_reader(path)
    assert raw >= 3  # the blocks without quotes went raw
    # A line break in a column not imported (one past the header here): one record.
    assert (12, ["r9", "in_transit", "student", "", "a note\nof two lines"]) in rows
    assert rows[-1] == (24, ["last", "x", "y"])


@pytest.fixture
def small_fields() -> Iterator[None]:
    limit = csv.field_size_limit(20)
    yield
    csv.field_size_limit(limit)


@pytest.mark.usefixtures("small_fields")
def test_unreadable_records_are_reported_with_their_line_in_raw_blocks(tmp_path: Path) -> None:
    body = (
        "a,b,c\nlong enough to fail surely,b,c\nd,e,f\n" * 3
        + 'x,"quoted and long enough\nacross lines",z\nq,r,s\n'
    )
    path = _write(tmp_path / "people.csv", body)
    rows, unreadable, raw = in_blocks(path, 2)
    assert raw >= 1
    assert len(unreadable) == 4
    assert (rows, unreadable) == one_reader(path)


def test_a_header_that_is_not_one_plain_line_is_read_by_one_reader(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(b'"source_record_id",given_name,journey_stage,category\na,b,c,d\n')
    table = open_table(path)
    assert table.blocks is None
    assert list(table.rows) == [(2, ["a", "b", "c", "d"])]
    path.write_bytes(b"source_record_id,given_name,journey_stage,category\ra,in_transit,student\r")
    table = open_table(path)
    assert table.blocks is None
    assert list(table.rows) == [(2, ["a", "in_transit", "student"])]


def test_a_chunk_crosses_processes_whole() -> None:
    chunk = NormalisedChunk(
        keys=[RowKey(2, "a", "s1", None), RowKey(3, "b", "s2", "h1")],
        person_rows=[b"x", b"y"],
        rejected=[Rejection(4, "sex", "bad")],
        unreadable=[Rejection(5, "row", "cannot be read")],
    )
    copied = pickle.loads(pickle.dumps(chunk))  # noqa: S301  our own bytes
    assert copied == chunk
    assert all(type(key) is RowKey for key in copied.keys)
    assert pickle.loads(pickle.dumps(NormalisedChunk())) == NormalisedChunk()  # noqa: S301
    # Detail rows, a NUL and a pickle opcode in the bytes, a key without its household twice.
    chunk.need_rows = [(b"\x00(", b"."), ()]
    chunk.keys.append(RowKey(6, "c", "s3", None))
    chunk.person_rows.append(b"z")
    chunk.need_rows.append((b"q",))
    copied = pickle.loads(pickle.dumps(chunk))  # noqa: S301
    assert copied == chunk
    # A chunk of records (the ORM's path) is pickled with pickle's memo, as before.
    records = NormalisedChunk(
        keys=[RowKey(2, "a", "s1", None)],
        records=[PersonRecord._make([*range(10), dt.date(1990, 1, 2), *range(18)])],
    )
    copied = pickle.loads(pickle.dumps(records))  # noqa: S301
    assert copied == records
    assert type(copied.records[0]) is PersonRecord


@pytest.mark.usefixtures("small_fields")
def test_a_raw_chunk_reports_its_unreadable_records_once_its_rows_are_read() -> None:
    """The worker reads a raw block's records one by one: the chunk's unreadable records are
    complete all the same, with their lines, and the readable rows normalised around them."""
    header = Header.parse(HEADER.split(","))
    data = b"r1,Ann,in_transit,student\nr2,long enough to fail surely,in_transit,student\n"
    data += b"r3,Bo,in_transit,student\n"
    chunk = normalise_chunk(ChunkTask(header, [], copy_text=True, raw=RawRows(data, 5, 3)))
    assert chunk.unreadable == parse_raw(RawRows(data, 5, 3)).unreadable
    assert [rejection.line for rejection in chunk.unreadable] == [6]
    assert [key.line for key in chunk.keys] == [5, 7]


@given(
    st.lists(st.sampled_from([b"a", b",", b"\r", b"\n", b"\r\n", b'"', b"\xd0\x99"]), max_size=30)
)
def test_a_block_is_raw_when_no_quote_nor_lone_carriage_return_is_in_it(pieces):
    data = b"".join(pieces)
    # The first definition: every carriage return starts a CRLF.
    expected = b'"' not in data and data.count(b"\r") == data.count(b"\r\n")
    assert _is_raw(data) == expected


# Characters that some line splitters take for line ends, a NUL, spaces, commas, letters of
# several widths: everything but a quote and a lone carriage return (a raw block has neither).
RAW_PIECES = [
    "a", "bc", ",", ",,", " ", "\t", "\n", "\r\n", "\n\n", "\x00", "\x0b", "\x0c", "\x1c",
    "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "é", "Й", "\U0001f600", "#x", "'", "'=",
    "'@", "'\t",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    body=st.lists(st.sampled_from(RAW_PIECES), max_size=60).map("".join),
    first_line=st.integers(2, 9),
)
def test_a_raw_block_is_split_as_the_csv_reader_reads_it(body: str, first_line: int) -> None:
    """A raw block's lines cut at their commas give the reader's records and line numbers, its
    rows of empty cells skipped, nothing unreadable."""
    data = body.encode()
    assert _is_raw(data)
    raw = RawRows(data, first_line, data.count(b"\n") + (not data.endswith(b"\n") and bool(data)))
    rows, unreadable = raw_records(raw)
    by_reader, unreadable_by_reader = _read_raw(raw)
    assert (list(rows), unreadable) == (list(by_reader), unreadable_by_reader)


@pytest.mark.usefixtures("small_fields")
def test_a_raw_block_with_a_line_over_the_field_limit_is_read_by_the_reader() -> None:
    data = "a,b\nr2,Й\u0439,c\n".encode() + b"x" * 21 + b",y\n"
    rows, unreadable = raw_records(RawRows(data, 5, 3))
    assert list(rows) == [(5, ["a", "b"]), (6, ["r2", "Йй", "c"])]
    assert unreadable == [
        Rejection(7, "row", "cannot be read (field larger than field limit (20))")
    ]
    # Multi-byte characters count as bytes: this line of 20 characters goes to the reader too,
    # which reads it whole.
    data = ("Й" * 19 + ",\n").encode()
    assert list(raw_records(RawRows(data, 2, 1))[0]) == [(2, ["Й" * 19, ""])]
