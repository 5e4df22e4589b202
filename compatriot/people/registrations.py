"""What other apps want done once persons are registered (by a form, the API or an import), or
consent to family tracing.

Apps above people (tracing re-checks its open requests) add a callback in their
`AppConfig.ready()`: people may not import them. Every registration path calls
`persons_registered` explicitly; the callbacks run after the transaction commits, so they see the
new rows and a rollback calls nothing. They must be cheap (schedule a task, not do the work).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable

from django.db import transaction

Callback = Callable[[uuid.UUID], None]  # called with the crisis id
_callbacks: list[Callback] = []


def after_registration(callback: Callback) -> None:
    if callback not in _callbacks:
        _callbacks.append(callback)


def persons_registered(crisis_id: uuid.UUID) -> None:
    for callback in _callbacks:
        transaction.on_commit(functools.partial(callback, crisis_id))
