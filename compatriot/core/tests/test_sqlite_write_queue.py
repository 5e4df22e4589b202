"""SQLite's write transactions queue on a lock of the process (compatriot.core.db.sqlite): taken
before BEGIN IMMEDIATE, given back on every way a transaction ends, never by a read, and never
waited on forever. A lock left held would stall every writer of the process."""

from __future__ import annotations

import gc
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import IntegrityError, OperationalError, connections, transaction

from compatriot.core.db.sqlite.base import _file_lock, _Hold

ALIAS = "sqlock_test"


@pytest.fixture
def sqlite_file(tmp_path: Path, django_db_blocker) -> Iterator[str]:
    """A file database of its own under ALIAS, with the settings' transaction mode."""
    name = str(tmp_path / "queue.sqlite3")
    connections.settings[ALIAS] = connections.configure_settings(
        {
            "default": connections.settings["default"],
            ALIAS: {
                "ENGINE": "compatriot.core.db.sqlite",
                "NAME": name,
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 0.5},
            },
        }
    )[ALIAS]
    with django_db_blocker.unblock():
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            cursor.execute(
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER"
                " REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
            )
            cursor.execute("CREATE TABLE counter (n INTEGER)")
            cursor.execute("INSERT INTO counter VALUES (0)")
        yield name
        connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]


def _insert_parent(pk: int) -> None:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("INSERT INTO parent (id) VALUES (%s)", [pk])


def _write_parent(pk: int) -> None:
    with transaction.atomic(using=ALIAS):
        _insert_parent(pk)


class _WriteFailedError(Exception):
    pass


def _failing_write(pk: int) -> None:
    with transaction.atomic(using=ALIAS):
        _insert_parent(pk)
        raise _WriteFailedError


def _orphan_child() -> None:
    with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
        cursor.execute("INSERT INTO child (id, parent_id) VALUES (1, 99)")


def _parents() -> list[int]:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT id FROM parent ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def _in_threads(target, count: int = 1) -> list[BaseException]:
    """Runs `target` in `count` threads at once, each closing its connection; their errors."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as error:  # reported to the test's thread
            errors.append(error)
        finally:
            connections[ALIAS].close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_commit_releases(sqlite_file: str) -> None:
    lock = _file_lock(sqlite_file)
    with transaction.atomic(using=ALIAS):
        assert lock.locked()
        _insert_parent(1)
    assert not lock.locked()
    assert _parents() == [1]


def test_rollback_by_exception_releases(sqlite_file: str) -> None:
    lock = _file_lock(sqlite_file)
    with pytest.raises(_WriteFailedError):
        _failing_write(1)
    assert not lock.locked()
    assert _parents() == []


def test_error_in_commit_releases(sqlite_file: str, monkeypatch) -> None:
    """A deferred foreign key fails at COMMIT: the transaction stays open until atomic's rollback."""
    lock = _file_lock(sqlite_file)
    wrapper = type(connections[ALIAS])
    rollback = wrapper._rollback  # type: ignore[attr-defined]
    held_at_rollback: list[bool] = []

    def watched(self) -> None:
        held_at_rollback.append(lock.locked())
        rollback(self)

    monkeypatch.setattr(wrapper, "_rollback", watched)
    with pytest.raises(IntegrityError):
        _orphan_child()
    assert held_at_rollback == [True]  # the failed COMMIT kept it: the transaction was open
    assert not lock.locked()
    assert not connections[ALIAS].connection.in_transaction
    with transaction.atomic(using=ALIAS):  # the next write goes through
        _insert_parent(2)
    assert _parents() == [2]


def test_close_mid_transaction_releases(sqlite_file: str) -> None:
    lock = _file_lock(sqlite_file)
    with transaction.atomic(using=ALIAS):
        _insert_parent(1)
        connections[ALIAS].close()
        assert not lock.locked()
    assert not lock.locked()
    assert _parents() == []  # SQLite rolled the closed transaction back


def test_nested_atomic_keeps_the_lock_until_the_outermost_ends(sqlite_file: str) -> None:
    lock = _file_lock(sqlite_file)
    with transaction.atomic(using=ALIAS):
        with transaction.atomic(using=ALIAS):
            _insert_parent(1)
        assert lock.locked()
        with pytest.raises(_WriteFailedError):
            _failing_write(2)
        assert lock.locked()  # a savepoint's rollback ends no transaction
    assert not lock.locked()
    assert _parents() == [1]


def test_a_thread_dying_in_a_transaction_releases(sqlite_file: str) -> None:
    lock = _file_lock(sqlite_file)

    def raises() -> None:
        with transaction.atomic(using=ALIAS):
            _insert_parent(1)
            raise RuntimeError("the thread dies")

    [error] = _in_threads(raises)
    assert isinstance(error, RuntimeError)
    assert not lock.locked()

    def abandons() -> None:
        # Ends without leaving the block: neither commit, rollback nor close runs.
        transaction.atomic(using=ALIAS).__enter__()
        _insert_parent(2)

    thread = threading.Thread(target=abandons)
    thread.start()
    thread.join()
    del thread
    gc.collect()  # the thread's wrapper, its sqlite3 connection and its hold go
    assert not lock.locked()
    with transaction.atomic(using=ALIAS):
        _insert_parent(3)
    assert _parents() == [3]


