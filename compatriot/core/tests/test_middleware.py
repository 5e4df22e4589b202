"""The browser-only middleware (sessions, user, messages) runs for the web pages and is bypassed
for the bearer-token API, which answers the same without it; the language applies to both.
Caches are closed after a request only when a configured backend closes something."""

from __future__ import annotations

import pytest
from django.core.cache import close_caches
from django.core.cache.backends.base import BaseCache
from django.core.signals import request_finished
from django.test import Client, override_settings
from django.utils.module_loading import import_string


def test_web_pages_still_get_a_language_and_a_user(db) -> None:
    response = Client().get("/login/", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fr"
    assert response.wsgi_request.user.is_authenticated is False
    assert hasattr(response.wsgi_request, "session")


def test_the_api_runs_without_the_browser_middleware(client_a) -> None:
    response = client_a.get("/tokens")
    assert response.status_code == 200
    request = response.wsgi_request
    assert not hasattr(request, "session")
    assert not hasattr(request, "user")
    assert not hasattr(request, "_messages")
    assert "sessionid" not in response.cookies


def test_the_api_still_follows_accept_language(client_a) -> None:
    client_a.headers["Accept-Language"] = "fr"
    response = client_a.get("/tokens")
    assert response.headers["Content-Language"] == "fr"
    assert "sessionid" not in response.cookies


def test_the_api_refuses_without_a_token_as_before(db) -> None:
    response = Client().post("/api/v1/persons", "{}", content_type="application/json")
    assert response.status_code == 401


def _closes_caches() -> bool:
    return close_caches in [receiver() for _, receiver, _ in request_finished.receivers]


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.dummy.DummyCache",
    ],
)
def test_caches_whose_close_does_nothing_are_not_closed_after_each_request(backend: str) -> None:
    assert import_string(backend).close is BaseCache.close
    with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": "redis://x"}}):
        assert not _closes_caches()
    assert not _closes_caches()  # the settings' local-memory cache


def test_a_cache_that_closes_its_connections_is_closed_after_each_request() -> None:
    memcached = {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache"}
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    with override_settings(CACHES={"default": local, "sessions": memcached}):
        assert _closes_caches()
        with override_settings(CACHES={"default": local}):
            assert not _closes_caches()
        assert _closes_caches()
    assert not _closes_caches()


def test_a_request_still_ends_with_djangos_other_receivers(db) -> None:
    names = {receiver().__name__ for _, receiver, _ in request_finished.receivers}
    assert {"close_old_connections", "reset_urlconf"} <= names
    assert Client().get("/api/v1/health").status_code == 200
