"""Browser-only middleware, bypassed on the bearer-token API under /api/.

Sessions, the signed-in user and flash messages serve the web pages. An API request
authenticates with its bearer token (compatriot.auth) and never reads a session, `request.user`
or a message, so running these three for it only cost CPU (docs/benchmarks.md, *API write
load*). The language still follows Accept-Language on the API (Django's validation messages are
translated), and CSRF, security headers and the rest run on every request.

`LocaleMiddleware` is Django's, its choice of language remembered per cookie and Accept-Language.

Django closes every cache in use after each request; that is skipped while no configured cache
backend has anything to close (`close_caches_when_needed`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.core import signals
from django.core.cache import close_caches
from django.core.cache.backends.base import BaseCache
from django.core.signals import setting_changed
from django.dispatch import receiver  # noqa: TID251  Django's settings, not domain logic
from django.http import HttpRequest, HttpResponseBase
from django.middleware import locale
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

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


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's LocaleMiddleware, with the request's language (and its code, `LANGUAGE_CODE`)
    remembered per language cookie and Accept-Language value while the URLconf has no
    `i18n_patterns`.

    Without language-prefixed paths Django's choice depends on the cookie and the header only
    (`get_language_from_request` without the path), so its answer for a pair of values is
    remembered; the path's language, which Django looks up twice per request and never uses then,
    is not looked up. Responses are the same: `Vary: Accept-Language` and `Content-Language` of the
    active language. With `i18n_patterns`, Django's own middleware runs."""

    async_capable = False  # WSGI only: Django adapts nothing around it

    def __call__(self, request: HttpRequest) -> Any:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return super().__call__(request)
        key = (request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME), request.META.get(_ACCEPT))
        chosen = _LANGUAGES.get(key)
        if chosen is None:
            language = translation.get_language_from_request(request)
            translation.activate(language)
            # What get_language() answers once `language` is active depends on it alone (its
            # translation's code), and each read of the active language costs ~30,000
            # instructions (asgiref's Local): remembered with it.
            chosen = language, translation.get_language()
            if len(_LANGUAGES) < _LANGUAGES_KEPT:
                _LANGUAGES[key] = chosen
        else:
            translation.activate(chosen[0])
        request.LANGUAGE_CODE = chosen[1]
        response: HttpResponseBase = self.get_response(request)  # type: ignore[assignment]  # WSGI
        if response.has_header("Vary"):
            patch_vary_headers(response, ("Accept-Language",))
        else:  # what patch_vary_headers writes then
            response.headers["Vary"] = "Accept-Language"
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


_ACCEPT = "HTTP_ACCEPT_LANGUAGE"
# Bounded, like Django's own caches of parsed headers: odd values beyond it are chosen afresh.
_LANGUAGES_KEPT = 1000
# (cookie, Accept-Language) -> (the language chosen, get_language() once it is active)
_LANGUAGES: dict[tuple[str | None, str | None], tuple[str, str]] = {}


@receiver(setting_changed)
def _forget_languages(*, setting: str, **kwargs: Any) -> None:
    """Tests that change the languages (Django clears its own caches then too)."""
    if setting in {
        "LANGUAGES",
        "LANGUAGE_CODE",
        "LOCALE_PATHS",
        "LANGUAGE_COOKIE_NAME",
        "USE_I18N",
    }:
        _LANGUAGES.clear()


def close_caches_when_needed() -> None:
    """Django's `close_caches` on `request_finished` only while a configured cache backend closes
    something. The local-memory and Redis backends (the settings' two) keep BaseCache's `close`,
    which does nothing, yet looking for the caches in use cost 11 to 18 µs of CPU per request
    (docs/benchmarks.md, branch apiframe2). Memcached's closes its connections: then it runs."""
    backends = [import_string(cache["BACKEND"]) for cache in settings.CACHES.values()]
    if any(backend.close is not BaseCache.close for backend in backends):
        signals.request_finished.connect(close_caches)
    else:
        signals.request_finished.disconnect(close_caches)


close_caches_when_needed()


@receiver(setting_changed)
def _caches_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "CACHES":
        close_caches_when_needed()
