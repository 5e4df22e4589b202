"""Households: registered with all their members in one transaction, or not at all."""

from __future__ import annotations

import pytest

from compatriot.core.models import AuditEntry, Role
from compatriot.people.models import Household, Person

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def family(member):
    return [
        member("head", given_name="Olena", family_name="Коваленко", nationalities=["UA"]),
        member("child", given_name="Маша", family_name="Коваленко", birth_date="2015"),
        member("grandparent", given_name="Ivan", family_name="Kovalenko", birth_date="1941-06-22"),
    ]


def test_register_a_household_with_three_members(client_a, org_a, crisis, family):
    response = client_a.post(
        "/households", {"crisis_id": str(crisis.id), "label": "Kovalenko family", "members": family}
    )

    assert response.status_code == 201
    body = response.json()
    household = Household.objects.get(id=body["id"])
    assert (household.crisis_id, household.registered_by_id, household.label) == (
        crisis.id,
        org_a.id,
        "Kovalenko family",
    )
    assert [(m["given_name"], m["relationship"], m["birth_date"]) for m in body["members"]] == [
        ("Olena", "head", "2001-05"),
        ("Маша", "child", "2015"),
        ("Ivan", "grandparent", "1941-06-22"),
    ]
    assert {m["household_id"] for m in body["members"]} == {str(household.id)}
    assert body["members"][1]["given_name_latin"] == "Masha"
    assert Person.objects.filter(household=household).count() == 3
    creates = AuditEntry.objects.filter(action="create").values_list("object_type", flat=True)
    assert sorted(creates) == ["api_token", "household", "person", "person", "person"]
    assert client_a.get(f"/households/{household.id}").json() == body


@pytest.mark.parametrize(
    ("_case", "third", "status", "field"),
    [
        ("impossible birth date", {"birth_date": "2001-02-30"}, 422, "members[2].birth_date"),
        (
            "unknown nationality",
            {"nationalities": ["UA", "QQ"]},
            422,
            "members[2].nationalities[1]",
        ),
        ("no relationship", {"relationship": None}, 422, "members[2].relationship"),
        ("latitude without longitude", {"longitude": None}, 422, "members[2].longitude"),
        (
            "sharing consent without partners",
            {"consents": [{"scope": "sharing", "method": "verbal"}]},
            422,
            "members[2].consents[0].partner_kinds",
        ),
        (
            "source record of member 0",
            {"source_record_id": "row-1"},
            409,
            "members[2].source_record_id",
        ),
        (
            "source record already registered",
            {"source_record_id": "row-9"},
            409,
            "members[2].source_record_id",
        ),
    ],
)
def test_a_bad_third_member_writes_nothing(
    _case, third, status, field, client_a, crisis, family, register_person, row_counts
):
    register_person(client_a, source_record_id="row-9")
    family[0]["source_record_id"] = "row-1"
    family[2].update(third)
    before = row_counts()

    response = client_a.post("/households", {"crisis_id": str(crisis.id), "members": family})

    assert response.status_code == status
    assert response.json()["field"] == field
    assert row_counts() == before
    assert Household.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "relationships", "extra", "field"),
    [
        ("two heads", ["head", "head"], {}, "members"),
        ("no members", [], {}, "members"),
        ("unknown crisis", ["head"], {"crisis_id": UNKNOWN_ID}, "crisis_id"),
        ("unknown field", ["head"], {"address": "Lviv"}, "address"),
    ],
)
def test_an_invalid_household_writes_nothing(
    _case, relationships, extra, field, client_a, crisis, member, row_counts
):
    members = [member(relationship) for relationship in relationships]
    before = row_counts()

    response = client_a.post(
        "/households", {"crisis_id": str(crisis.id), "members": members, **extra}
    )

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "organisation", "role", "status"),
    [
        ("anonymous", None, None, 401),
        ("viewer", "org_a", Role.VIEWER, 403),
        ("volunteer", "org_a", Role.VOLUNTEER, 201),
        ("org_b admin", "org_b", Role.ADMIN, 201),
    ],
)
def test_who_may_register_a_household(
    _case,
    organisation,
    role,
    status,
    make_client,
    anonymous,
    org_a,
    org_b,
    crisis,
    family,
    row_counts,
):
    client = (
        anonymous
        if organisation is None
        else make_client({"org_a": org_a, "org_b": org_b}[organisation], role)
    )
    before = row_counts()

    response = client.post("/households", {"crisis_id": str(crisis.id), "members": family})

    assert response.status_code == status
    if status == 201:
        expected_owner = org_a if organisation == "org_a" else org_b
        assert Household.objects.get().registered_by_id == expected_owner.id
        assert Person.objects.filter(registered_by=expected_owner).count() == 3
    else:
        assert row_counts() == before


@pytest.fixture
def household(client_a, crisis, family):
    response = client_a.post("/households", {"crisis_id": str(crisis.id), "members": family[:2]})
    assert response.status_code == 201
    return response.json()


def test_add_a_registered_person_to_the_household(client_a, household, register_person):
    person = register_person(client_a, given_name="Taras", family_name="Коваленко")

    response = client_a.post(
        f"/households/{household['id']}/members",
        {"person_id": person["id"], "relationship": "sibling"},
    )

    assert response.status_code == 200
    assert [m["given_name"] for m in response.json()["members"]] == ["Olena", "Маша", "Taras"]
    stored = Person.objects.get(id=person["id"])
    assert (str(stored.household_id), stored.relationship, stored.version) == (
        household["id"],
        "sibling",
        2,
    )