def test_two_threads_writes_serialise(sqlite_file: str) -> None:
    writers, each = 4, 25
    start = threading.Barrier(writers)

    def increment() -> None:
        start.wait()
        for _ in range(each):
            with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
                cursor.execute("SELECT n FROM counter")
                (n,) = cursor.fetchone()
                cursor.execute("UPDATE counter SET n = %s", [n + 1])

    assert _in_threads(increment, writers) == []
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone() == (writers * each,)
    assert not _file_lock(sqlite_file).locked()


def _holding(release: threading.Event, held: threading.Event) -> threading.Thread:
    """A thread inside a write transaction until `release` is set."""

    def hold() -> None:
        try:
            with transaction.atomic(using=ALIAS):
                _insert_parent(1)
                held.set()
                release.wait()
        finally:
            connections[ALIAS].close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(5), "the holding thread never got into its transaction"
    return thread


def test_a_read_in_autocommit_does_not_wait(sqlite_file: str) -> None:
    release, held = threading.Event(), threading.Event()
    thread = _holding(release, held)
    try:
        assert _parents() == []  # WAL: the committed state, beside the writer
        assert _file_lock(sqlite_file).locked()
    finally:
        release.set()
        thread.join()
    assert _parents() == [1]


def test_the_wait_is_bounded_by_the_timeout(sqlite_file: str) -> None:
    release, held = threading.Event(), threading.Event()
    thread = _holding(release, held)
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            _write_parent(2)
        assert not connections[ALIAS].in_atomic_block
    finally:
        release.set()
        thread.join()
    with transaction.atomic(using=ALIAS):  # the refused thread holds nothing
        _insert_parent(3)
    assert _parents() == [1, 3]


def test_a_begin_refused_by_another_process_releases(sqlite_file: str) -> None:
    """Across processes SQLite's own lock decides: its refusal gives the process's lock back."""
    other = sqlite3.connect(sqlite_file, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            _write_parent(1)
        assert not _file_lock(sqlite_file).locked()
    finally:
        other.execute("ROLLBACK")
        other.close()
    with transaction.atomic(using=ALIAS):
        _insert_parent(2)
    assert _parents() == [2]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_child_does_not_inherit_a_held_lock(sqlite_file: str) -> None:
    """linkage's feature pool forks: a lock held by a thread of the parent has no owner there."""
    _write_parent(1)  # this thread's wrapper has its hold
    lock = _file_lock(sqlite_file)
    assert lock.acquire(timeout=5)  # as a thread of the parent mid-transaction would
    try:
        pid = os.fork()
        if pid == 0:  # the child: a connection of its own, one write
            status = 1
            try:
                connections[ALIAS].connection = None
                _write_parent(2)
                status = 0
            finally:
                os._exit(status)
        _, status = os.waitpid(pid, 0)
    finally:
        lock.release()
    assert os.waitstatus_to_exitcode(status) == 0
    assert _parents() == [1, 2]


def test_a_wait_for_the_process_lock_counts_against_the_timeout(
    sqlite_file: str, monkeypatch
) -> None:
    """What the wait for the process lock took of the timeout is taken from SQLite's own wait
    (its busy timeout, for that BEGIN only): in all a writer waits no longer than the timeout."""
    monkeypatch.setattr(_Hold, "take", lambda self, timeout: _take(self, timeout) and 0.125)
    connection = connections[ALIAS]
    connection.ensure_connection()
    statements: list[str] = []
    connection.connection.set_trace_callback(statements.append)
    try:
        _write_parent(1)
    finally:
        connection.connection.set_trace_callback(None)
    begin = statements.index("BEGIN IMMEDIATE")
    assert statements[begin - 1] == "PRAGMA busy_timeout = 125"
    assert statements[begin + 1] == "PRAGMA busy_timeout = 500"  # the fixture's 0.5 s again
    assert _parents() == [1]


_take = _Hold.take


def test_a_hold_says_what_is_left_of_the_timeout(sqlite_file: str) -> None:
    lock = _file_lock(sqlite_file)
    taken = threading.Event()

    def holds_a_while() -> None:
        lock.acquire()
        taken.set()
        threading.Event().wait(0.5)  # the other take finds it held
        lock.release()

    thread = threading.Thread(target=holds_a_while)
    thread.start()
    assert taken.wait(5)
    hold = _Hold(sqlite_file)
    left = hold.take(30.0)
    thread.join()
    assert left is not None
    assert 0.0 <= left < 30.0
    assert hold.take(30.0) == 30.0  # taken again while held: kept, not lost
    hold.release()
    assert not lock.locked()
    assert _Hold(sqlite_file).take(30.0) == 30.0  # free at once: the whole timeout
    lock.release()
