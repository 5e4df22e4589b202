"""Every date and instant the API takes is ISO 8601 text within a sane range: a number, a string
of digits (which pydantic would read as seconds since 1970), an impossible year, or an instant
that only overflows when moved to UTC answers 422 naming the field, never 500, and writes
nothing. Instants are stored and answered in UTC; one without a zone is taken as UTC."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from compatriot.core.models import ApiToken, Crisis
from conftest import ApiClient

# Refused wherever a date or an instant is taken.
NOT_TEXT = [0, 1.5, 946_080_000, True, ["2024-03-01"]]
DIGITS = ["2023", "1", "1.5", "946080000"]
OUT_OF_RANGE_INSTANTS = [
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC: overflowed
    "9999-12-31T23:59:59-02:00",  # after year 9999 in UTC: overflowed
    "9999-12-31T23:59:59.999999-00:01",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59Z",
    "1899-12-31T23:59:59Z",
]
OUT_OF_RANGE_DAYS = ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"]
BAD_INSTANTS = [*NOT_TEXT, *DIGITS, *OUT_OF_RANGE_INSTANTS]
BAD_DAYS = [*NOT_TEXT, *DIGITS, *OUT_OF_RANGE_DAYS, "2024-03-01T00:00:00Z", "2024-3-1"]


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 422, (field, response.content)
    assert response.json()["field"] == field, response.json()


# (path, body without the field, field's path in the body, field named in the answer)
def _instant_writes(crisis: Crisis, person_id: str, person: dict[str, Any]) -> list[Any]:
    consent = {"scope": "registration", "method": "verbal"}
    member = {**person, "relationship": "head"}
    del member["crisis_id"]
    return [
        (f"/persons/{person_id}/consents", consent, ("given_at",), "given_at"),
        ("/persons", {**person, "consents": [consent]}, ("consents", 0, "given_at"), None),
        (
            "/households",
            {"crisis_id": str(crisis.id), "members": [{**member, "consents": [consent]}]},
            ("members", 0, "consents", 0, "given_at"),
            "members[0].consents[0].given_at",
        ),
        ("/tokens", {"name": "t"}, ("expires_at",), "expires_at"),
        *(
            (
                "/assistance/requests",
                {"crisis_id": str(crisis.id), "category": "transport"},
                (f,),
                f,
            )
            for f in ("earliest", "latest")
        ),
        *(
            (
                "/assistance/offers",
                {
                    "crisis_id": str(crisis.id),
                    "category": "transport",
                    "capacity": 3,
                    "latitude": 50.0,
                    "longitude": 30.0,
                    "radius_km": 10,
                },
                (f,),
                f,
            )
            for f in ("departure_at", "available_from", "available_until", "expires_at")
        ),
    ]


def _with(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    target: Any = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


@pytest.mark.django_db
def test_every_instant_taken_refuses_numbers_digits_and_out_of_range(
    client_a: ApiClient,
    crisis: Crisis,
    register_person: Callable[..., dict[str, Any]],
    person_payload: Callable[..., dict[str, Any]],
    row_counts: Callable[[], dict[str, int]],
) -> None:
    person_id = register_person(client_a)["id"]
    writes = _instant_writes(crisis, person_id, person_payload())
    before = row_counts()
    for url, body, path, named in writes:
        field = named or "consents[0].given_at"
        for value in BAD_INSTANTS:
            response = client_a.post(url, _with(body, path, value))
            _refused(response, field)
    assert row_counts() == before


@pytest.mark.django_db
def test_every_day_taken_refuses_numbers_digits_and_out_of_range(
    admin_client: ApiClient, client_a: ApiClient, crisis: Crisis, org_a: Any
) -> None:
    crises = Crisis.objects.count()
    concern = {"kind": "detention", "description": "Held at the border", "country": "PL"}
    for value in BAD_DAYS:
        created = admin_client.post(
            "/crises", {"name": "Flood", "kind": "disaster", "started_on": value}
        )
        _refused(created, "started_on")
        ended = admin_client.post(
            "/crises",
            {"name": "Flood", "kind": "disaster", "started_on": "2024-01-01", "ended_on": value},
        )
        _refused(ended, "ended_on")
        for field in ("started_on", "ended_on"):
            _refused(admin_client.patch(f"/crises/{crisis.id}", {field: value}), field)
        _refused(client_a.post("/concerns", {**concern, "occurred_on": value}), "occurred_on")
        if isinstance(value, str):  # a query's values are text
            for field in ("since", "until"):
                _refused(admin_client.get("/monitoring", **{field: value}), field)
    assert Crisis.objects.count() == crises
    crisis.refresh_from_db()
    assert crisis.started_on == dt.date(2022, 2, 24)


@pytest.mark.django_db
def test_a_consent_given_in_the_future_is_refused_beyond_a_clocks_drift(
    client_a: ApiClient, register_person: Callable[..., dict[str, Any]]
) -> None:
    person_id = register_person(client_a)["id"]
    consent = {"scope": "registration", "method": "verbal"}
    url = f"/persons/{person_id}/consents"
    for later in ["2099-01-01T00:00:00Z", (timezone.now() + dt.timedelta(minutes=10)).isoformat()]:
        response = client_a.post(url, {**consent, "given_at": later})
        _refused(response, "given_at")
        assert response.json()["message"] == "cannot be in the future"
    drifted = (timezone.now() + dt.timedelta(minutes=2)).isoformat()
    assert client_a.post(url, {**consent, "given_at": drifted}).status_code == 201
    old = client_a.post(url, {**consent, "given_at": "1900-01-01T00:00:00Z"})
    assert old.status_code == 201
    assert old.json()["given_at"] == "1900-01-01T00:00:00Z"


@pytest.mark.django_db
def test_a_crisis_may_end_a_few_years_ahead_not_centuries(admin_client: ApiClient) -> None:
    ahead = timezone.now().date() + dt.timedelta(days=365)
    body = {"name": "Drought", "kind": "disaster", "started_on": "2024-01-01"}
    planned = admin_client.post("/crises", {**body, "ended_on": ahead.isoformat()})
    assert planned.status_code == 201
    assert planned.json()["ended_on"] == ahead.isoformat()
    _refused(admin_client.post("/crises", {**body, "ended_on": "2999-01-01"}), "ended_on")


@pytest.mark.django_db
def test_a_concern_cannot_have_happened_after_tomorrow(client_a: ApiClient) -> None:
    concern = {"kind": "detention", "description": "Held at the border", "country": "PL"}
    later = (timezone.now().date() + dt.timedelta(days=3)).isoformat()
    response = client_a.post("/concerns", {**concern, "occurred_on": later})
    _refused(response, "occurred_on")
    assert response.json()["message"] == "cannot be in the future"


@pytest.mark.django_db
def test_a_tokens_expiry_without_a_zone_is_utc_and_must_lie_ahead(client_a: ApiClient) -> None:
    created = client_a.post("/tokens", {"name": "naive", "expires_at": "2030-01-01T00:00:00"})
    assert created.status_code == 201, created.json()
    assert created.json()["expires_at"] == "2030-01-01T00:00:00Z"
    token = ApiToken.objects.get(id=created.json()["id"])
    assert token.expires_at == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    zoned = client_a.post("/tokens", {"name": "zoned", "expires_at": "2030-01-01T02:00:00+02:00"})
    assert zoned.json()["expires_at"] == "2030-01-01T00:00:00Z"
    past = client_a.post("/tokens", {"name": "past", "expires_at": "2020-01-01T00:00:00"})
    _refused(past, "expires_at")
    assert past.json()["message"] == "must be in the future"


@pytest.mark.django_db
def test_a_window_with_and_without_a_zone_is_compared_in_utc(
    client_a: ApiClient, crisis: Crisis
) -> None:
    body = {"crisis_id": str(crisis.id), "category": "transport"}
    backwards = {"earliest": "2030-01-01T12:00:00", "latest": "2030-01-01T13:00:00+02:00"}
    response = client_a.post("/assistance/requests", {**body, **backwards})
    _refused(response, "latest")
    assert response.json()["message"].endswith("latest is before earliest")
