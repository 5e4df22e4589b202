"""A relative sought across scripts: org_a handles the request (the seeker's side), org_b
registered the person sought in Cyrillic, with their consent to family tracing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from compatriot.core.models import Crisis

TRACING_CONSENT = {"scope": "family_tracing", "method": "verbal"}


@pytest.fixture
def sought_person(
    register_person: Callable[..., dict[str, Any]],
) -> Callable[..., dict[str, Any]]:
    """Register, as `client`, a person who consents to tracing (or not: consent=False)."""

    def make(client: Any, *, consent: bool = True, **overrides: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "given_name": "Мухаммед",
            "family_name": "Мамедов",
            "birth_date": "1990-04-12",
            "sex": "male",
            "nationalities": ["AZ"],
            "phones": ["+994 50 555 1234"],
            "email": "m.mamedov@example.org",
            "consents": [TRACING_CONSENT] if consent else [],
        }
        values.update(overrides)
        return register_person(client, **values)

    return make


@pytest.fixture
def request_payload(crisis: Crisis) -> Callable[..., dict[str, Any]]:
    def payload(**overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "crisis_id": str(crisis.id),
            "given_name": "Muhammad",
            "family_name": "Mammadov",
            "sex": "male",
            "birth_date": "1990",
            "nationality": "AZE",
            "last_known_country": "UA",
            "last_known_place": "Kharkiv, student hostel 3",
            "relationship": "sibling",
            "circumstances": "Lost contact when the hostel was evacuated.",
            "seeker_name": "Leyla Mammadova",
            "seeker_contact": "+48 600 100 200",
        }
        data.update(overrides)
        return data

    return payload


@pytest.fixture
def open_request(
    request_payload: Callable[..., dict[str, Any]],
) -> Callable[..., dict[str, Any]]:
    def create(client: Any, **overrides: Any) -> dict[str, Any]:
        response = client.post("/tracing/requests", request_payload(**overrides))
        assert response.status_code == 201, response.json()
        return response.json()

    return create
