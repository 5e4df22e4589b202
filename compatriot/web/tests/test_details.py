"""Needs, vulnerabilities and consent changed from the person page."""

from __future__ import annotations

from typing import Any

import pytest

from compatriot.core.models import Role
from compatriot.people.models import Person
from compatriot.web.tests.test_workspace import household_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(web_client: Any, org_a: Any, crisis: Any) -> tuple[Any, Person]:
    client = web_client(org_a)
    client.post("/workspace/households/new/", household_post())
    return client, Person.objects.get(given_name="Chidi")


def test_need_is_added_and_its_status_changed(registered: tuple[Any, Person]) -> None:
    client, person = registered
    base = f"/workspace/people/{person.id}"
    response = client.post(f"{base}/needs/", {"category": "health", "urgency": "high"})
    assert response["Location"] == f"{base}/"
    need = person.needs.get()
    assert (need.category, need.urgency, need.status) == ("health", "high", "open")
    client.post(f"{base}/needs/{need.id}/status/", {"status": "met"})
    need.refresh_from_db()
    assert need.status == "met"
    client.post(f"{base}/needs/", {"category": "spaceship", "urgency": "high"})
    assert person.needs.count() == 1


def test_vulnerability_added_once_and_removed(registered: tuple[Any, Person]) -> None:
    client, person = registered
    base = f"/workspace/people/{person.id}"
    client.post(f"{base}/vulnerabilities/", {"code": "disability"})
    again = client.post(f"{base}/vulnerabilities/", {"code": "disability"}, follow=True)
    assert "already recorded" in again.content.decode()
    assert [v.code for v in person.vulnerabilities.all()] == ["disability"]
    client.post(f"{base}/vulnerabilities/disability/remove/")
    assert person.vulnerabilities.count() == 0


def test_consent_is_withdrawn(registered: tuple[Any, Person]) -> None:
    client, person = registered
    consent = person.consents.get(scope="registration")
    client.post(f"/workspace/people/{person.id}/consents/{consent.id}/withdraw/")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_other_organisation_changes_nothing(
    registered: tuple[Any, Person], web_client: Any, org_b: Any
) -> None:
    _client, person = registered
    other = web_client(org_b, Role.ADMIN)
    base = f"/workspace/people/{person.id}"
    assert (
        other.post(f"{base}/needs/", {"category": "health", "urgency": "high"}).status_code == 404
    )
    assert other.post(f"{base}/vulnerabilities/", {"code": "disability"}).status_code == 404
    consent = person.consents.get(scope="registration")
    assert other.post(f"{base}/consents/{consent.id}/withdraw/").status_code == 404
    assert person.needs.count() == 0
    assert person.vulnerabilities.count() == 0
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_person_joins_the_household_and_it_is_renamed(registered: tuple[Any, Person]) -> None:
    client, person = registered
    household = person.household
    assert household is not None
    response = client.post(
        f"/workspace/people/new/?household={household.id}",
        {
            "relationship": "grandparent",
            "given_name": "Ngozi",
            "family_name": "Okafor",
            "sex": "female",
            "journey_stage": "in_transit",
            "category": "other",
            "consent_registration": "on",
        },
    )
    assert response.status_code == 302
    grandmother = Person.objects.get(given_name="Ngozi")
    assert (grandmother.household_id, grandmother.relationship) == (household.id, "grandparent")
    client.post(
        f"/workspace/households/{household.id}/rename/",
        {"label": "Okafor family", "person": str(person.id)},
    )
    household.refresh_from_db()
    assert household.label == "Okafor family"


def test_other_organisation_cannot_join_or_rename_the_household(
    registered: tuple[Any, Person], web_client: Any, org_b: Any
) -> None:
    _client, person = registered
    other = web_client(org_b)
    assert other.get(f"/workspace/people/new/?household={person.household_id}").status_code == 404
    assert (
        other.post(
            f"/workspace/households/{person.household_id}/rename/", {"label": "x"}
        ).status_code
        == 404
    )
    household = person.household
    assert household is not None
    household.refresh_from_db()
    assert household.label == ""
