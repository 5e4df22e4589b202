"""A record brought twice by one file is stored once: the later rows are reported."""

from __future__ import annotations

from compatriot.people.imports.columns import Rejection
from compatriot.people.imports.importer import _repeats
from compatriot.people.imports.normalising import NormalisedChunk, RowKey


def chunk(*rows: tuple[int, str]) -> NormalisedChunk:
    return NormalisedChunk(keys=[RowKey(line, f"id{line}", srid, None) for line, srid in rows])


def test_repeats_within_a_chunk_and_across_chunks_are_reported_in_order() -> None:
    first_line: dict[str, int] = {}
    rejected: list[Rejection] = []

    assert _repeats(chunk((2, "a"), (3, "b")), first_line, rejected) == set()
    assert _repeats(chunk((4, "c"), (5, "a"), (6, "c"), (7, "d")), first_line, rejected) == {1, 2}
    assert _repeats(chunk((8, "e"), (9, "f")), first_line, rejected) == set()

    assert first_line == {"a": 2, "b": 3, "c": 4, "d": 7, "e": 8, "f": 9}
    assert rejected == [
        Rejection(5, "source_record_id", "repeats the record of line 2"),
        Rejection(6, "source_record_id", "repeats the record of line 4"),
    ]
