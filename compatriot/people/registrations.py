"""What other apps want done once persons are registered (by a form, the API or an import), or
consent to family tracing.

Apps above people (tracing re-checks its open requests) add a callback in their
`AppConfig.ready()`: people may not import them. Every registration path calls
`persons_registered` explicitly; the callbacks run after the transaction commits, so they see the
new rows and a rollback calls nothing. They must be cheap (schedule a task, not do the work).

A callback that has work only when a read finds a row (tracing: an active request in the crisis)
registers that read as its `check`. Where the registration is written in one round trip
(people.services), the check travels in the same round trip, after the commit, so it still sees
the committed rows and costs no round trip of its own; elsewhere it runs after the commit as a
statement of its own.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction

from compatriot.core.statements import fixed_statement

Callback = Callable[[uuid.UUID], None]  # called with the crisis id
# The read that decides whether a callback has work: (SQL, parameters) for a crisis id; its
# callback is called when it returns a row.
Check = Callable[[uuid.UUID], tuple[str, Sequence[Any]]]
_callbacks: list[tuple[Callback, Check | None]] = []


def after_registration(callback: Callback, *, check: Check | None = None) -> None:
    if (callback, check) not in _callbacks:
        _callbacks.append((callback, check))


def registration_checks(crisis_id: uuid.UUID) -> list[tuple[str, Sequence[Any]]]:
    """The callbacks' checks for this crisis, in order, for a write that sends them after its
    commit; their answers go to `persons_registered(found=...)`."""
    return [check(crisis_id) for _, check in _callbacks if check is not None]


def persons_registered(crisis_id: uuid.UUID, *, found: Sequence[bool] | None = None) -> None:
    """Call the callbacks once the transaction commits (at once outside one). `found`: the
    answers of `registration_checks`, when the write has already committed and run them."""
    if found is not None:
        answers = iter(found)
        for callback, check in _callbacks:
            if check is None or next(answers):
                callback(crisis_id)
        return
    for callback, check in _callbacks:
        if check is None:
            transaction.on_commit(functools.partial(callback, crisis_id))
        else:
            transaction.on_commit(functools.partial(call_if_found, callback, check, crisis_id))


def call_if_found(callback: Callback, check: Check, crisis_id: uuid.UUID) -> None:
    """Run the check as a statement of its own and call the callback when it finds a row."""
    with fixed_statement(*check(crisis_id)) as cursor:
        has_work = cursor.fetchone() is not None
    if has_work:
        callback(crisis_id)
