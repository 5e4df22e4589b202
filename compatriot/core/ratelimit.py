"""A fixed-window rate limit in Django's cache, for what anonymous visitors may send."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest

from compatriot.core.errors import DomainError, ErrorCode


class TooManyRequestsError(DomainError):
    status = 429
    default_code = ErrorCode.RATE_LIMITED


def client_key(request: HttpRequest) -> str:
    """The visitor's address, hashed: addresses are personal data and stay out of the cache."""
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def allow(request: HttpRequest, *, scope: str, per_window: int, window_seconds: int) -> bool:
    """Count one request of `scope`; False once the visitor has sent more than `per_window`."""
    key = f"ratelimit:{scope}:{client_key(request)}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= per_window


def limit(request: HttpRequest, *, scope: str, per_window: int, window_seconds: int) -> None:
    """Raise 429 once a visitor has sent `per_window` requests of `scope` in the window."""
    if not allow(request, scope=scope, per_window=per_window, window_seconds=window_seconds):
        raise TooManyRequestsError(
            "Too many requests from your connection; please try again later."
        )
