"""A person's needs, vulnerabilities and consents through the API."""

from __future__ import annotations

import pytest

from compatriot.core.models import AuditEntry, Role
from compatriot.people.models import Consent, Need, Person, Vulnerability

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def person(client_a, register_person):
    return register_person(client_a)


def version_of(person):
    return Person.objects.get(id=person["id"]).version


def test_add_and_update_a_need(client_a, person):
    added = client_a.post(
        f"/persons/{person['id']}/needs",
        {"category": "shelter", "urgency": "high", "details": "Two adults, one child"},
    )

    assert added.status_code == 201
    need = Need.objects.get()
    assert added.json() == {
        "id": str(need.id),
        "category": "shelter",
        "urgency": "high",
        "status": "open",
        "details": "Two adults, one child",
        "created_at": added.json()["created_at"],
        "updated_at": added.json()["updated_at"],
    }
    assert version_of(person) == 2

    updated = client_a.patch(f"/persons/{person['id']}/needs/{need.id}", {"status": "in_progress"})

    assert updated.status_code == 200
    assert (updated.json()["status"], updated.json()["urgency"]) == ("in_progress", "high")
    assert Need.objects.get().status == "in_progress"
    assert version_of(person) == 3
    assert client_a.get(f"/persons/{person['id']}").json()["needs"] == [updated.json()]
    audited = AuditEntry.objects.filter(object_type="need").values_list("action", "details")
    assert list(audited) == [
        ("create", {"person": person["id"]}),
        ("update", {"fields": ["status"]}),
    ]


@pytest.mark.parametrize(
    ("_case", "body", "field"),
    [
        ("unknown category", {"category": "pony"}, "category"),
        ("unknown urgency", {"category": "food", "urgency": "whenever"}, "urgency"),
        ("unknown field", {"category": "food", "quantity": 3}, "quantity"),
    ],
)
def test_an_invalid_need_is_refused(_case, body, field, client_a, person, row_counts):
    before = row_counts()

    response = client_a.post(f"/persons/{person['id']}/needs", body)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert row_counts() == before


def test_a_need_of_another_person_is_not_found(client_a, person, register_person, row_counts):
    other = register_person(client_a, given_name="Adaeze")
    need_id = client_a.post(f"/persons/{other['id']}/needs", {"category": "food"}).json()["id"]
    before = row_counts()

    response = client_a.patch(f"/persons/{person['id']}/needs/{need_id}", {"status": "met"})

    assert response.status_code == 404
    assert response.json()["field"] == "need_id"
    assert row_counts() == before
    assert Need.objects.get().status == "open"


def test_add_and_remove_a_vulnerability(client_a, person):
    added = client_a.post(
        f"/persons/{person['id']}/vulnerabilities",
        {"code": "serious_medical_condition", "note": "insulin"},
    )

    assert added.status_code == 201
    assert (added.json()["code"], added.json()["note"]) == ("serious_medical_condition", "insulin")
    assert Vulnerability.objects.get().code == "serious_medical_condition"
    assert client_a.get("/persons", vulnerability="serious_medical_condition").json()["count"] == 1

    removed = client_a.delete(f"/persons/{person['id']}/vulnerabilities/serious_medical_condition")

    assert removed.status_code == 204
    assert Vulnerability.objects.count() == 0
    assert version_of(person) == 3
    assert client_a.get("/persons", vulnerability="serious_medical_condition").json()["count"] == 0


def test_a_duplicate_vulnerability_is_a_conflict(client_a, person, row_counts):
    assert (
        client_a.post(f"/persons/{person['id']}/vulnerabilities", {"code": "pregnant"}).status_code
        == 201
    )
    before = row_counts()

    response = client_a.post(
        f"/persons/{person['id']}/vulnerabilities", {"code": "pregnant", "note": "again"}
    )

    assert response.status_code == 409
    assert response.json() == {
        "code": "CONFLICT",
        "field": "code",
        "message": "This vulnerability is already recorded.",
    }
    assert row_counts() == before
    assert Vulnerability.objects.get().note == ""


def test_a_duplicate_vulnerability_in_the_registration_is_refused(
    client_a, person_payload, row_counts
):
    before = row_counts()

    response = client_a.post(
        "/persons", person_payload(vulnerabilities=[{"code": "detained"}, {"code": "detained"}])
    )

    assert response.status_code == 422
    assert response.json()["field"] == "vulnerabilities"
    assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "code", "status", "field"),
    [("not recorded", "pregnant", 404, "code"), ("unknown code", "happy", 422, "code")],
)
def test_removing_a_vulnerability_that_is_not_there(
    _case, code, status, field, client_a, person, row_counts
):
    before = row_counts()

    response = client_a.delete(f"/persons/{person['id']}/vulnerabilities/{code}")

    assert response.status_code == status
    assert response.json()["field"] == field
    assert row_counts() == before


