"""The public pages' rate limit: the platform's fixed window, sized by WEB_PUBLIC_RATE_LIMIT."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from compatriot.core import ratelimit


def allow(request: HttpRequest, scope: str) -> bool:
    """Count one attempt; False once the client has made more than the limit in the window."""
    per_window, window_seconds = settings.WEB_PUBLIC_RATE_LIMIT
    return ratelimit.allow(
        request, scope=f"web-{scope}", per_window=per_window, window_seconds=window_seconds
    )
