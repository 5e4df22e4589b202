"""POST /persons answers, byte for byte and header for header, what ninja's own answer path gives
for the same result (its response model, its stock JSON renderer), and what a GET of the same
person gives (compatriot/answers.py `schema_answer`)."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import resolve
from ninja import Status
from ninja.operation import Operation
from ninja.renderers import JSONRenderer

from compatriot.answers import RENDERER
from compatriot.api import api
from compatriot.people import api as people_api
from compatriot.people.tests.test_write_shortcuts import PAYLOADS


def _operation(path: str, method: str) -> Operation:
    """The bound operation behind a URL (ninja keeps it in its view function's closure)."""
    view: Any = resolve(path).func
    path_view = next(
        cell.cell_contents for cell in view.__closure__ if hasattr(cell.cell_contents, "operations")
    )
    return next(op for op in path_view.operations if method in op.methods)


@pytest.mark.django_db
def test_the_write_answers_what_ninjas_own_path_answers(client_a, person_payload, monkeypatch):
    operation = _operation("/api/v1/persons", "POST")
    pairs: list[tuple[Any, Any]] = []

    def seen(response: HttpResponse) -> tuple[int, bytes, list[tuple[str, str]]]:
        # as the view hands it over: the middleware adds its headers to the same object later
        return response.status_code, response.content, list(response.headers.items())

    ours_alone = people_api.schema_answer

    def alongside(request: HttpRequest, schema: Any, data: Any, *, status: int) -> HttpResponse:
        ours = ours_alone(request, schema, data, status=status)
        api.renderer = JSONRenderer()  # ninja's stock renderer, for its own path
        try:
            temporal = api.create_temporal_response(request)
            stock = operation._result_to_response(request, Status(status, data), temporal)
        finally:
            api.renderer = RENDERER
        pairs.append((seen(ours), seen(stock)))
        return ours

    monkeypatch.setattr(people_api, "schema_answer", alongside)
    for number, overrides in enumerate(PAYLOADS):
        payload = person_payload(**{"source_record_id": f"bytes-{number}", **overrides})
        response = client_a.post("/persons", payload)
        assert response.status_code == 201, response.json()
        assert response.content == pairs[-1][0][1]
    assert len(pairs) == len(PAYLOADS)
    for ours, stock in pairs:
        assert ours == stock
        assert ours[0] == 201


@pytest.mark.django_db
def test_the_write_answers_what_a_read_of_the_person_answers(client_a, person_payload):
    for number, overrides in enumerate(PAYLOADS):
        payload = person_payload(**{"source_record_id": f"read-{number}", **overrides})
        written = client_a.post("/persons", payload)
        assert written.status_code == 201, written.json()
        read = client_a.get(f"/persons/{written.json()['id']}")
        assert read.status_code == 200
        assert written.content == read.content
        assert written.headers["Content-Type"] == read.headers["Content-Type"]
        assert written.headers["Content-Length"] == str(len(written.content))


@pytest.mark.django_db
def test_an_answer_that_does_not_fit_the_schema_is_still_an_error(
    client_a, person_payload, monkeypatch
):
    person_out = people_api.person_out

    def without_version(person: Any) -> dict[str, object]:
        out = person_out(person)
        del out["version"]
        return out

    monkeypatch.setattr(people_api, "person_out", without_version)
    with pytest.raises(pydantic.ValidationError):
        client_a.post("/persons", person_payload(source_record_id="misfit"))
