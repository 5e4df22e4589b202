"""Who may see and do what: the handling organisation, the organisation that registered the
person found, anyone else (404 as if absent), and roles that may not trace (403)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from compatriot.core.models import AuditEntry, Organisation, OrganisationKind, Role
from compatriot.tracing.models import TracingRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_c(make_client: Callable[..., Any]) -> Any:
    third = Organisation.objects.create(name="Third Party", kind=OrganisationKind.NGO)
    return make_client(third, Role.CASEWORKER)


def test_another_organisation_sees_neither_the_request_nor_the_match(
    client_a: Any,
    client_b: Any,
    client_c: Any,
    sought_person: Callable[..., Any],
    open_request: Any,
) -> None:
    sought_person(client_b)
    created = open_request(client_a)
    [match] = client_b.get("/tracing/matches").json()["items"]
    request_id, match_id = created["id"], match["id"]

    for client in (client_b, client_c):  # the found side does not see the request itself
        assert client.get(f"/tracing/requests/{request_id}").status_code == 404
        assert client.get(f"/tracing/requests/{request_id}/candidates").status_code == 404
        closed = client.post(f"/tracing/requests/{request_id}/close", {"outcome": "other"})
        assert closed.status_code == 404
        assert client.get("/tracing/requests").json()["count"] == 0
    for client in (client_a, client_c):  # only the registering organisation asks the person
        assert client.get(f"/tracing/matches/{match_id}").status_code == 404
        answer = client.post(
            f"/tracing/matches/{match_id}/answer", {"answer": "consent", "method": "verbal"}
        )
        assert answer.status_code == 404
        assert client.get("/tracing/matches").json()["count"] == 0
    assert client_c.get("/tracing/notifications").json() == []
    assert TracingRequest.objects.get().status == "possible_match"


@pytest.mark.parametrize(
    ("_case", "role"), [("volunteer", Role.VOLUNTEER), ("viewer", Role.VIEWER)]
)
def test_roles_that_may_not_trace_are_refused(
    _case: str, role: str, make_client: Callable[..., Any], org_a: Any, request_payload: Any
) -> None:
    client = make_client(org_a, role)
    assert client.post("/tracing/requests", request_payload()).status_code == 403
    assert client.get("/tracing/requests").status_code == 403
    assert client.get("/tracing/matches").status_code == 403
    assert TracingRequest.objects.count() == 0


def test_anonymous_callers_are_refused(anonymous: Any) -> None:
    assert anonymous.get("/tracing/requests").status_code == 401


def test_the_list_is_the_handling_organisations_own(
    client_a: Any, client_b: Any, open_request: Any
) -> None:
    mine = open_request(client_a)
    open_request(client_b, seeker_name="Someone Else")
    listed = client_a.get("/tracing/requests").json()
    assert [item["id"] for item in listed["items"]] == [mine["id"]]
    assert listed["count"] == 1
    assert client_a.get("/tracing/requests", status="closed").json()["count"] == 0


@pytest.mark.parametrize(
    ("_case", "overrides", "field"),
    [
        ("no relationship", {"relationship": None}, "relationship"),
        ("unknown relationship", {"relationship": "cousin"}, "relationship"),
        ("no name", {"given_name": "", "family_name": ""}, "given_name"),
        ("bad nationality", {"nationality": "XX"}, "nationality"),
        ("future birth date", {"birth_date": "2999"}, "birth_date"),
        ("age and birth date", {"age": 30}, "age"),
        ("impossible age", {"birth_date": None, "age": 300}, "age"),
        ("bad phone", {"phones": ["12"]}, "phones"),
        ("phone with letters", {"phones": ["+994 50 555 CALL"]}, "phones"),
        ("no seeker", {"seeker_name": "", "seeker_contact": ""}, "seeker_name"),
        ("no seeker contact", {"seeker_contact": ""}, "seeker_contact"),
        ("unknown field", {"favourite_colour": "blue"}, "favourite_colour"),
        ("unknown crisis", {"crisis_id": "6f1c3f2e-1111-4222-8333-944455556666"}, "crisis_id"),
        ("seeker out of scope", {"seeker_person_id": "OTHER"}, "seeker_person_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    _case: str,
    overrides: dict[str, Any],
    field: str,
    client_a: Any,
    client_b: Any,
    register_person: Callable[..., Any],
    request_payload: Any,
) -> None:
    if overrides.get("seeker_person_id") == "OTHER":
        overrides["seeker_person_id"] = register_person(client_b)["id"]
    payload = {k: v for k, v in request_payload(**overrides).items() if v is not None}
    audit_before = AuditEntry.objects.count()
    response = client_a.post("/tracing/requests", payload)
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    assert TracingRequest.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_an_age_becomes_an_approximate_year_of_birth(client_a: Any, open_request: Any) -> None:
    created = open_request(client_a, birth_date=None, age=34)
    assert created["birth_year_is_approximate"] is True
    assert len(created["birth_date"]) == 4


def test_closing_twice_and_reunited_without_consent_are_refused(
    client_a: Any, open_request: Any
) -> None:
    created = open_request(client_a)
    path = f"/tracing/requests/{created['id']}/close"
    early = client_a.post(path, {"outcome": "reunited"})
    assert (early.status_code, early.json()["field"]) == (422, "outcome")
    withdrawn = client_a.post(path, {"outcome": "seeker_withdrew"})
    assert withdrawn.json()["status"] == "withdrawn"
    assert client_a.post(path, {"outcome": "other"}).status_code == 409


def test_a_consulate_is_never_told_of_a_refugee_even_as_a_possible_match(
    make_client: Callable[..., Any],
    client_b: Any,
    sought_person: Callable[..., Any],
    request_payload: Any,
) -> None:
    consulate = Organisation.objects.create(name="Consulate", kind=OrganisationKind.CONSULATE)
    client = make_client(consulate, Role.CASEWORKER)
    sought_person(client_b, category="refugee_or_asylum_seeker")
    created = client.post("/tracing/requests", request_payload()).json()
    assert created["status"] == "open"
    assert client.get(f"/tracing/requests/{created['id']}/candidates").json() == []


def test_the_list_costs_the_same_queries_for_one_request_or_three(
    client_a: Any, open_request: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    open_request(client_a)
    with CaptureQueriesContext(connection) as one:
        assert client_a.get("/tracing/requests").json()["count"] == 1
    open_request(client_a)
    open_request(client_a)
    with CaptureQueriesContext(connection) as three:
        assert client_a.get("/tracing/requests").json()["count"] == 3
    assert len(three) == len(one)