def test_register_a_person_into_the_household(client_a, household, person_payload):
    response = client_a.post(
        "/persons",
        person_payload(household_id=household["id"], relationship="spouse", given_name="Petro"),
    )

    assert response.status_code == 201
    assert (response.json()["household_id"], response.json()["relationship"]) == (
        household["id"],
        "spouse",
    )
    assert client_a.get("/persons", household=household["id"]).json()["count"] == 3


@pytest.mark.parametrize(
    ("_case", "overrides", "status", "field"),
    [
        ("household without relationship", {"relationship": None}, 422, "relationship"),
        (
            "relationship without household",
            {"household_id": None, "relationship": "child"},
            422,
            "relationship",
        ),
        (
            "unknown household",
            {"household_id": UNKNOWN_ID, "relationship": "child"},
            404,
            "household_id",
        ),
    ],
)
def test_household_and_relationship_come_together(
    _case, overrides, status, field, client_a, household, person_payload, row_counts
):
    body = person_payload(household_id=household["id"], relationship="child")
    body.update(overrides)
    before = row_counts()

    response = client_a.post("/persons", body)

    assert response.status_code == status
    assert response.json()["field"] == field
    assert row_counts() == before


def test_rename_a_household(client_a, household):
    response = client_a.patch(f"/households/{household['id']}", {"label": "Kovalenko, Lviv"})

    assert response.status_code == 200
    assert response.json()["label"] == "Kovalenko, Lviv"
    assert Household.objects.get().label == "Kovalenko, Lviv"
    assert AuditEntry.objects.get(object_type="household", action="update").details == {
        "fields": ["label"]
    }


@pytest.mark.parametrize(
    ("sight", "status", "code"),
    [
        ("not shared", 404, "NOT_FOUND"),
        # org_b reads it (a member's consent names NGOs): told it may not change it, as for persons.
        ("shared", 403, "PERMISSION_DENIED"),
        ("consent withdrawn", 404, "NOT_FOUND"),
    ],
)
@pytest.mark.parametrize("_case", ["rename", "add own person", "register into it"])
def test_org_b_cannot_touch_org_a_household(
    _case,
    sight,
    status,
    code,
    client_a,
    client_b,
    household,
    register_person,
    person_payload,
    row_counts,
    share,
    org_b,
):
    if sight != "not shared":
        head = household["members"][0]["id"]
        consent = {"scope": "sharing", "method": "verbal", "partner_kinds": ["ngo"]}
        consent_id = client_a.post(f"/persons/{head}/consents", consent).json()["id"]
        share(org_b)
        if sight == "consent withdrawn":
            client_a.post(f"/persons/{head}/consents/{consent_id}/withdraw")
    own_person = register_person(client_b)["id"]
    read = client_b.get(f"/households/{household['id']}")
    assert read.status_code == (200 if sight == "shared" else 404)
    before = row_counts()

    def change(household_id):
        if _case == "rename":
            return client_b.patch(f"/households/{household_id}", {"label": "Mine"})
        if _case == "add own person":
            return client_b.post(
                f"/households/{household_id}/members",
                {"person_id": own_person, "relationship": "child"},
            )
        return client_b.post(
            "/persons", person_payload(household_id=household_id, relationship="child")
        )

    response = change(household["id"])

    assert response.status_code == status
    assert (response.json()["code"], response.json()["field"]) == (code, "household_id")
    if status == 404:  # exactly as if it did not exist
        assert response.content == change(UNKNOWN_ID).content
    assert row_counts() == before
    assert Household.objects.get(id=household["id"]).label == ""
    assert Person.objects.get(id=own_person).household_id is None


def test_org_a_cannot_add_org_b_person(client_a, client_b, household, register_person, row_counts):
    person_b = register_person(client_b)["id"]
    before = row_counts()

    response = client_a.post(
        f"/households/{household['id']}/members", {"person_id": person_b, "relationship": "child"}
    )

    assert response.status_code == 404
    assert response.json()["field"] == "person_id"
    assert row_counts() == before


def test_a_members_history_shows_the_household_read(client_a, household, org_a, register_person):
    """Reading a household returns each member's full record: the entry names the members it
    returned, so each member's history (the person page) shows that read, and no one else's."""
    from compatriot.core.selectors import audit_history
    from compatriot.core.viewer import Viewer

    outsider = register_person(client_a, given_name="Taras")["id"]
    assert client_a.get(f"/households/{household['id']}").status_code == 200
    read = AuditEntry.objects.filter(object_type="household", action="read").latest("id")
    members = [m["id"] for m in household["members"]]
    assert read.details == {"members": 2, "persons": sorted(members, key=members.index)}

    viewer = Viewer(None, org_a.id, org_a.kind, Role.CASEWORKER, False)
    for member_id in members:
        history = audit_history(viewer, object_type="person", object_id=member_id)
        assert (history[0].id, history[0].action) == (read.id, "read")  # the newest
    elsewhere = audit_history(viewer, object_type="person", object_id=outsider)
    assert read.id not in [entry.id for entry in elsewhere]
