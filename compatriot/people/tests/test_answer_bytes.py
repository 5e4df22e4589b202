"""POST /persons answers, byte for byte and header for header, what ninja's own answer path gives
for the same person (its response model validating `person_out`, its stock JSON renderer), and
what a GET of the same person gives: the write's `PERSON_TEXT`, written by `AnswerText`
(compatriot/answers.py) without validation or a dict, is exactly the schema's validated dump."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve
from ninja import Status
from ninja.operation import Operation
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from compatriot.answers import RENDERER
from compatriot.core.viewer import Viewer
from compatriot.people import api as people_api
from compatriot.people import services
from compatriot.people.models import Person
from compatriot.people.schemas import PersonIn, PersonOut
from compatriot.people.tests.test_write_shortcuts import PAYLOADS


def _operation(path: str, method: str) -> Operation:
    """The bound operation behind a URL (ninja keeps it in its view function's closure)."""
    view: Any = resolve(path).func
    path_view = next(
        cell.cell_contents for cell in view.__closure__ if hasattr(cell.cell_contents, "operations")
    )
    return next(op for op in path_view.operations if method in op.methods)


# Text of every kind the write accepts, as a person's names, places and details (the renderer
# escapes them to ASCII): quotes, backslashes, an escape's text, a script tag, RTL and its marks,
# separators JSON allows raw, astral characters, characters beyond the BMP.
HOSTILE = [
    'q"uo\\te/ </script> \\u0000 %s {}',
    "\u202eعربي\u202c \u05e2\u05d1 \u200f\u200e",
    "A\u2028B\u2029C",
    "𝔘𝔫𝔦😀👨\u200d👩\u200d👧 𝒳",
    "\ud7fb Ωμέγα आदित्य ½ \u00a0",
]
ALL_PAYLOADS = [
    *PAYLOADS,
    *(
        {
            "given_name": text,
            "family_name": text[::-1],
            "given_name_latin": "Latin " + text[:3],
            "admin_area": text,
            "place_name": text,
            "email": "x@example.org",
            "vulnerabilities": [{"code": "disability", "note": text}],
            "needs": [{"category": "food", "urgency": "high", "details": text}],
            "consents": [{"scope": "registration", "method": "verbal"}],
        }
        for text in HOSTILE
    ),
    # Values the database gives back in another form: a consent given in another zone, or
    # without one (both UTC), and a coordinate of -0.0 (0.0). The write answers as the read will.
    {
        "consents": [
            {"scope": "registration", "method": "verbal", "given_at": "2026-12-01T10:00:00+02:00"}
        ]
    },
    {
        "consents": [
            {"scope": "registration", "method": "verbal", "given_at": "2026-12-01T10:00:00"}
        ]
    },
    {"latitude": -0.0, "longitude": -0.0},
]


@pytest.mark.django_db
def test_the_write_answers_what_ninjas_own_path_answers(client_a, person_payload, monkeypatch):
    operation = _operation("/api/v1/persons", "POST")
    api = operation.api
    stock_answers: list[tuple[int, bytes, list[tuple[str, str]]]] = []
    answers: list[tuple[int, bytes, list[tuple[str, str]]]] = []
    register, text_answer = services.person_register, people_api.text_answer

    def seen(response: HttpResponse) -> tuple[int, bytes, list[tuple[str, str]]]:
        # as the view hands it over: the middleware adds its headers to the same object later
        return response.status_code, response.content, list(response.headers.items())

    def alongside(*args: Any, **kwargs: Any) -> Person:
        """ninja's own answer for the same person: `person_out` through its response model."""
        person = register(*args, **kwargs)
        request = RequestFactory().post("/api/v1/persons")
        api.renderer = JSONRenderer()  # ninja's stock renderer, for its own path
        try:
            temporal = api.create_temporal_response(request)
            result = Status(201, people_api.person_out(person))
            stock_answers.append(seen(operation._result_to_response(request, result, temporal)))
        finally:
            api.renderer = RENDERER
        return person

    def answered(text: str, *, status: int) -> HttpResponse:
        response = text_answer(text, status=status)
        answers.append(seen(response))
        return response

    monkeypatch.setattr(services, "person_register", alongside)
    monkeypatch.setattr(people_api, "text_answer", answered)
    for number, overrides in enumerate(ALL_PAYLOADS):
        payload = person_payload(**{"source_record_id": f"bytes-{number}", **overrides})
        response = client_a.post("/persons", payload)
        assert response.status_code == 201, response.json()
        assert response.content == answers[-1][1]
    assert len(answers) == len(stock_answers) == len(ALL_PAYLOADS)
    for ours, stock in zip(answers, stock_answers, strict=True):
        assert ours == stock
        assert ours[0] == 201


@pytest.fixture
def actor(make_member, org_a) -> Viewer:
    user = make_member(org_a, "caseworker")
    return Viewer(user.id, org_a.id, org_a.kind, "caseworker", False)


@pytest.mark.django_db
def test_the_write_answers_the_schemas_validated_dump(actor, person_payload):
    request = RequestFactory().post("/api/v1/persons")
    for number, overrides in enumerate(ALL_PAYLOADS):
        data = PersonIn.model_validate(
            person_payload(**{"source_record_id": f"dump-{number}", **overrides})
        )
        person = services.person_register(actor, data=data)
        text = people_api.PERSON_TEXT.text(person)
        dumped = PersonOut.model_validate(people_api.person_out(person)).model_dump()
        assert text.encode("ascii") == RENDERER.render(request, dumped, response_status=201)
        assert json.loads(text) == json.loads(json.dumps(dumped, cls=NinjaJSONEncoder))
        assert list(json.loads(text)) == list(PersonOut.model_fields)  # the schema's order


@pytest.mark.django_db
def test_the_write_answers_what_a_read_of_the_person_answers(client_a, person_payload):
    for number, overrides in enumerate(ALL_PAYLOADS):
        payload = person_payload(**{"source_record_id": f"read-{number}", **overrides})
        written = client_a.post("/persons", payload)
        assert written.status_code == 201, written.json()
        read = client_a.get(f"/persons/{written.json()['id']}")
        assert read.status_code == 200
        if "+02:00" in str(payload):  # given in another zone: the same instant, in UTC
            assert written.json()["consents"][0]["given_at"] == "2026-12-01T08:00:00Z"
        assert written.content == read.content
        assert written.headers["Content-Type"] == read.headers["Content-Type"]
        assert written.headers["Content-Length"] == str(len(written.content))
