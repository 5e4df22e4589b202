"""Persons through the API: register, read, list and change, with the role matrix for writes."""

from __future__ import annotations

import pytest

from compatriot.core.models import AuditEntry, Role
from compatriot.people.models import Person
from conftest import ApiClient

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def test_register_a_person(client_a, org_a, crisis, person_payload):
    response = client_a.post("/persons", person_payload(email=" Chukwuemeka@Example.ORG "))

    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(id=body["id"])
    assert body == {
        "id": str(person.id),
        "crisis_id": str(crisis.id),
        "registered_by_id": str(org_a.id),
        "source": "diaspora_volunteer",
        "source_record_id": None,
        "given_name": "Chukwuemeka",
        "family_name": "Okafor",
        "given_name_latin": "Chukwuemeka",
        "family_name_latin": "Okafor",
        "sex": "male",
        "birth_date": "2001-05",
        "birth_date_precision": "month",
        "nationalities": ["NG"],
        "languages": ["en", "yo"],
        "phones": ["+380501234567"],
        "email": "chukwuemeka@example.org",
        "country": "UA",
        "admin_area": "Kharkiv Oblast",
        "place_name": "Kharkiv",
        "latitude": 49.99,
        "longitude": 36.23,
        "journey_stage": "in_crisis_country",
        "category": "student",
        "household_id": None,
        "relationship": "",
        "merged_into_id": None,
        "vulnerabilities": [],
        "needs": [],
        "consents": [],
        "version": 1,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert (person.nationality, person.registered_by_user_id) == ("NG", client_a.user.id)
    assert person.search_text == " chukwuemeka ~ckvmk okafor ~kfr "


def test_register_with_details(client_a, person_payload):
    response = client_a.post(
        "/persons",
        person_payload(
            vulnerabilities=[{"code": "pregnant", "note": "7 months"}],
            needs=[{"category": "evacuation", "urgency": "critical"}, {"category": "documents"}],
            consents=[{"scope": "registration", "method": "verbal"}],
        ),
    )

    assert response.status_code == 201
    body = response.json()
    assert [(v["code"], v["note"]) for v in body["vulnerabilities"]] == [("pregnant", "7 months")]
    assert [(n["category"], n["urgency"], n["status"]) for n in body["needs"]] == [
        ("evacuation", "critical", "open"),
        ("documents", "medium", "open"),
    ]
    assert [(c["scope"], c["is_active"]) for c in body["consents"]] == [("registration", True)]
    assert client_a.get(f"/persons/{body['id']}").json() == body


def test_get_a_person(client_a, register_person):
    created = register_person(client_a)

    response = client_a.get(f"/persons/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize("_case", ["unknown id", "org_b's person"])
def test_a_person_out_of_reach_is_not_found(_case, client_a, client_b, register_person):
    person_id = UNKNOWN_ID if _case == "unknown id" else register_person(client_b)["id"]

    response = client_a.get(f"/persons/{person_id}")

    assert response.status_code == 404
    assert response.json() == {
        "code": "NOT_FOUND",
        "field": "person_id",
        "message": "No such person.",
    }


def test_list_persons_newest_first_and_paginated(client_a, client_b, register_person):
    ids = [register_person(client_a, given_name=f"Person{i}")["id"] for i in range(5)]
    register_person(client_b)

    first = client_a.get("/persons", limit=2)
    rest = client_a.get("/persons", limit=2, offset=4)

    assert first.status_code == rest.status_code == 200
    assert (first.json()["count"], first.json()["limit"], first.json()["offset"]) == (5, 2, 0)
    assert [p["id"] for p in first.json()["items"]] == ids[::-1][:2]
    assert [p["id"] for p in rest.json()["items"]] == [ids[0]]
    assert client_b.get("/persons").json()["count"] == 1


@pytest.mark.parametrize(
    ("_case", "client_kind", "status"),
    [
        ("anonymous", None, 401),
        ("viewer", Role.VIEWER, 403),
        ("volunteer", Role.VOLUNTEER, 201),
        ("caseworker", Role.CASEWORKER, 201),
        ("coordinator", Role.COORDINATOR, 201),
        ("admin", Role.ADMIN, 201),
    ],
)
def test_who_may_register_a_person(
    _case, client_kind, status, make_client, org_a, person_payload, row_counts
):
    client = ApiClient(None) if client_kind is None else make_client(org_a, client_kind)
    before = row_counts()

    response = client.post("/persons", person_payload())

    assert response.status_code == status
    written = {"Person": 1, "AuditEntry": 1} if status == 201 else {}
    assert row_counts() == {table: n + written.get(table, 0) for table, n in before.items()}
    if status == 201:
        assert Person.objects.get().registered_by_id == org_a.id


def test_a_person_is_registered_in_an_existing_crisis(client_a, person_payload, row_counts):
    before = row_counts()

    response = client_a.post("/persons", person_payload(crisis_id=UNKNOWN_ID))

    assert response.status_code == 422
    assert response.json()["field"] == "crisis_id"
    assert row_counts() == before


def test_spaced_phone_numbers_are_stored_in_e164_and_a_wrong_one_names_its_field(
    client_a, person_payload, row_counts
):
    """Spaced numbers take the E.164 shortcut: the same stored form and the same 422."""
    stored = client_a.post(
        "/persons", person_payload(phones=["+380-50-123-4567", "+234 803 123 4567"])
    )
    before = row_counts()

    response = client_a.post(
        "/persons", person_payload(phones=["+380 50 123 4567", "+380 50 123 456"])
    )

    assert stored.status_code == 201, stored.json()
    assert stored.json()["phones"] == ["+380501234567", "+2348031234567"]
    assert response.status_code == 422
    assert response.json()["field"] == "phones"
    assert "phone 2: is not a valid telephone number" in response.json()["message"]
    assert row_counts() == before


@pytest.mark.parametrize("written", ["+380 50 PRIVATE", "+48 600 CALL ME", "+380 50 ДЗВОНИ"])
def test_a_phone_with_letters_is_refused_not_dialled_as_on_a_keypad(
    written, client_a, person_payload, row_counts
):
    """The library would store "+380 50 PRIVATE" as +380507748283, a number nobody gave."""
    before = row_counts()

    response = client_a.post("/persons", person_payload(phones=["+380 50 123 4567", written]))
    extension = client_a.post("/persons", person_payload(phones=["+380 50 123 4567 ext. 12"]))

    assert response.status_code == 422
    assert response.json()["field"] == "phones"
    assert "phone 2: contains letters" in response.json()["message"]
    assert extension.status_code == 201, extension.json()
    assert extension.json()["phones"] == ["+380501234567"]  # as before: the extension dropped
    assert row_counts()["Person"] == before["Person"] + 1


def test_update_a_person(client_a, register_person):
    created = register_person(client_a)

    response = client_a.patch(
        f"/persons/{created['id']}",
        {
            "version": 1,
            "family_name": "Коваленко",
            "journey_stage": "in_transit",
            "latitude": None,
            "longitude": None,
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["family_name"], body["family_name_latin"]) == ("Коваленко", "Kovalenko")
    assert (body["journey_stage"], body["latitude"], body["longitude"]) == (
        "in_transit",
        None,
        None,
    )
    assert body["version"] == 2
    assert body["given_name"] == "Chukwuemeka"
    person = Person.objects.get(id=created["id"])
    assert (person.family_name, person.version) == ("Коваленко", 2)
    assert person.search_text == " chukwuemeka ~ckvmk kovalenko ~kvlnk "
    entry = AuditEntry.objects.get(object_type="person", action="update")
    assert entry.details == {
        "fields": [
            "family_name",
            "family_name_latin",
            "journey_stage",
            "latitude",
            "longitude",
            "search_text",
        ]
    }


def test_a_stale_version_is_a_conflict(client_a, register_person, row_counts):
    created = register_person(client_a)
    assert (
        client_a.patch(
            f"/persons/{created['id']}", {"version": 1, "place_name": "Lviv"}
        ).status_code
        == 200
    )
    before = row_counts()

    response = client_a.patch(f"/persons/{created['id']}", {"version": 1, "place_name": "Przemyśl"})

    assert response.status_code == 409
    assert response.json() == {
        "code": "STALE_VERSION",
        "field": "version",
        "message": "The record changed since version 1; it is now 2.",
    }
    assert row_counts() == before
    person = Person.objects.get(id=created["id"])
    assert (person.place_name, person.version) == ("Lviv", 2)


def test_a_patch_without_version_applies(client_a, register_person):
    created = register_person(client_a)

    response = client_a.patch(f"/persons/{created['id']}", {"phones": ["050 765 4321"]})

    assert response.status_code == 200
    assert response.json()["phones"] == ["+380507654321"]
    assert response.json()["version"] == 2


@pytest.mark.parametrize(
    ("_case", "organisation", "role", "status"),
    [
        ("anonymous", None, None, 401),
        ("viewer", "org_a", Role.VIEWER, 403),
        ("org_b caseworker", "org_b", Role.CASEWORKER, 404),
        ("org_b admin", "org_b", Role.ADMIN, 404),
        ("volunteer", "org_a", Role.VOLUNTEER, 200),
        ("coordinator", "org_a", Role.COORDINATOR, 200),
    ],
)
def test_who_may_update_a_person(
    _case,
    organisation,
    role,
    status,
    make_client,
    org_a,
    org_b,
    client_a,
    register_person,
    row_counts,
):
    created = register_person(client_a)
    orgs = {"org_a": org_a, "org_b": org_b}
    client = ApiClient(None) if organisation is None else make_client(orgs[organisation], role)
    before = row_counts()

    response = client.patch(f"/persons/{created['id']}", {"place_name": "Lviv"})

    assert response.status_code == status
    person = Person.objects.get(id=created["id"])
    if status == 200:
        assert (person.place_name, person.version) == ("Lviv", 2)
    else:
        assert (person.place_name, person.version) == ("Kharkiv", 1)
        assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "patch", "field"),
    [
        ("latitude alone onto a record without coordinates", {"latitude": 50.45}, "longitude"),
        ("latitude removed, longitude kept", {"latitude": None}, "latitude"),
        ("no name left", {"given_name": "", "family_name": " "}, "given_name"),
        ("unknown nationality", {"nationalities": ["UA", "ZZ"]}, "nationalities[1]"),
        ("impossible birth date", {"birth_date": "2001-02-30"}, "birth_date"),
        ("invalid phone", {"phones": ["12"]}, "phones"),
        ("unknown field", {"registered_by_id": UNKNOWN_ID}, "registered_by_id"),
        ("version zero", {"version": 0}, "version"),
    ],
)
def test_an_invalid_update_changes_nothing(
    _case, patch, field, client_a, register_person, row_counts
):
    has_coordinates = _case != "latitude alone onto a record without coordinates"
    created = register_person(
        client_a, **({} if has_coordinates else {"latitude": None, "longitude": None})
    )
    before = row_counts()

    response = client_a.patch(f"/persons/{created['id']}", patch)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert row_counts() == before
    assert client_a.get(f"/persons/{created['id']}").json()["version"] == 1
