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
from compatriot.people.imports.normalising import ChunkTask, NormalisedChunk, normalise_chunk
from compatriot.people.imports.worker import setup

CHUNK_ROWS = 2_000
# Below this many rows the pool is not worth its start-up.
PARALLEL_THRESHOLD = 20_000


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _chunks(
    rows: Iterable[tuple[int, list[str]]], header: Header, *, copy_text: bool, size: int
) -> Iterator[ChunkTask]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield ChunkTask(header=header, rows=batch, copy_text=copy_text)


def normalised_chunks(
    rows: Iterable[tuple[int, list[str]]],
    *,
    header: Header,
    copy_text: bool,
    workers: int | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[NormalisedChunk]:
    """Yield each chunk of `rows` (numbered cells) normalised, in input order."""
    workers = default_workers() if workers is None else workers
    iterator = iter(rows)
    head = list(islice(iterator, PARALLEL_THRESHOLD))
    tasks = _chunks(chain(head, iterator), header, copy_text=copy_text, size=chunk_rows)
    if workers <= 1 or len(head) < PARALLEL_THRESHOLD:
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
