"""Normalise chunks of rows in worker processes, in order, with bounded memory.

A small input is normalised in this process (starting workers costs about a second). A big one
goes to a process pool: at most `window` chunks are in flight, so a million-row file is never
held in memory, and the workers keep working while this process writes a batch to the database.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain, islice

from compatriot.people.imports.columns import Header
from compatriot.people.imports.csvblocks import ParsedRows, RawRows
from compatriot.people.imports.normalising import ChunkTask, NormalisedChunk, normalise_chunk
from compatriot.people.imports.worker import setup

CHUNK_ROWS = 2_000
# Below this many rows the pool is not worth its start-up.
PARALLEL_THRESHOLD = 20_000


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


Block = RawRows | ParsedRows


def row_blocks(rows: Iterable[tuple[int, list[str]]], size: int) -> Iterator[ParsedRows]:
    """Numbered rows (already read) in blocks of `size`."""
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield ParsedRows(batch)


def _task(block: Block, header: Header, copy_text: bool) -> ChunkTask:
    if isinstance(block, RawRows):
        return ChunkTask(header=header, rows=[], copy_text=copy_text, raw=block)
    return ChunkTask(
        header=header, rows=block.rows, copy_text=copy_text, unreadable=block.unreadable
    )


def _size(block: Block) -> int:
    return block.lines if isinstance(block, RawRows) else len(block.rows)


def normalised_chunks(
    blocks: Iterable[Block], *, header: Header, copy_text: bool, workers: int | None = None
) -> Iterator[NormalisedChunk]:
    """Yield each block of rows (numbered cells, or raw lines of a CSV file) normalised, in
    input order."""
    workers = default_workers() if workers is None else workers
    iterator = iter(blocks)
    head: list[Block] = []
    rows = 0
    while rows < PARALLEL_THRESHOLD and (block := next(iterator, None)) is not None:
        head.append(block)
        rows += _size(block)
    tasks = (_task(block, header, copy_text) for block in chain(head, iterator))
    if workers <= 1 or rows < PARALLEL_THRESHOLD:
        yield from (normalise_chunk(task) for task in tasks)
        return
    yield from _in_pool(tasks, workers)


def _in_pool(tasks: Iterator[ChunkTask], workers: int) -> Iterator[NormalisedChunk]:
    # "spawn": a forked child would share this process's database connection and threads.
    context = multiprocessing.get_context("spawn")
    window = 6 * workers
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=setup)
    pending: deque[Future[NormalisedChunk]] = deque()
    try:
        for task in tasks:
            pending.append(pool.submit(normalise_chunk, task))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        # Also when the consumer stops early (a failed batch): drop the work not yet started.
        pool.shutdown(wait=True, cancel_futures=True)
