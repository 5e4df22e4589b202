"""Django's thread and context locals read without asgiref's cost.

Django's database connections, looked up without asgiref's cost in a thread with no event loop:

Django keeps each thread's connections in an asgiref `Local(thread_critical=True)`: in a thread
with no running event loop its storage is a plain `threading.local`, in an event loop a context
variable. Every `connections[alias]` (and every attribute of `django.db.connection`) reads it,
about 15 times per API write: each read first fails the normal attribute look-up (an
AttributeError with its message formatted), then runs asgiref's `__getattr__`, which asks
`asyncio.get_running_loop()` and so raises and catches a RuntimeError in every sync thread.
That was ~10,000 instructions per read, ~5 % of a write's (docs/benchmarks.md, branch apipy).

`SyncFirstLocal` wraps that Local: with no running loop (`asyncio._get_running_loop()`, which
returns None instead of raising) it reads the very `threading.local` asgiref would read; in an
event loop, and for every write and delete, it asks the wrapped Local. Same storage, same values.

Django's per-request state in asgiref's default (context-variable) Locals, read directly: the
active translation (`translation.activate`, `get_language`), the URLconf (`set_urlconf`, set at
a request's start and removed at its end) and the script prefix (set on every request). Each
read of such a Local first fails the normal look-up (an AttributeError with its message
formatted), then takes the Local's lock and fails a second look-up on its storage before the
context variable is read: ~15,000 instructions a read, ~10,000 a write, four to six of them per
request. `ContextLocal` wraps such a Local: a read takes the context variable's value as
asgiref's own storage does (the thread's, or nothing), without the lock, which guards nothing a
read needs (asgiref replaces its dict on every write and never changes one in place); a write of
the value already there is skipped (asgiref's would store an equal copy); every other write and
delete is asgiref's.
"""

from __future__ import annotations

import threading
from asyncio import _get_running_loop
from typing import Any

from asgiref.local import Local
from django.db import connections
from django.urls import base as urls
from django.utils.translation import trans_real


class SyncFirstLocal:
    """An asgiref thread-critical `Local` whose reads in a sync thread go straight to its
    thread's storage (what its `_get_storage()` returns there)."""

    __slots__ = ("_local", "_thread")

    def __init__(self, local: Any) -> None:
        object.__setattr__(self, "_local", local)
        object.__setattr__(self, "_thread", object.__getattribute__(local, "_storage"))

    def __getattribute__(self, key: str) -> Any:
        # Every name is the wrapped Local's: the wrapper's own two are read by slot descriptors.
        if _get_running_loop() is None:
            return getattr(_THREAD(self), key)
        return getattr(_LOCAL(self), key)

    def __setattr__(self, key: str, value: Any) -> None:
        setattr(_LOCAL(self), key, value)

    def __delattr__(self, key: str) -> None:
        delattr(_LOCAL(self), key)


_THREAD = SyncFirstLocal._thread.__get__  # type: ignore[attr-defined]  # the slot's descriptor
_LOCAL = SyncFirstLocal._local.__get__  # type: ignore[attr-defined]


def wraps_asgiref_local(local: Any) -> bool:
    """Whether `local` is asgiref's thread-critical Local as this module knows it (asgiref 3.x:
    a `threading.local` as `_storage`, read through `_get_storage()` in a sync thread)."""
    storage = getattr(type(local), "_get_storage", None)
    try:
        thread = object.__getattribute__(local, "_storage")
    except AttributeError:
        return False
    return (
        type(local).__module__ == "asgiref.local"
        and storage is not None
        and isinstance(thread, threading.local)
    )


def speed_up_connection_lookups() -> None:
    """Wrap Django's store of database connections, once per process (CoreConfig.ready). Left
    as it is if it is not asgiref's thread-critical Local as expected (an asgiref upgrade that
    changes it then costs speed, not correctness)."""
    handler: Any = connections  # django-stubs do not declare the handler's store
    local = handler._connections
    if isinstance(local, SyncFirstLocal) or not wraps_asgiref_local(local):
        return
    handler._connections = SyncFirstLocal(local)


def connections_store() -> Any:
    """The store `connections[alias]` reads (SyncFirstLocal once wrapped)."""
    handler: Any = connections
    return handler._connections


class ContextLocal:
    """An asgiref default `Local` (context-variable storage) whose reads go straight to its
    context variable, and whose writes of the value already stored are skipped."""

    __slots__ = ("_local", "_variable")

    def __init__(self, local: Any) -> None:
        object.__setattr__(self, "_local", local)
        storage = object.__getattribute__(local, "_storage")
        object.__setattr__(self, "_variable", object.__getattribute__(storage, "_data"))

    def __getattribute__(self, key: str) -> Any:
        # asgiref's _CVar._storage(): only storage that belongs to this thread is visible.
        storage = _VARIABLE(self).get(None)
        if storage is not None and storage.thread_id == _get_ident():
            data = storage.data
            if key in data:
                return data[key]
        raise AttributeError(key)

    def __setattr__(self, key: str, value: Any) -> None:
        storage = _VARIABLE(self).get(None)
        if storage is not None and storage.thread_id == _get_ident():
            data = storage.data
            if key in data and data[key] is value:
                return
        setattr(_CONTEXT_LOCAL(self), key, value)

    def __delattr__(self, key: str) -> None:
        delattr(_CONTEXT_LOCAL(self), key)


_get_ident = threading.get_ident
_VARIABLE = ContextLocal._variable.__get__  # type: ignore[attr-defined]  # the slot's descriptor
_CONTEXT_LOCAL = ContextLocal._local.__get__  # type: ignore[attr-defined]


def wraps_context_local(local: Any) -> bool:
    """Whether `local` is asgiref's default Local as this module knows it (asgiref 3.13: a
    `_CVar` as `_storage` whose `_data` context variable holds a storage with `thread_id` and
    `data`): a scratch Local written through asgiref must read back the same through the
    wrapper, in this thread, and not be seen in another."""
    if type(local) is not type(Local()) or isinstance(local, ContextLocal):
        return False
    try:
        scratch = Local()
        wrapper = ContextLocal(scratch)
        scratch.value = probe = object()
        seen = [wrapper.value is probe, hasattr(wrapper, "missing")]
        other = threading.Thread(target=lambda: seen.append(hasattr(wrapper, "value")))
        other.start()
        other.join()
        del scratch.value
        seen.append(hasattr(wrapper, "value"))
        ContextLocal(local)  # its storage has the same shape
    except Exception:  # any other shape: leave the Local as it is
        return False
    return seen == [True, False, False, False]


def speed_up_request_locals() -> None:
    """Wrap Django's per-request context Locals (the active translation, the URLconf, the script
    prefix), once per process (CoreConfig.ready). A Local of another shape is left as it is.
    Django's test signals and the translation reloader replace the translation's Local with a
    new one: that one is then asgiref's, unwrapped (slower, the same values)."""
    for module, name in ((trans_real, "_active"), (urls, "_urlconfs"), (urls, "_prefixes")):
        local = getattr(module, name)
        if wraps_context_local(local):
            setattr(module, name, ContextLocal(local))
