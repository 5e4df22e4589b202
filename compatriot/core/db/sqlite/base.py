"""Django's SQLite backend with a per-process queue in front of SQLite's write lock.

SQLite's busy handler (Python's ``timeout``) sleeps 1, 2, 5, 10 ... 100 ms between tries and is
not woken when the lock frees, so a server's threads that wait on ``BEGIN IMMEDIATE`` leave the
lock idle while they sleep. Here a thread takes a lock of the process, one per database file,
before ``BEGIN IMMEDIATE`` and gives it back when SQLite says the transaction is over (commit,
rollback, close): the process's threads queue on it and the next wakes at once. Across processes
SQLite's own lock still decides. Releasing early is always safe (SQLite's lock still guards the
data); holding too long is what would stall, hence the release on every exit path, the bounded
wait, and the release when the wrapper itself goes (a thread gone mid-transaction).
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from typing import Any

from django.db.backends.sqlite3 import base

# One lock per database file for the whole process, made on first use.
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
# sqlite3.connect's own default when OPTIONS has no timeout.
_SQLITE_DEFAULT_TIMEOUT = 5.0


def _file_lock(name: str) -> threading.Lock:
    lock = _LOCKS.get(name)
    if lock is None:
        with _LOCKS_GUARD:
            lock = _LOCKS.setdefault(name, threading.Lock())
    return lock


def _forget_locks() -> None:
    # A forked child has only the forking thread: a lock another thread held stays held.
    global _LOCKS_GUARD
    _LOCKS.clear()
    _LOCKS_GUARD = threading.Lock()


os.register_at_fork(after_in_child=_forget_locks)


class _Hold:
    """The process lock as held by one connection wrapper: released at most once per take."""

    __slots__ = ("held", "lock", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.lock = _file_lock(name)
        self.held = False

    def take(self, timeout: float) -> float | None:
        """Takes the lock within `timeout` seconds: the seconds of it left, None if not taken."""
        if self.held:  # already this connection's: acquiring again would time out and lose it
            return timeout
        # Looked up at every take: after a fork the process's lock is a new one.
        self.lock = _file_lock(self.name)
        if self.lock.acquire(blocking=False):
            self.held = True
            return timeout
        started = time.monotonic()
        self.held = self.lock.acquire(timeout=timeout)
        return max(0.0, timeout - (time.monotonic() - started)) if self.held else None

    def release(self) -> None:
        if self.held:
            self.held = False
            self.lock.release()


# django-stubs declare neither the transaction mode nor the private methods overridden here.
class DatabaseWrapper(base.DatabaseWrapper):
    transaction_mode: str | None
    _hold: _Hold | None = None

    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        self._write_lock_timeout = float(params.get("timeout", _SQLITE_DEFAULT_TIMEOUT))
        # Only a BEGIN that takes SQLite's write lock at once queues; an in-memory database
        # (the tests') belongs to one connection, so there is no one to queue behind.
        self._queues_writers = (
            self.transaction_mode in ("IMMEDIATE", "EXCLUSIVE") and not self.is_in_memory_db()
        )
        return params

    def _start_transaction_under_autocommit(self) -> None:
        if not self._queues_writers:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
            return
        if self._hold is None:
            self._hold = _Hold(str(self.settings_dict["NAME"]))
            # A thread that ends inside a transaction leaves its wrapper to the collector;
            # its sqlite3 connection (and SQLite's lock) goes with it, so does this lock.
            weakref.finalize(self, self._hold.release)
        left = self._hold.take(self._write_lock_timeout)
        if left is None:
            with self.wrap_database_errors:
                raise self.Database.OperationalError("database is locked")
        try:
            if left < self._write_lock_timeout:
                self._begin_within(left)
            else:
                super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:  # no BEGIN, no transaction (another process held on)
            self._hold.release()
            raise

    def _begin_within(self, seconds: float) -> None:
        """BEGIN with SQLite's own wait cut to what the wait for the process lock left of the
        timeout, so that a writer waits no longer in all than the timeout says."""
        self.connection.execute(f"PRAGMA busy_timeout = {max(1, round(seconds * 1000))}")
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        finally:
            self.connection.execute(
                f"PRAGMA busy_timeout = {round(self._write_lock_timeout * 1000)}"
            )

    def _release_if_done(self) -> None:
        if self._hold is None or not self._hold.held:
            return
        try:
            in_transaction = self.connection is not None and self.connection.in_transaction
        except self.Database.Error:  # closed underneath: no transaction either way
            in_transaction = False
        if not in_transaction:
            self._hold.release()

    # Every way Django ends a transaction ends in one of these three. A failed COMMIT (a
    # deferred foreign key) leaves the transaction open and the lock held until the rollback.
    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_if_done()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_if_done()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            if self._hold is not None:
                self._hold.release()
