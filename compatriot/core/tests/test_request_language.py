"""The project's LocaleMiddleware (the language remembered per cookie and Accept-Language) and the
bearer-token hook reading `META`: the same answers as Django's middleware and ninja's hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.test import Client, RequestFactory, override_settings
from django.utils import translation
from django.utils.translation import gettext
from ninja.security import HttpBearer

from compatriot import auth
from compatriot.middleware import _LANGUAGES, LocaleMiddleware

ACCEPT_LANGUAGES = [
    None, "", "fr", "fr-FR,fr;q=0.9,en;q=0.8", "ar", "ar-EG", "uk-UA,uk;q=0.9,ru;q=0.8",
    "es-419", "es;q=0.1,pt;q=0.5", "pt-BR", "ru", "en-US,en;q=0.9", "de", "zh-Hans", "*",
    "*, fr", "xx-yy", "garbage!!", ";;;,,,", "q=1", "fr;q=abc,uk", "a" * 600, "ﾌﾗﾝｽ",
]  # fmt: skip
COOKIES = [None, "fr", "uk", "es", "de", "xx", "", "ar;"]
PATHS = ["/api/v1/persons", "/login/", "/"]


def _view(request: HttpRequest) -> HttpResponse:
    """What a view sees of the language, and a header some views set themselves."""
    response = HttpResponse(f"{translation.get_language()}|{gettext('This field is required.')}")
    if request.GET.get("vary"):
        response.headers["Vary"] = request.GET["vary"]
    if request.GET.get("switch"):
        translation.activate(request.GET["switch"])
    return response


def _through(middleware: Callable[..., Any], request: HttpRequest) -> tuple[Any, ...]:
    translation.deactivate()
    response = middleware(_view)(request)
    seen = (request.LANGUAGE_CODE, response.status_code, response.content, response.items())
    translation.deactivate()
    return seen


def _request(path: str, accept: str | None, cookie: str | None, query: str = "") -> HttpRequest:
    request = RequestFactory().get(path + query)
    if accept is not None:
        request.META["HTTP_ACCEPT_LANGUAGE"] = accept
    if cookie is not None:
        request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
    return request


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("cookie", COOKIES)
def test_the_same_language_headers_and_translations_as_django(
    path: str, cookie: str | None
) -> None:
    _LANGUAGES.clear()
    for accept in ACCEPT_LANGUAGES * 2:  # the second time from the remembered choice
        expected = _through(DjangoLocaleMiddleware, _request(path, accept, cookie))
        assert _through(LocaleMiddleware, _request(path, accept, cookie)) == expected, accept


@pytest.mark.parametrize(
    "query", ["?vary=Cookie", "?vary=accept-language", "?vary=*", "?switch=uk", "?switch=es"]
)
def test_a_views_own_vary_and_language_are_kept_as_django_keeps_them(query: str) -> None:
    for accept in ["fr", "ar", None]:
        expected = _through(DjangoLocaleMiddleware, _request("/api/v1/x", accept, None, query))
        assert _through(LocaleMiddleware, _request("/api/v1/x", accept, None, query)) == expected


def test_changed_languages_are_not_answered_from_memory() -> None:
    assert _through(LocaleMiddleware, _request("/", "es", None))[0] == "es"
    with override_settings(LANGUAGES=[("en", "English"), ("fr", "French")]):
        assert _through(LocaleMiddleware, _request("/", "es", None))[0] == "en"
    assert _through(LocaleMiddleware, _request("/", "es", None))[0] == "es"


def test_odd_values_beyond_the_bound_are_chosen_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    _LANGUAGES.clear()
    monkeypatch.setattr("compatriot.middleware._LANGUAGES_KEPT", 2)
    for accept in ["fr", "uk", "es", "ar"]:
        assert _through(LocaleMiddleware, _request("/", accept, None))[0] == accept
    assert len(_LANGUAGES) == 2


STOCK_MIDDLEWARE = [
    m.replace("compatriot.middleware.LocaleMiddleware", "django.middleware.locale.LocaleMiddleware")
    for m in settings.MIDDLEWARE
]


@pytest.mark.parametrize("accept", ["uk", "ar", "fr-CA", "es", "garbage", None])
def test_api_answers_are_byte_identical(client_a: Any, accept: str | None) -> None:
    """Refusals (translated validation messages, no token) through the whole stack, both ways."""
    headers = dict(client_a.headers)
    if accept is not None:
        headers["Accept-Language"] = accept
    calls = [
        ("post", "/api/v1/persons", '{"given_name": 5, "birth_date": "soon"}', headers),
        ("post", "/api/v1/persons", "{}", {"Accept-Language": accept or ""}),
        ("get", "/api/v1/tokens", None, headers),
        ("get", "/api/v1/persons/not-a-uuid", None, headers),
    ]
    for method, path, body, sent in calls:
        answers = []
        for middleware in (STOCK_MIDDLEWARE, settings.MIDDLEWARE):
            with override_settings(MIDDLEWARE=middleware):
                client = Client()
                if body is None:
                    response = getattr(client, method)(path, headers=sent)
                else:
                    response = getattr(client, method)(
                        path, body, content_type="application/json", headers=sent
                    )
            answers.append((response.status_code, response.content, sorted(response.items())))
        assert answers[0] == answers[1], (path, accept)
        assert "Accept-Language" in dict(answers[1][2])["Vary"]


AUTHORIZATIONS = [
    None, "", "Bearer abc", "bearer abc", "BEARER abc", "Bearer", "Bearer ", "Bearer  abc",
    "Bearer a b c", "Basic abc", "Token abc", " Bearer abc", "Bearerabc", "Bearer\tabc",
]  # fmt: skip


class _Echo(auth.BearerToken):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return ("token", token, auth._purpose(request))


@pytest.mark.parametrize("authorization", AUTHORIZATIONS)
@pytest.mark.parametrize("purpose", [None, "", "case review", "a\x00b\u202ec", "p" * 300])
def test_the_token_hook_reads_the_same_header_as_ninjas(
    authorization: str | None, purpose: str | None
) -> None:
    def request() -> HttpRequest:
        made = RequestFactory().get("/api/v1/tokens")
        if authorization is not None:
            made.META["HTTP_AUTHORIZATION"] = authorization
        if purpose is not None:
            made.META["HTTP_X_PURPOSE"] = purpose
        return made

    ninjas = HttpBearer.__call__(_Echo(), request())
    assert _Echo()(request()) == ninjas
    if ninjas is not None:  # the purpose as read from request.headers before
        header = request().headers.get("X-Purpose", "api")
        assert ninjas[2] == auth.without_controls(header[:200])[:100]
