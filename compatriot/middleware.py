"""Browser-only middleware, bypassed on the bearer-token API under /api/.

Sessions, the signed-in user and flash messages serve the web pages. An API request
authenticates with its bearer token (compatriot.auth) and never reads a session, `request.user`
or a message, so running these three for it only cost CPU (docs/benchmarks.md, *API write
load*). The language still follows Accept-Language on the API (Django's validation messages are
translated), and CSRF, security headers and the rest run on every request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest

API_PREFIX = "/api/"


class _BrowserOnly:
    """Pass /api/ requests straight on; everything else through the wrapped middleware."""

    async_capable = False  # WSGI only: Django adapts nothing around it

    def __call__(self, request: HttpRequest) -> Any:
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)  # type: ignore[attr-defined]  # the middleware's
        return super().__call__(request)  # type: ignore[misc]  # the middleware's own


class SessionMiddleware(_BrowserOnly, sessions.SessionMiddleware):
    pass


class AuthenticationMiddleware(_BrowserOnly, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(_BrowserOnly, messages.MessageMiddleware):
    pass
