"""A record brought twice by one file is stored once (the later rows are reported); a household
reference is resolved once, from its first line."""

from __future__ import annotations

from compatriot.people.imports.batches import household_refs
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


def test_household_references_come_with_their_first_line_in_file_order() -> None:
    keys = [
        RowKey(2, "i2", "a", "h2"),
        RowKey(3, "i3", "b", None),
        RowKey(4, "i4", "c", "h1"),
        RowKey(5, "i5", "d", "h2"),
        RowKey(6, "i6", "e", "h1"),
        RowKey(7, "i7", "f", "h3"),
    ]

    refs = household_refs(keys)

    assert list(refs.items()) == [("h2", 2), ("h1", 4), ("h3", 7)]
    assert household_refs([]) == {}
