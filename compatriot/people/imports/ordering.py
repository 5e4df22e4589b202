"""Writing batches on several connections at once, committing them in the order of the file.

Most of a batch's time is the database's own work (COPY, inserts, index and foreign-key
maintenance), and one connection keeps one server process busy. With two, batch n+1 does that
work while batch n finishes, and the importing process and its normalising workers fill the rest
of the machine. What must stay serial stays serial, by turns: a batch appends its audit entries
and commits only after the batch before it has committed, so the chain is one chain, in the
order of the file, whatever the timing; and a batch whose persons join a household created by the
batch before it checks that foreign key only after that batch has committed.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Generic, TypeVar

from django.db import connection

Batch = TypeVar("Batch")
Outcome = TypeVar("Outcome")


class Aborted(Exception):  # noqa: N818  a state, not an error of its own
    """An earlier batch failed: this one is rolled back and the import stops there."""


class Turns:
    """Batches numbered 1, 2, ... take their turn at committing in that order."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._committed = 0
        self._abort_from: int | None = None  # batches from this number on roll back

    @property
    def committed(self) -> int:
        return self._committed

    def wait(self, number: int) -> None:
        """Block until batch `number - 1` has committed; raise `Aborted` if this batch must not
        commit (an earlier one failed, or the import stopped)."""
        with self._condition:
            self._condition.wait_for(lambda: self._committed >= number - 1 or self._aborts(number))
            if self._aborts(number):
                raise Aborted

    def wait_for(self, number: int) -> None:
        """Block until batch `number` has committed (0: nothing to wait for)."""
        if number:
            self.wait(number + 1)

    def _aborts(self, number: int) -> bool:
        return self._abort_from is not None and self._abort_from <= number

    def done(self, number: int) -> None:
        with self._condition:
            self._committed = max(self._committed, number)
            self._condition.notify_all()

    def abort_from(self, number: int) -> None:
        with self._condition:
            if self._abort_from is None or number < self._abort_from:
                self._abort_from = number
            self._condition.notify_all()


def can_write_concurrently() -> bool:
    """Other connections cannot see what this one has not committed: inside a transaction (a
    caller's, or a test's) the batches must go through this connection, one after another."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def write_in_order(
    batches: Iterable[Batch],
    write: Callable[[Batch, int, Turns], Outcome],
    *,
    connections: int,
) -> Iterator[Outcome]:
    """Call `write(batch, number, turns)` for each batch, up to `connections` at a time, each in a
    thread with its own database connection; yield the outcomes in order. The first failure (in
    batch order) is raised once the batches before it are done; the batches after it roll back."""
    turns = Turns()

    def run(batch: Batch, number: int) -> Outcome:
        try:
            outcome = write(batch, number, turns)
        except BaseException:
            turns.abort_from(number + 1)
            raise
        turns.done(number)
        return outcome

    writers = _Writers(connections, run)
    pending: deque[tuple[int, Future[Outcome]]] = deque()
    try:
        for number, batch in enumerate(batches, start=1):
            pending.append((number, writers.submit(batch, number)))
            while len(pending) >= connections:
                yield pending.popleft()[1].result()
        while pending:
            yield pending.popleft()[1].result()
    finally:
        if pending:  # stopped early: what has not been reported rolls back
            turns.abort_from(pending[0][0])
        writers.close()


class _Writers(Generic[Batch, Outcome]):
    """Threads taking batches from one queue; each closes its own database connection (Django's
    connections belong to the thread that opened them) when it stops."""

    def __init__(self, threads: int, run: Callable[[Batch, int], Outcome]) -> None:
        self.run = run
        self.tasks: queue.SimpleQueue[tuple[Future[Outcome], Batch, int] | None] = (
            queue.SimpleQueue()
        )
        self.threads = [
            threading.Thread(target=self._loop, name=f"import-writer-{index}", daemon=True)
            for index in range(threads)
        ]
        for thread in self.threads:
            thread.start()

    def submit(self, batch: Batch, number: int) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        self.tasks.put((future, batch, number))
        return future

    def _loop(self) -> None:
        try:
            while (task := self.tasks.get()) is not None:
                future, batch, number = task
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(self.run(batch, number))
                except BaseException as error:  # handed to the waiting thread
                    future.set_exception(error)
        finally:
            connection.close()

    def close(self) -> None:
        for _ in self.threads:
            self.tasks.put(None)
        for thread in self.threads:
            thread.join()
