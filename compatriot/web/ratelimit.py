"""A fixed-window rate limit per client address, kept in Django's cache."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_key(request: HttpRequest, scope: str) -> str:
    # The address is hashed: cache keys may end up in a shared Redis, and an address is personal.
    address = request.META.get("REMOTE_ADDR", "")
    return "web-rate:" + scope + ":" + hashlib.sha256(address.encode()).hexdigest()[:32]


def allow(request: HttpRequest, scope: str) -> bool:
    """Count one attempt; False once the client has made more than the limit in the window."""
    limit, window = settings.WEB_PUBLIC_RATE_LIMIT
    key = client_key(request, scope)
    cache.add(key, 0, timeout=window)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        attempts = 1
    return attempts <= limit
