"""POST /persons answers, byte for byte and header for header, what ninja's own answer path gives
for the same person (its response model validating `person_out`, its stock JSON renderer), and
what a GET of the same person gives: the write's `person_answer`, rendered by `json_answer`
(compatriot/answers.py) without validation, is exactly the schema's validated dump."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import resolve
from ninja import Status
from ninja.operation import Operation
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from compatriot.answers import RENDERER, as_encoded_text, text_fields
from compatriot.core.viewer import Viewer
from compatriot.people import api as people_api
from compatriot.people import services
from compatriot.people.models import Person
from compatriot.people.schemas import ConsentOut, NeedOut, PersonIn, PersonOut, VulnerabilityOut
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
    api = operation.api
    stock_answers: list[tuple[int, bytes, list[tuple[str, str]]]] = []
    answers: list[tuple[int, bytes, list[tuple[str, str]]]] = []
    person_answer, json_answer = people_api.person_answer, people_api.json_answer

    def seen(response: HttpResponse) -> tuple[int, bytes, list[tuple[str, str]]]:
        # as the view hands it over: the middleware adds its headers to the same object later
        return response.status_code, response.content, list(response.headers.items())

    def alongside(person: Person) -> dict[str, object]:
        """ninja's own answer for the same person: `person_out` through its response model."""
        request = RequestFactory().post("/api/v1/persons")
        api.renderer = JSONRenderer()  # ninja's stock renderer, for its own path
        try:
            temporal = api.create_temporal_response(request)
            result = Status(201, people_api.person_out(person))
            stock_answers.append(seen(operation._result_to_response(request, result, temporal)))
        finally:
            api.renderer = RENDERER
        return person_answer(person)

    def answered(request: HttpRequest, data: object, *, status: int) -> HttpResponse:
        response = json_answer(request, data, status=status)
        answers.append(seen(response))
        return response

    monkeypatch.setattr(people_api, "person_answer", alongside)
    monkeypatch.setattr(people_api, "json_answer", answered)
    for number, overrides in enumerate(PAYLOADS):
        payload = person_payload(**{"source_record_id": f"bytes-{number}", **overrides})
        response = client_a.post("/persons", payload)
        assert response.status_code == 201, response.json()
        assert response.content == answers[-1][1]
    assert len(answers) == len(stock_answers) == len(PAYLOADS)
    for ours, stock in zip(answers, stock_answers, strict=True):
        assert ours == stock
        assert ours[0] == 201


@pytest.fixture
def actor(make_member, org_a) -> Viewer:
    user = make_member(org_a, "caseworker")
    return Viewer(user.id, org_a.id, org_a.kind, "caseworker", False)


@pytest.mark.django_db
def test_the_write_answers_the_schemas_validated_dump(actor, person_payload):
    for number, overrides in enumerate(PAYLOADS):
        data = PersonIn.model_validate(
            person_payload(**{"source_record_id": f"dump-{number}", **overrides})
        )
        person = services.person_register(actor, data=data)
        answer = people_api.person_answer(person)
        dumped = PersonOut.model_validate(people_api.person_out(person)).model_dump()
        # its UUIDs and datetimes already the renderer's text (the bytes are compared below)
        assert answer == _as_encoded_text(dumped)
        assert list(answer) == list(dumped)  # the schema's order, in the text too
        for name in ("vulnerabilities", "needs", "consents"):
            for ours, schemas in zip(answer[name], dumped[name], strict=True):
                assert list(ours) == list(schemas)
        assert json.dumps(answer, cls=NinjaJSONEncoder) == json.dumps(dumped, cls=NinjaJSONEncoder)


def _as_encoded_text(dumped: dict[str, Any]) -> dict[str, Any]:
    """The schema's dump with its UUIDs and datetimes as the renderer's encoder writes them."""
    row = as_encoded_text(dict(dumped), text_fields(PersonOut))
    for name, schema in (
        ("vulnerabilities", VulnerabilityOut),
        ("needs", NeedOut),
        ("consents", ConsentOut),
    ):
        row[name] = [as_encoded_text(dict(item), text_fields(schema)) for item in row[name]]
    return row


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
