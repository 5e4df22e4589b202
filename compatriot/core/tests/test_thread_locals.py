"""Django's connections read through SyncFirstLocal and its per-request context Locals through
ContextLocal: the same storage as asgiref's Locals, in sync threads and in an event loop, for
reads, writes, deletes and missing names."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from asgiref.local import Local
from django.db import DEFAULT_DB_ALIAS, connection, connections

from compatriot.core.thread_locals import (
    ContextLocal,
    SyncFirstLocal,
    connections_store,
    speed_up_connection_lookups,
    speed_up_request_locals,
    wraps_asgiref_local,
    wraps_context_local,
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


# Django's per-request context Locals (the translation, the URLconf, the script prefix).


def test_djangos_request_locals_are_read_through_it() -> None:
    from django.urls import base as urls
    from django.utils.translation import trans_real

    urlconfs = vars(urls)["_urlconfs"]
    assert isinstance(urlconfs, ContextLocal)
    assert isinstance(vars(urls)["_prefixes"], ContextLocal)
    # Django's test signals replace the translation's Local when a language setting changes.
    assert isinstance(vars(trans_real)["_active"], ContextLocal | type(Local()))
    speed_up_request_locals()  # once only: not wrapped twice
    assert vars(urls)["_urlconfs"] is urlconfs
    assert not isinstance(object.__getattribute__(urlconfs, "_local"), ContextLocal)


def test_it_behaves_as_asgirefs_context_local() -> None:
    expected = _scenario(Local())
    # Unlike the thread-critical Local, another thread starts empty and an event loop in this
    # thread sees this thread's value (a context variable, copied into the loop's context).
    assert expected == [1, True, False, "default", False, 2, 1, True, 3, False, 1, False]
    assert _scenario(ContextLocal(Local())) == expected


def test_a_write_of_the_value_already_there_keeps_it_for_every_reader() -> None:
    local = Local()
    wrapper = ContextLocal(local)
    value = object()
    local.value = value
    wrapper.value = value  # skipped: asgiref holds it already
    assert local.value is value
    assert wrapper.value is value
    wrapper.value = other = object()
    assert local.value is other
    seen: list[bool] = []
    thread = threading.Thread(target=lambda: seen.append(hasattr(wrapper, "value")))
    thread.start()
    thread.join()
    assert seen == [False]  # another thread's storage is its own, as asgiref's
    del wrapper.value
    assert not hasattr(local, "value")


def test_a_value_set_in_a_task_stays_in_its_context() -> None:
    local = Local()
    wrapper = ContextLocal(local)
    local.value = "outer"

    async def task() -> str:
        wrapper.value = "inner"
        return str(wrapper.value)

    async def main() -> list[str]:
        inner = await asyncio.create_task(task())
        return [inner, wrapper.value]

    assert asyncio.run(main()) == ["inner", "outer"]
    assert wrapper.value == "outer"


def test_only_asgirefs_context_local_is_wrapped() -> None:
    assert wraps_context_local(Local())
    assert not wraps_context_local(Local(thread_critical=True))
    assert not wraps_context_local(ContextLocal(Local()))
    assert not wraps_context_local(threading.local())
    assert not wraps_context_local(object())


def test_the_active_language_and_urlconf_read_through_it() -> None:
    from django.urls import get_urlconf, set_urlconf
    from django.utils import translation

    with translation.override("uk"):
        assert translation.get_language() == "uk"
    set_urlconf("compatriot.urls")
    assert get_urlconf() == "compatriot.urls"
    set_urlconf(None)
    assert get_urlconf("none") == "none"
