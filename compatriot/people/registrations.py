"""What other apps want done once persons are registered (by a form, the API or an import), or
consent to family tracing.

Apps above people (tracing re-checks its open requests) add a callback in their
`AppConfig.ready()`: people may not import them. Every registration path calls
`persons_registered` explicitly; the callbacks run after the transaction commits, so they see the
new rows and a rollback calls nothing. They must be cheap (schedule a task, not do the work).

A callback that has work only when a read finds a row (tracing: an active request in the crisis;
linkage: a finished whole-crisis deduplication) registers that read as its `check`. Where the
registration is written in one round trip (people.services), the check travels in the same round
trip, after the commit, so it still sees the committed rows and costs no round trip of its own
(its uuid and jsonb values sent without psycopg's casts: the read must give each value its type,
as `column = %s` does; core.statements.statements_together `untyped`); elsewhere it runs after
the commit as a statement of its own. A check returns None when its callback has no work
whatever the rows say (linkage without a broker): nothing is sent then.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction

from compatriot.core.statements import fixed_statement

Callback = Callable[[uuid.UUID], None]  # called with the crisis id
Statement = tuple[str, Sequence[Any]]
# The read that decides whether a callback has work: (SQL, parameters) for a crisis id, or None
# when it has none anyway; its callback is called when the read returns a row.
Check = Callable[[uuid.UUID], Statement | None]
_callbacks: list[tuple[Callback, Check | None]] = []


def after_registration(callback: Callback, *, check: Check | None = None) -> None:
    if (callback, check) not in _callbacks:
        _callbacks.append((callback, check))


def registration_checks(crisis_id: uuid.UUID) -> list[tuple[Callback, Statement]]:
    """The reads to make for this crisis, in order, each with the callback it decides, for a
    write that sends them after its commit; give `persons_registered(found=...)` each callback
    with whether its read found a row."""
    checks = []
    for callback, check in _callbacks:
        statement = check(crisis_id) if check is not None else None
        if statement is not None:
            checks.append((callback, statement))
    return checks


def persons_registered(
    crisis_id: uuid.UUID, *, found: Sequence[tuple[Callback, bool]] | None = None
) -> None:
    """Call the callbacks once the transaction commits (at once outside one). `found`: for the
    callbacks of `registration_checks`, whether their read found a row, when the write has
    already committed and run them (a callback with a check not among them has no work)."""
    if found is not None:
        has_work = dict(found)
        for callback, check in _callbacks:
            if check is None or has_work.get(callback, False):
                callback(crisis_id)
        return
    for callback, check in _callbacks:
        if check is None:
            transaction.on_commit(functools.partial(callback, crisis_id))
        else:
            transaction.on_commit(functools.partial(call_if_found, callback, check, crisis_id))


def call_if_found(callback: Callback, check: Check, crisis_id: uuid.UUID) -> None:
    """Run the check as a statement of its own and call the callback when it finds a row."""
    statement = check(crisis_id)
    if statement is None:
        return
    with fixed_statement(*statement) as cursor:
        has_work = cursor.fetchone() is not None
    if has_work:
        callback(crisis_id)
