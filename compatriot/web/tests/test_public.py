"""Public pages: no sign-in, CSRF, honeypot, rate limit, nothing shown back, page weight."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from compatriot.normalise.names import to_latin
from compatriot.people.models import Person

pytestmark = pytest.mark.django_db


def self_registration(**overrides: Any) -> dict[str, Any]:
    data = {
        "country": "UA",
        "admin_area": "Kharkivska",
        "place_name": "Kharkiv",
        "phone": "+380 50 123 4567",
        "journey_stage": "in_crisis_country",
        "category": "student",
        "consent_registration": "on",
        "website": "",
        "members-TOTAL_FORMS": "4",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "12",
        "members-0-given_name": "يوسف",
        "members-0-family_name": "حداد",
        "members-0-relationship": "head",
        "members-0-sex": "male",
        "members-0-nationality": "Morocco",
        "members-0-needs": ["evacuation"],
    }
    for index in (1, 2, 3):
        data |= {f"members-{index}-relationship": "head", f"members-{index}-sex": "unknown"}
    return data | overrides


def test_self_registration_is_recorded_by_the_intake_organisation(
    client: Client, crisis: Any, intake: Any
) -> None:
    response = client.post(f"/crisis/{crisis.id}/register/", self_registration())
    assert response.status_code == 302
    assert response["Location"] == "/thanks/"
    person = Person.objects.get()
    assert (person.given_name, person.family_name_latin, person.nationality) == (
        "يوسف",
        to_latin("حداد"),
        "MA",
    )
    assert (person.source, person.registered_by_id) == ("self", intake.id)
    assert [c.method for c in person.consents.all()] == ["digital"]
    thanks = client.get("/thanks/").content.decode()
    assert "يوسف" not in thanks


def test_self_registration_without_consent_is_refused(
    client: Client, crisis: Any, intake: Any
) -> None:
    response = client.post(
        f"/crisis/{crisis.id}/register/", self_registration(consent_registration="")
    )
    assert response.status_code == 200
    assert Person.objects.count() == 0


def test_honeypot_pretends_success_and_stores_nothing(
    client: Client, crisis: Any, intake: Any
) -> None:
    response = client.post(
        f"/crisis/{crisis.id}/register/", self_registration(website="http://spam")
    )
    assert response["Location"] == "/thanks/"
    assert Person.objects.count() == 0


def test_forms_need_a_csrf_token(crisis: Any, intake: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/crisis/{crisis.id}/register/", self_registration())
    assert response.status_code == 403
    assert Person.objects.count() == 0


def test_rate_limit_per_address(client: Client, settings: Any, crisis: Any, intake: Any) -> None:
    settings.WEB_PUBLIC_RATE_LIMIT = (2, 600)
    url = f"/crisis/{crisis.id}/help/"
    for _ in range(2):
        assert client.post(url, {"given_name": ""}).status_code == 200
    assert client.post(url, {"given_name": ""}).status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(url, {"given_name": ""}).status_code == 200


def test_need_help_records_a_person_with_one_need(client: Client, crisis: Any, intake: Any) -> None:
    response = client.post(
        f"/crisis/{crisis.id}/help/",
        {
            "given_name": "Marie",
            "family_name": "Diallo",
            "sex": "female",
            "phone": "+33 6 12 34 56 78",
            "journey_stage": "at_border",
            "category": "worker",
            "need": "transport",
            "details": "Two children",
            "consent_registration": "on",
        },
    )
    assert response.status_code == 302
    need = Person.objects.get().needs.get()
    assert (need.category, need.details) == ("transport", "Two children")


def test_closed_when_no_intake_organisation(client: Client, crisis: Any) -> None:
    response = client.post(f"/crisis/{crisis.id}/register/", self_registration())
    assert response.status_code == 200
    assert Person.objects.count() == 0
    assert "not open" in response.content.decode()


def test_landing_lists_verified_organisations_only(
    client: Client, crisis: Any, org_a: Any, org_b: Any
) -> None:
    org_a.operating_countries = ["UA"]
    org_a.is_verified = True
    org_a.verified_at = crisis.created_at
    org_a.save()
    org_b.operating_countries = ["UA"]
    org_b.save()
    content = client.get(f"/crisis/{crisis.id}/").content.decode()
    assert org_a.name in content
    assert org_b.name not in content


def test_unknown_crisis_is_404(client: Client, db: None) -> None:
    assert client.get("/crisis/00000000-0000-0000-0000-000000000000/").status_code == 404


@pytest.mark.parametrize("page", ["", "register/", "help/"])
def test_public_pages_are_light_and_load_no_script(
    client: Client, crisis: Any, intake: Any, page: str
) -> None:
    response = client.get(f"/crisis/{crisis.id}/{page}")
    content = response.content.decode()
    assert "<script" not in content
    assert len(response.content) < 60_000
