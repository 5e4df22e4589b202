"""Unknown query parameters are an error on every GET of the API, as unknown body fields are
(StrictIn): a misspelt filter (`?vulnerabilty=pregnant`) must not answer the whole list
unfiltered, nor a field that is no filter (`?name=Okafor`) ride in URLs and logs unremarked.

compatriot.api applies `known_query_only` to every operation; the keys an operation knows are
those ninja reads for it (its Query schemas' fields and its plain query arguments), so a new
filter is known as soon as it is declared.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest

from compatriot.core.errors import InvalidInputError

View = TypeVar("View", bound=Callable[..., Any])

# Longest unknown key named back in an answer.
_KEY_SHOWN = 100


def refuses_query(**messages: str) -> Callable[[View], View]:
    """Query keys an endpoint refuses with a message of its own rather than as unknown (the way
    to do what the caller meant), e.g. `@refuses_query(q="... POST /persons/search")`."""

    def mark(view: View) -> View:
        view.refused_query = messages  # type: ignore[attr-defined]
        return view

    return mark


def _known_keys(operation: Any) -> frozenset[str]:
    return frozenset(
        key
        for model in operation.models
        if model.__ninja_param_source__ == "query"
        for key in model.__ninja_flatten_map__
    )


def known_query_only(view: View) -> View:
    """A ninja operation decorator (mode "operation": after authentication and validation) that
    answers 422, naming the key, for a GET with a query key the operation does not read. Other
    methods are left as they are: nothing added to a write's path."""
    operation = view._ninja_operation  # type: ignore[attr-defined]  # set by ninja's router
    if "GET" not in operation.methods:
        return view
    known = _known_keys(operation)
    refused: dict[str, str] = getattr(view, "refused_query", {})
    takes = ", ".join(sorted(known)) or "no query parameters"

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        for key in request.GET:
            if key not in known:
                message = (
                    refused.get(key) or f"unknown query parameter; this endpoint takes {takes}"
                )
                raise InvalidInputError(message, field=key[:_KEY_SHOWN])
        return view(request, *args, **kwargs)

    return checked  # type: ignore[return-value]