def test_record_and_withdraw_consent(client_a, person):
    recorded = client_a.post(
        f"/persons/{person['id']}/consents",
        {
            "scope": "sharing",
            "method": "written",
            "partner_kinds": ["ngo", "international_organisation"],
            "given_at": "2024-03-01T10:00:00Z",
        },
    )

    assert recorded.status_code == 201
    consent = Consent.objects.get()
    assert recorded.json() == {
        "id": str(consent.id),
        "scope": "sharing",
        "method": "written",
        "partner_kinds": ["ngo", "international_organisation"],
        "given_at": "2024-03-01T10:00:00Z",
        "withdrawn_at": None,
        "is_active": True,
    }
    assert (consent.recorded_by_id, consent.recorded_by_organisation_id) == (
        client_a.user.id,
        Person.objects.get(id=person["id"]).registered_by_id,
    )

    withdrawn = client_a.post(f"/persons/{person['id']}/consents/{consent.id}/withdraw")

    assert withdrawn.status_code == 200
    assert withdrawn.json()["is_active"] is False
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consent.withdrawn_by_id == client_a.user.id
    assert version_of(person) == 3
    again = client_a.post(f"/persons/{person['id']}/consents/{consent.id}/withdraw")
    assert again.status_code == 200
    assert again.json()["withdrawn_at"] == withdrawn.json()["withdrawn_at"]
    assert version_of(person) == 3
    assert [e.action for e in AuditEntry.objects.filter(object_type="consent")] == [
        "create",
        "update",
    ]


@pytest.mark.parametrize(
    ("_case", "body", "field"),
    [
        ("sharing without partners", {"scope": "sharing", "method": "verbal"}, "partner_kinds"),
        (
            "partners for alerts",
            {"scope": "alerts", "method": "verbal", "partner_kinds": ["ngo"]},
            "partner_kinds",
        ),
        (
            "unknown partner kind",
            {"scope": "sharing", "method": "verbal", "partner_kinds": ["spies"]},
            "partner_kinds[0]",
        ),
        ("unknown method", {"scope": "alerts", "method": "telepathy"}, "method"),
    ],
)
def test_an_invalid_consent_is_refused(_case, body, field, client_a, person, row_counts):
    before = row_counts()

    response = client_a.post(f"/persons/{person['id']}/consents", body)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert row_counts() == before


def test_withdrawing_an_unknown_consent_is_not_found(client_a, person, row_counts):
    before = row_counts()

    response = client_a.post(f"/persons/{person['id']}/consents/{UNKNOWN_ID}/withdraw")

    assert response.status_code == 404
    assert response.json()["field"] == "consent_id"
    assert row_counts() == before


DETAIL_WRITES = [
    ("add need", "post", "/needs", {"category": "food"}, 201),
    ("add vulnerability", "post", "/vulnerabilities", {"code": "pregnant"}, 201),
    ("remove vulnerability", "delete", "/vulnerabilities/disability", None, 204),
    ("record consent", "post", "/consents", {"scope": "alerts", "method": "verbal"}, 201),
    ("withdraw consent", "post", "/consents/{consent}/withdraw", {}, 200),
    ("update need", "patch", "/needs/{need}", {"status": "met"}, 200),
]


@pytest.mark.parametrize(("_case", "method", "suffix", "body", "success"), DETAIL_WRITES)
@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("viewer", 403), ("org_b caseworker", 404), ("volunteer", None)],
)
def test_who_may_change_details(
    _case,
    method,
    suffix,
    body,
    success,
    who,
    status,
    client_a,
    make_client,
    anonymous,
    org_a,
    org_b,
    register_person,
    row_counts,
):
    person = register_person(
        client_a,
        vulnerabilities=[{"code": "disability"}],
        needs=[{"category": "health"}],
        consents=[{"scope": "registration", "method": "verbal"}],
    )
    clients = {
        "anonymous": lambda: anonymous,
        "viewer": lambda: make_client(org_a, Role.VIEWER),
        "org_b caseworker": lambda: make_client(org_b, Role.CASEWORKER),
        "volunteer": lambda: make_client(org_a, Role.VOLUNTEER),
    }
    client = clients[who]()
    path = f"/persons/{person['id']}" + suffix.format(
        consent=person["consents"][0]["id"], need=person["needs"][0]["id"]
    )
    before = row_counts()

    response = getattr(client, method)(path, *([] if body is None else [body]))

    if status is None:
        assert response.status_code == success
        assert version_of(person) == 2
    else:
        assert response.status_code == status
        assert row_counts() == before
        assert version_of(person) == 1
