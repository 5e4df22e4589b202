"""The base world of every test: a crisis, two organisations that must not see each other's
people, a user per role in each, and API clients authenticated as any of them."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from compatriot.core.models import (
    ApiToken,
    AuditEntry,
    Crisis,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    SharingAgreement,
)
from compatriot.core.schemas import TokenIn
from compatriot.core.services import token_create
from compatriot.core.viewer import Viewer
from compatriot.people.models import Consent, Household, Need, Person, Vulnerability


class ApiClient:
    """Django's test client on the whole NinjaAPI, with a bearer token and JSON bodies."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _send(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        url = "/api/v1" + path
        call = getattr(self.client, method)
        if body is None:
            return call(url, params or None, headers=self.headers)
        payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return call(url, payload, content_type="application/json", headers=self.headers)

    def get(self, path: str, **params: Any) -> Any:
        return self._send("get", path, **params)

    def post(self, path: str, body: Any = None) -> Any:
        return self._send("post", path, body if body is not None else {})

    def patch(self, path: str, body: Any) -> Any:
        return self._send("patch", path, body)

    def delete(self, path: str) -> Any:
        return self._send("delete", path)


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """One PostgreSQL test database per test process, so that runs side by side never meet."""
    for database in settings.DATABASES.values():
        if str(database["ENGINE"]).endswith("postgresql"):
            database.setdefault("TEST", {})["NAME"] = f"test_compatriot_{os.getpid()}"


@pytest.fixture
def crisis(db: None) -> Crisis:
    return Crisis.objects.create(
        name="Test crisis",
        kind="conflict",
        affected_countries=["UA", "PL"],
        started_on=dt.date(2022, 2, 24),
    )


def _organisation(name: str, kind: str) -> Organisation:
    return Organisation.objects.create(name=name, kind=kind, operating_countries=["PL"])


@pytest.fixture
def org_a(db: None) -> Organisation:
    return _organisation("Nigerian Community in Poland", OrganisationKind.DIASPORA_ORGANISATION)


@pytest.fixture
def org_b(db: None) -> Organisation:
    return _organisation("Other Helpers", OrganisationKind.NGO)


@pytest.fixture
def make_member(db: None) -> Callable[..., Any]:
    def make(organisation: Organisation, role: str, *, superuser: bool = False) -> Any:
        username = f"{role}-{organisation.name[:10].replace(' ', '')}-{Membership.objects.count()}"
        user = get_user_model().objects.create_user(
            username=username, password="not-used-in-tests-1", is_superuser=superuser
        )
        Membership.objects.create(user=user, organisation=organisation, role=role)
        return user

    return make


@pytest.fixture
def make_client(make_member: Callable[..., Any]) -> Callable[..., ApiClient]:
    def make(
        organisation: Organisation, role: str = Role.CASEWORKER, *, superuser: bool = False
    ) -> ApiClient:
        user = make_member(organisation, role, superuser=superuser)
        actor = Viewer(user.id, organisation.id, organisation.kind, role, superuser)
        created = token_create(actor, data=TokenIn(name="test"))
        client = ApiClient(created.secret)
        client.user = user  # type: ignore[attr-defined]  # handy in tests
        return client

    return make


@pytest.fixture
def client_a(make_client: Callable[..., ApiClient], org_a: Organisation) -> ApiClient:
    return make_client(org_a, Role.CASEWORKER)


@pytest.fixture
def client_b(make_client: Callable[..., ApiClient], org_b: Organisation) -> ApiClient:
    return make_client(org_b, Role.CASEWORKER)


@pytest.fixture
def admin_client(make_client: Callable[..., ApiClient], org_a: Organisation) -> ApiClient:
    """A platform administrator (acting through a membership of org_a)."""
    return make_client(org_a, Role.ADMIN, superuser=True)


@pytest.fixture
def anonymous() -> ApiClient:
    return ApiClient(None)


@pytest.fixture
def person_payload(crisis: Crisis) -> Callable[..., dict[str, Any]]:
    def payload(**overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "crisis_id": str(crisis.id),
            "given_name": "Chukwuemeka",
            "family_name": "Okafor",
            "sex": "male",
            "birth_date": "2001-05",
            "nationalities": ["NGA"],
            "languages": ["en", "yor"],
            "phones": ["+380 50 123 4567"],
            "country": "UA",
            "admin_area": "Kharkiv Oblast",
            "place_name": "Kharkiv",
            "latitude": 49.99,
            "longitude": 36.23,
            "journey_stage": "in_crisis_country",
            "category": "student",
            "source": "diaspora_volunteer",
        }
        data.update(overrides)
        return data

    return payload


@pytest.fixture
def register_person(
    person_payload: Callable[..., dict[str, Any]],
) -> Callable[..., dict[str, Any]]:
    """POST /persons as `client` and return the created person."""

    def register(client: ApiClient, **overrides: Any) -> dict[str, Any]:
        response = client.post("/persons", person_payload(**overrides))
        assert response.status_code == 201, response.json()
        return response.json()

    return register


@pytest.fixture
def row_counts(db: None) -> Callable[[], dict[str, int]]:
    """The number of rows of every table a request may write: compare before and after a
    rejection to show that nothing was written."""
    tables = (
        Crisis,
        Organisation,
        Membership,
        ApiToken,
        SharingAgreement,
        AuditEntry,
        Person,
        Household,
        Need,
        Vulnerability,
        Consent,
    )

    def counts() -> dict[str, int]:
        return {table.__name__: table.objects.count() for table in tables}

    return counts


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Test users' passwords need no strength, and PBKDF2 would cost ~0.2 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres_only` (concurrency on a real server) skip on the SQLite run."""
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: make test-postgres runs it")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
