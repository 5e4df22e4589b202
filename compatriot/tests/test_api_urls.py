"""The API's URL patterns with the busiest operation's first, and its temporal response: the same
resolution, OpenAPI document and answers as ninja's own."""

from __future__ import annotations

import re
import uuid

from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from ninja import NinjaAPI

from compatriot.api import BUSIEST_OPERATIONS, api


def _patterns(patterns: list[URLPattern | URLResolver]) -> list[URLPattern]:
    assert all(isinstance(pattern, URLPattern) for pattern in patterns)
    return patterns  # type: ignore[return-value]  # every one is a URLPattern (asserted)


def _ninjas() -> list[URLPattern]:
    patterns, _, _ = NinjaAPI.urls.fget(api)  # type: ignore[attr-defined]  # the property's getter
    return _patterns(patterns)


def _served() -> list[URLPattern]:
    mounted = [p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/"]
    assert isinstance(mounted[0], URLResolver)
    return _patterns(mounted[0].url_patterns)


def _key(pattern: URLPattern) -> tuple[str, str | None]:
    return str(pattern.pattern), pattern.name


def _example_path(route: str) -> str:
    """A path the route matches: each <parameter> an id (every API parameter takes one)."""
    return re.sub(r"<[^>]+>", str(uuid.UUID(int=7)), route)


def test_the_busiest_patterns_come_first_and_the_rest_in_ninjas_order() -> None:
    served, ninjas = [_key(p) for p in _served()], [_key(p) for p in _ninjas()]
    first = [key for key in ninjas if key[1] in BUSIEST_OPERATIONS]
    assert first == [("persons", "register_person")]
    assert served == first + [key for key in ninjas if key not in first]


def test_no_pattern_before_a_moved_one_matches_its_paths() -> None:
    """So every path resolves to the same pattern in both orders: a moved pattern was already
    the first to match its own paths, and it matches no other."""
    ninjas = _ninjas()
    for index, pattern in enumerate(ninjas):
        if pattern.name in BUSIEST_OPERATIONS:
            assert not pattern.pattern.converters  # one path only: its route
            path = str(pattern.pattern)
            assert all(earlier.resolve(path) is None for earlier in ninjas[:index])


def test_every_route_resolves_as_in_ninjas_order() -> None:
    served, ninjas = _served(), _ninjas()
    for pattern in ninjas:
        path = _example_path(str(pattern.pattern))
        ours = next(match for p in served if (match := p.resolve(path)) is not None)
        theirs = next(match for p in ninjas if (match := p.resolve(path)) is not None)
        assert (ours.url_name, ours.kwargs, ours.route) == (
            theirs.url_name,
            theirs.kwargs,
            theirs.route,
        )


def test_the_openapi_document_keeps_ninjas_order() -> None:
    """The document is built from the routers: its paths come in the patterns' first-seen order
    in ninja's list, not in the order Django tries them."""
    prefix = "/api/v1/"
    documented = list(api.get_openapi_schema(path_prefix=prefix)["paths"])
    in_ninjas_order = []
    for pattern in _ninjas():
        route = prefix + re.sub(r"<([^>:]+:)?([^>]+)>", r"{\2}", str(pattern.pattern))
        if route in documented and route not in in_ninjas_order:
            in_ninjas_order.append(route)
    assert in_ninjas_order == documented


def test_the_temporal_response_is_ninjas() -> None:
    request = RequestFactory().get("/api/v1/tokens")
    ours, theirs = (
        api.create_temporal_response(request),
        NinjaAPI.create_temporal_response(api, request),
    )
    assert type(ours) is type(theirs) is HttpResponse
    assert (ours.status_code, ours.content, ours.charset, sorted(ours.items())) == (
        theirs.status_code,
        theirs.content,
        theirs.charset,
        sorted(theirs.items()),
    )
