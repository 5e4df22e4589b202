"""Django's database connections looked up without asgiref's cost in a thread with no event loop.

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
"""

from __future__ import annotations

import threading
from asyncio import _get_running_loop
from typing import Any

from django.db import connections


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
