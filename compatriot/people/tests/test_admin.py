"""The admin writes persons, households and consents only through people/services.py, in the
registering organisation's stead: the same validation, normalisation, version and audit entries
as the API, and viewing a person is an audited read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from compatriot.core.audit import audit_verify
from compatriot.core.models import AuditAction, AuditEntry
from compatriot.core.tests.adminforms import act, form_data, superuser_browser
from compatriot.people.models import Consent, Person
from compatriot.people.records import derived_name_fields

pytestmark = pytest.mark.django_db


def _person_url(person_id: Any) -> str:
    return f"/admin/people/person/{person_id}/change/"


def _entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


@pytest.fixture
def person(client_a, register_person) -> dict[str, Any]:
    return register_person(
        client_a,
        consents=[
            {"scope": "registration", "method": "verbal"},
            {"scope": "sharing", "method": "verbal", "partner_kinds": ["ngo"]},
        ],
    )


def test_viewing_a_person_is_an_audited_read(person) -> None:
    browser, admin = superuser_browser()
    response = browser.get(_person_url(person["id"]))
    assert response.status_code == 200
    [read] = _entries(action=AuditAction.READ, object_type="person")
    assert (read.object_id, read.actor_user_id, read.purpose) == (person["id"], admin.id, "admin")
    assert str(read.actor_organisation_id) == person["registered_by_id"]  # filed under the record's
    assert audit_verify().is_intact


def test_a_change_goes_through_the_update_service(person, client_a) -> None:
    browser, admin = superuser_browser()
    data = form_data(browser.get(_person_url(person["id"])))
    data["given_name"] = "Олександр"
    data["phones"] = json.dumps(["050 765 4321"])  # a Ukrainian number, written as at home
    data["nationalities"] = json.dumps(["ukr"])
    response = browser.post(_person_url(person["id"]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    saved = Person.objects.get(id=person["id"])
    expected = derived_name_fields("Олександр", saved.family_name, None, saved.family_name_latin)
    assert saved.given_name_latin == expected["given_name_latin"] != person["given_name_latin"]
    assert saved.search_text == expected["search_text"]
    assert saved.phones == ["+380507654321"]  # normalised as the API does
    assert (saved.nationalities, saved.nationality) == (["UA"], "UA")
    assert saved.version == person["version"] + 1
    [update] = _entries(action=AuditAction.UPDATE, object_type="person")
    assert (update.object_id, update.actor_user_id, update.purpose) == (
        person["id"],
        admin.id,
        "admin",
    )
    assert {"given_name", "given_name_latin", "search_text", "phones"} <= set(
        update.details["fields"]
    )
    assert audit_verify().is_intact

    # An API client holding the version before the admin's change is refused, not overwriting.
    stale = client_a.patch(
        f"/persons/{person['id']}", {"version": person["version"], "sex": "female"}
    )
    assert stale.status_code == 409
    found = client_a.post("/persons/search", {"q": expected["given_name_latin"]}).json()
    assert [p["id"] for p in found["items"]] == [person["id"]]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phones", json.dumps(["not a phone"])),
        ("nationalities", json.dumps(["XX"])),
        ("languages", json.dumps(["not-a-language"])),
        ("country", "Atlantis"),
        ("email", "nobody-at-example"),
        ("birth_date", "2999"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_written(person, field, value) -> None:
    browser, _ = superuser_browser()
    data = form_data(browser.get(_person_url(person["id"])))
    data.update({field: value, "given_name": "Changed"})
    before = AuditEntry.objects.latest("id").id
    response = browser.post(_person_url(person["id"]), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    saved = Person.objects.get(id=person["id"])
    assert (saved.given_name, saved.version) == (person["given_name"], person["version"])
    # The page shown again with the error is a read of the record; nothing was changed.
    assert [e.action for e in _entries(id__gt=before)] == [AuditAction.READ]


def test_saving_over_a_later_change_is_refused(person, client_a) -> None:
    browser, _ = superuser_browser()
    data = form_data(browser.get(_person_url(person["id"])))
    assert client_a.patch(f"/persons/{person['id']}", {"family_name": "Eze"}).status_code == 200
    data["given_name"] = "Changed"
    response = browser.post(_person_url(person["id"]), data)
    assert response.status_code == 200
    assert "version" in str(response.context["adminform"].form.non_field_errors())
    saved = Person.objects.get(id=person["id"])
    assert (saved.given_name, saved.family_name) == (person["given_name"], "Eze")


def test_persons_are_neither_added_nor_deleted_in_the_admin(person) -> None:
    browser, _ = superuser_browser()
    assert browser.get("/admin/people/person/add/").status_code == 403
    response = browser.post(f"/admin/people/person/{person['id']}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Person.objects.filter(id=person["id"]).exists()


def _consent(person: dict[str, Any], scope: str) -> Consent:
    return Consent.objects.get(person_id=person["id"], scope=scope)


def test_a_consent_is_withdrawn_only_by_the_service_and_never_reactivated(person) -> None:
    browser, admin = superuser_browser()
    sharing = _consent(person, "sharing")
    response = act(browser, "/admin/people/consent/", "withdraw", sharing)
    assert response.status_code == 302
    sharing.refresh_from_db()
    assert sharing.withdrawn_at is not None
    assert sharing.withdrawn_by_id == admin.id
    assert Person.objects.get(id=person["id"]).version == person["version"] + 1
    [entry] = _entries(action=AuditAction.UPDATE, object_type="consent")
    assert (entry.object_id, entry.actor_user_id, entry.purpose) == (
        str(sharing.id),
        admin.id,
        "admin",
    )
    assert audit_verify().is_intact

    # Neither the consent's page nor the person's inline can clear the withdrawal.
    url = f"/admin/people/consent/{sharing.id}/change/"
    assert browser.post(url, {"withdrawn_at_0": "", "withdrawn_at_1": ""}).status_code == 403
    data = form_data(browser.get(_person_url(person["id"])))
    consents = [key for key in data if key.startswith("consents-") and key.endswith("TOTAL_FORMS")]
    prefix = consents[0].removesuffix("TOTAL_FORMS")
    for index in range(2):
        data[f"{prefix}{index}-id"] = str(_consent(person, ("registration", "sharing")[index]).id)
        data[f"{prefix}{index}-withdrawn_at_0"] = ""
        data[f"{prefix}{index}-withdrawn_at_1"] = ""
    assert browser.post(_person_url(person["id"]), data).status_code == 302
    sharing.refresh_from_db()
    assert (sharing.withdrawn_at, sharing.withdrawn_by_id) != (None, None)
    assert sharing.withdrawn_by_id == admin.id


def test_a_consents_given_at_is_not_rewritten_by_a_save(person) -> None:
    browser, _ = superuser_browser()
    consent = _consent(person, "registration")
    response = browser.get(f"/admin/people/consent/{consent.id}/change/")
    assert response.status_code == 200
    assert "given_at" not in response.context["adminform"].form.fields  # shown, not a field


def test_staff_who_are_not_platform_administrators_change_nothing(person) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client

    staff = get_user_model().objects.create_user(username="staff", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["change_person", "view_person"])
    )
    browser = Client()
    browser.force_login(staff)
    data = {"given_name": "Changed"}
    assert browser.post(_person_url(person["id"]), data).status_code == 403
    assert Person.objects.get(id=person["id"]).given_name == person["given_name"]


def test_saving_the_page_unchanged_changes_nothing(person) -> None:
    browser, _ = superuser_browser()
    data = form_data(browser.get(_person_url(person["id"])))
    assert data["birth_date"] == "2001-05"  # the API's partial date, not a calendar day
    assert browser.post(_person_url(person["id"]), data).status_code == 302
    saved = Person.objects.get(id=person["id"])
    assert (saved.version, str(saved.birth_date), saved.birth_date_precision) == (
        person["version"],
        "2001-05-01",
        "month",
    )
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()
