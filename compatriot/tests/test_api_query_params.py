"""An unknown query parameter answers 422 naming it, on every GET of the API: a misspelt filter
must not answer the whole list unfiltered, and a field that is no filter must not ride in a URL
unremarked."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from compatriot.api import api
from compatriot.core.models import Crisis
from conftest import ApiClient


def _get_paths() -> list[str]:
    """Every GET of the API, its path parameters filled with ids that exist nowhere."""
    paths = api.get_openapi_schema()["paths"]
    return [
        re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path).removeprefix("/api/v1")
        for path, operations in paths.items()
        if "get" in operations
    ]


def test_every_get_of_the_api_is_covered() -> None:
    paths = _get_paths()
    assert "/persons" in paths
    assert "/crises" in paths
    assert "/health" in paths
    assert len(paths) > 30


# What a GET requires, so that the unknown parameter is the only thing wrong.
REQUIRED = {"/monitoring/monthly.csv": {"month": "2024-01"}}


@pytest.mark.django_db
def test_every_get_refuses_an_unknown_query_parameter(admin_client: ApiClient) -> None:
    for path in _get_paths():
        response = admin_client.get(path, **REQUIRED.get(path, {}), bogus_filter="1")
        assert response.status_code == 422, (path, response.status_code)
        assert response.json()["field"] == "bogus_filter", path
        assert "unknown query parameter" in response.json()["message"]


@pytest.mark.django_db
def test_a_misspelt_or_unknown_filter_is_named_and_the_list_not_answered(
    client_a: ApiClient, register_person: Any, admin_client: ApiClient, crisis: Crisis
) -> None:
    register_person(client_a)
    for params, field in [
        ({"vulnerabilty": "pregnant"}, "vulnerabilty"),
        ({"nationalities": "UA"}, "nationalities"),
        ({"name": "Okafor"}, "name"),
        ({"nationality": "UA", "limit": "5", "Limit": "5"}, "Limit"),
    ]:
        response = client_a.get("/persons", **params)
        assert response.status_code == 422
        assert response.json()["field"] == field
        assert "items" not in response.json()
        assert "nationality" in response.json()["message"]  # what the endpoint does take
    for path, params, field in [
        ("/crises", {"crisis": str(crisis.id)}, "crisis"),
        ("/organisations", {"kinds": "ngo"}, "kinds"),
        ("/cases", {"state": "open"}, "state"),
        ("/assistance/offers", {"crisis_id": str(crisis.id)}, "crisis_id"),
        ("/linkage/pairs", {"state": "merged"}, "state"),
        ("/directory/services", {"country": "PL"}, "country"),
    ]:
        response = admin_client.get(path, **params)
        assert (response.status_code, response.json()["field"]) == (422, field), path


@pytest.mark.django_db
def test_known_filters_and_paging_still_answer(
    client_a: ApiClient, register_person: Any, crisis: Crisis
) -> None:
    register_person(client_a, vulnerabilities=[{"code": "pregnant"}])
    register_person(client_a, given_name="Ada", source_record_id="second")
    listed = client_a.get(
        "/persons", vulnerability="pregnant", crisis=str(crisis.id), limit="10", offset="0"
    )
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert client_a.get("/assistance/matching-runs", crisis_id=str(crisis.id)).status_code in {
        200,
        403,
    }


@pytest.mark.django_db
def test_a_name_in_a_persons_url_keeps_its_own_message(client_a: ApiClient) -> None:
    response = client_a.get("/persons", q="Okafor")
    assert (response.status_code, response.json()["field"]) == (422, "q")
    assert "POST /persons/search" in response.json()["message"]


@pytest.mark.django_db
def test_an_unknown_parameter_is_not_told_before_the_token_is_checked(
    anonymous: ApiClient,
) -> None:
    assert anonymous.get("/persons", bogus="1").status_code == 401
