"""A referral mechanism that receives concerns and two service providers that receive referrals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from compatriot.core.models import Organisation, OrganisationKind, Role
from conftest import ApiClient


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> None:
    settings.CASES_ATTACHMENT_DIR = tmp_path / "attachments"
    cache.clear()  # rate-limit counters


@pytest.fixture
def nrm(db: None) -> Organisation:
    return Organisation.objects.create(
        name="Polish National Referral Mechanism",
        kind=OrganisationKind.NATIONAL_REFERRAL_MECHANISM,
        operating_countries=["PL"],
    )


@pytest.fixture
def provider(db: None) -> Organisation:
    return Organisation.objects.create(
        name="Legal Aid Przemysl",
        kind=OrganisationKind.SERVICE_PROVIDER,
        operating_countries=["PL"],
    )


@pytest.fixture
def provider_2(db: None) -> Organisation:
    return Organisation.objects.create(
        name="Shelter Rzeszow", kind=OrganisationKind.SERVICE_PROVIDER, operating_countries=["PL"]
    )


@pytest.fixture
def nrm_worker(make_client: Callable[..., ApiClient], nrm: Organisation) -> ApiClient:
    return make_client(nrm, Role.CASEWORKER)


@pytest.fixture
def provider_worker(make_client: Callable[..., ApiClient], provider: Organisation) -> ApiClient:
    return make_client(provider, Role.CASEWORKER)


@pytest.fixture
def concern_payload(crisis: Any) -> Callable[..., dict[str, Any]]:
    def payload(**overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "crisis_id": str(crisis.id),
            "kind": "border_discrimination",
            "description": "Students from Nigeria were turned back at the Medyka crossing.",
            "country": "PL",
            "place_name": "Medyka",
            "people_affected": 12,
            "nationalities": ["NG", "GH"],
        }
        data.update(overrides)
        return data

    return payload


@pytest.fixture
def open_case(
    nrm_worker: ApiClient,
    register_person: Callable[..., dict[str, Any]],
    concern_payload: Callable[..., dict[str, Any]],
    anonymous: ApiClient,
) -> Callable[..., dict[str, Any]]:
    """An anonymous concern, triaged by the referral mechanism into a case for a person it
    registered; returns the case."""

    def make(priority: str = "high", **person: Any) -> dict[str, Any]:
        receipt = anonymous.post("/public/concerns", concern_payload()).json()
        registered = register_person(nrm_worker, **person)
        concern = nrm_worker.get("/concerns").json()["items"]
        concern_id = next(c["id"] for c in concern if c["reference"] == receipt["reference"])
        response = nrm_worker.post(
            f"/concerns/{concern_id}/triage",
            {
                "cases": [
                    {"person_id": registered["id"], "priority": priority, "summary": "Turned back"}
                ]
            },
        )
        assert response.status_code == 200, response.json()
        return response.json()[0]

    return make
