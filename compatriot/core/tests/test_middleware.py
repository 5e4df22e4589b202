"""The browser-only middleware (sessions, user, messages) runs for the web pages and is bypassed
for the bearer-token API, which answers the same without it; the language applies to both."""

from __future__ import annotations

from django.test import Client


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
