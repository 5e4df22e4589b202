"""Browser-only middleware, bypassed on the bearer-token API under /api/.

Sessions, the signed-in user, flash messages and the page's language serve the web pages. An API
request authenticates with its bearer token (compatriot.auth), answers JSON in English, and never
reads a session, `request.user` or a message; running these four for every API request cost
about a twentieth of the server's CPU per write (docs/benchmarks.md, *API write load*). CSRF,
security headers and the rest still run on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponseBase
from django.middleware import locale

API_PREFIX = "/api/"


class _BrowserOnly:
    """Pass /api/ requests straight on; everything else through the wrapped middleware."""

    async_capable = False  # WSGI only: Django adapts nothing around it
    get_response: Callable[[HttpRequest], HttpResponseBase]

    def __call__(self, request: HttpRequest) -> Any:
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]  # the middleware's own


class SessionMiddleware(_BrowserOnly, sessions.SessionMiddleware):
    pass


class LocaleMiddleware(_BrowserOnly, locale.LocaleMiddleware):
    pass


class AuthenticationMiddleware(_BrowserOnly, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(_BrowserOnly, messages.MessageMiddleware):
    pass
