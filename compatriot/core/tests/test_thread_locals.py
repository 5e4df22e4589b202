"""Django's connections read through SyncFirstLocal: the same storage as asgiref's Local, in sync
threads and in an event loop, for reads, writes, deletes and missing names."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from asgiref.local import Local
from django.db import DEFAULT_DB_ALIAS, connection, connections

from compatriot.core.thread_locals import (
    SyncFirstLocal,
    connections_store,
    speed_up_connection_lookups,
    wraps_asgiref_local,
)


def test_djangos_connections_are_read_through_it() -> None:
    store = connections_store()
    assert isinstance(store, SyncFirstLocal)
    speed_up_connection_lookups()  # once only: not wrapped twice
    assert connections_store() is store


def test_the_connection_is_the_one_asgirefs_local_holds(db) -> None:
    store = connections_store()
    wrapped = object.__getattribute__(store, "_local")
    assert connections[DEFAULT_DB_ALIAS] is getattr(wrapped, DEFAULT_DB_ALIAS)
    assert connection.alias == DEFAULT_DB_ALIAS
    assert connections.all(initialized_only=True) == [connections[DEFAULT_DB_ALIAS]]


def _scenario(local: Any) -> list[object]:
    """What a sync thread, another thread and an event loop see through `local`."""
    seen: list[object] = []
    local.value = 1
    seen += [local.value, hasattr(local, "value"), hasattr(local, "missing")]
    seen.append(getattr(local, "missing", "default"))
    with pytest.raises(AttributeError):
        local.missing  # noqa: B018  the read is the test
    other: list[object] = []

    def in_another_thread() -> None:
        other.append(hasattr(local, "value"))
        local.value = 2
        other.append(local.value)

    thread = threading.Thread(target=in_another_thread)
    thread.start()
    thread.join()
    seen += [*other, local.value]

    async def in_a_loop() -> list[object]:
        inside: list[object] = [hasattr(local, "value")]
        local.value = 3
        inside.append(local.value)
        del local.value
        inside.append(hasattr(local, "value"))
        return inside

    seen += asyncio.run(in_a_loop())
    seen.append(local.value)  # the loop's storage was its own
    del local.value
    seen.append(hasattr(local, "value"))
    with pytest.raises(AttributeError):
        del local.value
    return seen


def test_it_behaves_as_asgirefs_thread_critical_local() -> None:
    expected = _scenario(Local(thread_critical=True))
    assert expected == [1, True, False, "default", False, 2, 1, False, 3, False, 1, False]
    assert _scenario(SyncFirstLocal(Local(thread_critical=True))) == expected


def test_writes_through_either_are_seen_through_both() -> None:
    local = Local(thread_critical=True)
    wrapper = SyncFirstLocal(local)
    wrapper.a = "through the wrapper"
    local.b = "through the local"
    assert (local.a, wrapper.b) == ("through the wrapper", "through the local")
    del local.a
    assert not hasattr(wrapper, "a")


def test_only_asgirefs_thread_critical_local_is_wrapped() -> None:
    assert wraps_asgiref_local(Local(thread_critical=True))
    assert not wraps_asgiref_local(Local())  # context-variable storage, not a threading.local
    assert not wraps_asgiref_local(threading.local())
    assert not wraps_asgiref_local(object())
