"""Organisations, their members and their sharing agreements through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from compatriot.core.models import (
    AuditEntry,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    SharingAgreement,
)

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def organisation_body(**overrides):
    body = {
        "name": "Ghanaian Union Lviv",
        "kind": "diaspora_organisation",
        "org_identifier": "UA-EDR-12345678",
        "origin_countries": ["GHA"],
        "operating_countries": ["UA", "pol"],
        "languages": ["en", "twi"],
        "website": "https://ghanaians.example.org",
    }
    body.update(overrides)
    return body


def test_creating_an_organisation_makes_the_caller_its_admin(client_a):
    response = client_a.post("/organisations", organisation_body())

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Ghanaian Union Lviv",
        "kind": "diaspora_organisation",
        "org_identifier": "UA-EDR-12345678",
        "origin_countries": ["GH"],
        "operating_countries": ["UA", "PL"],
        "languages": ["en", "tw"],
        "website": "https://ghanaians.example.org/",
        "is_verified": False,
        "verified_at": None,
        "created_at": body["created_at"],
    }
    membership = Membership.objects.get(organisation_id=body["id"])
    assert (membership.user_id, membership.role, membership.is_active) == (
        client_a.user.id,
        Role.ADMIN,
        True,
    )
    entry = AuditEntry.objects.get(object_type="organisation", object_id=body["id"])
    assert entry.action == "create"


def test_an_organisation_needs_only_a_name_and_a_kind(client_a):
    response = client_a.post(
        "/organisations", {"name": "Sahel Mutual Aid", "kind": "community_group"}
    )

    assert response.status_code == 201
    organisation = Organisation.objects.get(id=response.json()["id"])
    assert (organisation.origin_countries, organisation.languages, organisation.website) == (
        [],
        [],
        "",
    )


@pytest.mark.parametrize(
    ("_case", "overrides", "status", "field"),
    [
        ("name taken", {"name": "Other Helpers"}, 409, "name"),
        ("unknown kind", {"kind": "club"}, 422, "kind"),
        ("unknown country", {"operating_countries": ["UA", "ZZZ"]}, 422, "operating_countries[1]"),
        ("unknown language", {"languages": ["qqq"]}, 422, "languages[0]"),
        ("not a url", {"website": "ghanaians"}, 422, "website"),
        ("unknown field", {"verified": True}, 422, "verified"),
    ],
)
def test_invalid_organisation_is_refused(
    _case, overrides, status, field, client_a, org_b, row_counts
):
    before = row_counts()

    response = client_a.post("/organisations", organisation_body(**overrides))

    assert response.status_code == status
    assert response.json()["field"] == field
    assert row_counts() == before


def test_anonymous_cannot_create_an_organisation(anonymous, db, row_counts):
    before = row_counts()

    assert anonymous.post("/organisations", organisation_body()).status_code == 401
    assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "filters", "names"),
    [
        ("all", {}, ["Nigerian Community in Poland", "Other Helpers"]),
        ("by kind", {"kind": "ngo"}, ["Other Helpers"]),
        (
            "by alpha-2 country",
            {"country": "PL"},
            ["Nigerian Community in Poland", "Other Helpers"],
        ),
        (
            "by alpha-3 country",
            {"country": "pol"},
            ["Nigerian Community in Poland", "Other Helpers"],
        ),
        ("by a country where none operate", {"country": "UA"}, []),
    ],
)
def test_organisation_directory(_case, filters, names, client_b, org_a):
    response = client_b.get("/organisations", **filters)

    assert response.status_code == 200
    assert response.json()["count"] == len(names)
    assert [item["name"] for item in response.json()["items"]] == names


@pytest.mark.parametrize(
    ("_case", "filters", "field"),
    [
        ("unknown country", {"country": "XX"}, "country"),
        ("control character in country", {"country": "P\x00L"}, "country"),
        ("unknown kind", {"kind": "club"}, "kind"),
    ],
)
def test_organisation_directory_rejects_bad_filters(_case, filters, field, client_a):
    response = client_a.get("/organisations", **filters)

    assert response.status_code == 422
    assert response.json()["field"] == field


def test_get_organisation(client_b, org_a):
    response = client_b.get(f"/organisations/{org_a.id}")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["name"]) == (str(org_a.id), org_a.name)
    assert client_b.get(f"/organisations/{UNKNOWN_ID}").status_code == 404


def test_own_admin_updates_the_organisation(make_client, org_a):
    client = make_client(org_a, Role.ADMIN)

    response = client.patch(
        f"/organisations/{org_a.id}", {"languages": ["pl", "yo"], "website": "https://a.example"}
    )

    assert response.status_code == 200
    org_a.refresh_from_db()
    assert (org_a.languages, org_a.website) == (["pl", "yo"], "https://a.example/")
    assert response.json()["languages"] == ["pl", "yo"]
    entry = AuditEntry.objects.get(object_type="organisation", action="update")
    assert entry.details == {"fields": ["languages", "website"]}


@pytest.mark.parametrize(
    ("_case", "role", "own_organisation", "status"),
    [
        ("coordinator", Role.COORDINATOR, True, 403),
        ("caseworker", Role.CASEWORKER, True, 403),
        ("viewer", Role.VIEWER, True, 403),
        ("org_b admin", Role.ADMIN, False, 404),
    ],
)
def test_only_own_admin_updates_the_organisation(
    _case, role, own_organisation, status, make_client, org_a, org_b, row_counts
):
    client = make_client(org_a if own_organisation else org_b, role)
    before = row_counts()

    response = client.patch(f"/organisations/{org_a.id}", {"name": "Renamed"})

    assert response.status_code == status
    assert row_counts() == before
    assert Organisation.objects.get(id=org_a.id).name == "Nigerian Community in Poland"


def test_platform_admin_verifies_an_organisation(admin_client, org_b):
    response = admin_client.post(f"/organisations/{org_b.id}/verify")

    assert response.status_code == 200
    org_b.refresh_from_db()
    assert org_b.is_verified is True
    assert org_b.verified_by_id == admin_client.user.id
    assert org_b.verified_at is not None
    assert response.json()["is_verified"] is True
    answered = dt.datetime.fromisoformat(response.json()["verified_at"])
    assert answered == org_b.verified_at.replace(
        microsecond=org_b.verified_at.microsecond // 1000 * 1000
    )


@pytest.mark.parametrize("_case", ["own admin", "org_b admin"])
def test_only_a_platform_admin_verifies(_case, make_client, org_a, org_b, row_counts):
    client = make_client(org_a if _case == "own admin" else org_b, Role.ADMIN)
    before = row_counts()

    response = client.post(f"/organisations/{org_a.id}/verify")

    assert response.status_code == 403
    assert row_counts() == before
    org_a.refresh_from_db()
    assert (org_a.is_verified, org_a.verified_at, org_a.verified_by_id) == (False, None, None)


@pytest.fixture
def newcomer(db):
    return get_user_model().objects.create_user(username="newcomer", password="not-used-1")


def test_admin_adds_lists_and_changes_members(make_client, org_a, newcomer):
    admin = make_client(org_a, Role.ADMIN)

    added = admin.post(
        f"/organisations/{org_a.id}/members", {"username": "newcomer", "role": "volunteer"}
    )

    assert added.status_code == 201
    membership = Membership.objects.get(user=newcomer, organisation=org_a)
    assert added.json() == {
        "id": str(membership.id),
        "username": "newcomer",
        "role": "volunteer",
        "is_active": True,
        "created_at": added.json()["created_at"],
    }
    listed = admin.get(f"/organisations/{org_a.id}/members")
    assert listed.status_code == 200
    assert sorted((m["username"], m["role"]) for m in listed.json()) == sorted(
        [(admin.user.username, "admin"), ("newcomer", "volunteer")]
    )

    changed = admin.patch(
        f"/organisations/{org_a.id}/members/{membership.id}", {"role": "coordinator"}
    )

    assert changed.status_code == 200
    assert changed.json()["role"] == "coordinator"
    assert Membership.objects.get(id=membership.id).role == Role.COORDINATOR
    actions = list(
        AuditEntry.objects.filter(object_type="membership").values_list("action", "details")
    )
    assert actions == [("create", {"role": "volunteer"}), ("update", {"fields": ["role"]})]


@pytest.mark.parametrize(
    ("_case", "role", "own_organisation", "status"),
    [
        ("coordinator", Role.COORDINATOR, True, 403),
        ("caseworker", Role.CASEWORKER, True, 403),
        ("org_b admin", Role.ADMIN, False, 404),
    ],
)
def test_only_own_admin_adds_members(
    _case, role, own_organisation, status, make_client, org_a, org_b, newcomer, row_counts
):
    client = make_client(org_a if own_organisation else org_b, role)
    before = row_counts()

    response = client.post(
        f"/organisations/{org_a.id}/members", {"username": "newcomer", "role": "admin"}
    )

    assert response.status_code == status
    assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "username", "status"),
    [("unknown user", "nobody", 422), ("already a member", None, 409)],
)
def test_adding_a_member_names_the_username(
    _case, username, status, make_client, org_a, row_counts
):
    admin = make_client(org_a, Role.ADMIN)
    before = row_counts()

    response = admin.post(
        f"/organisations/{org_a.id}/members",
        {"username": username or admin.user.username, "role": "viewer"},
    )

    assert response.status_code == status
    assert response.json()["field"] == "username"
    assert row_counts() == before


def test_members_are_hidden_from_other_organisations(client_b, org_a, client_a):
    assert client_a.get(f"/organisations/{org_a.id}/members").status_code == 200

    response = client_b.get(f"/organisations/{org_a.id}/members")

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_a_membership_of_another_organisation_is_not_found(
    make_client, org_a, org_b, client_b, row_counts
):
    admin = make_client(org_a, Role.ADMIN)
    membership_b = Membership.objects.get(user=client_b.user)
    before = row_counts()

    response = admin.patch(
        f"/organisations/{org_a.id}/members/{membership_b.id}", {"role": "admin"}
    )

    assert response.status_code == 404
    assert response.json()["field"] == "membership_id"
    assert Membership.objects.get(id=membership_b.id).role == Role.CASEWORKER
    assert row_counts() == before


@pytest.fixture
def org_c(db):
    return Organisation.objects.create(name="Third Party", kind=OrganisationKind.NGO)


def test_manager_creates_lists_and_revokes_a_sharing_agreement(
    make_client, org_a, org_b, org_c, crisis
):
    manager = make_client(org_a, Role.COORDINATOR)

    created = manager.post(
        "/sharing-agreements",
        {"recipient_id": str(org_b.id), "crisis_id": str(crisis.id), "purpose": "Evacuation"},
    )

    assert created.status_code == 201
    agreement = SharingAgreement.objects.get()
    assert created.json() == {
        "id": str(agreement.id),
        "provider_id": str(org_a.id),
        "recipient_id": str(org_b.id),
        "crisis_id": str(crisis.id),
        "purpose": "Evacuation",
        "created_at": created.json()["created_at"],
        "revoked_at": None,
    }
    assert agreement.created_by_id == manager.user.id
    recipient, third = make_client(org_b, Role.VIEWER), make_client(org_c, Role.ADMIN)
    assert [a["id"] for a in manager.get("/sharing-agreements").json()] == [str(agreement.id)]
    assert [a["id"] for a in recipient.get("/sharing-agreements").json()] == [str(agreement.id)]
    assert third.get("/sharing-agreements").json() == []

    revoked = manager.post(f"/sharing-agreements/{agreement.id}/revoke")

    assert revoked.status_code == 200
    agreement.refresh_from_db()
    assert agreement.revoked_at is not None
    assert revoked.json()["revoked_at"] is not None


@pytest.mark.parametrize(
    ("_case", "role", "recipient", "status", "field"),
    [
        ("caseworker", Role.CASEWORKER, "org_b", 403, None),
        ("viewer", Role.VIEWER, "org_b", 403, None),
        ("with itself", Role.ADMIN, "org_a", 422, "recipient_id"),
        ("unknown recipient", Role.ADMIN, "unknown", 422, "recipient_id"),
    ],
)
def test_sharing_agreement_refusals(
    _case, role, recipient, status, field, make_client, org_a, org_b, row_counts
):
    client = make_client(org_a, role)
    recipient_id = {"org_a": org_a.id, "org_b": org_b.id, "unknown": UNKNOWN_ID}[recipient]
    before = row_counts()

    response = client.post(
        "/sharing-agreements", {"recipient_id": str(recipient_id), "purpose": "x"}
    )

    assert response.status_code == status
    assert response.json()["field"] == field
    assert row_counts() == before


def test_only_the_provider_revokes_an_agreement(make_client, org_a, org_b, row_counts):
    created = make_client(org_a, Role.ADMIN).post(
        "/sharing-agreements", {"recipient_id": str(org_b.id), "purpose": "Evacuation"}
    )
    recipient_admin = make_client(org_b, Role.ADMIN)
    before = row_counts()

    response = recipient_admin.post(f"/sharing-agreements/{created.json()['id']}/revoke")

    assert response.status_code == 404
    assert row_counts() == before
    assert SharingAgreement.objects.get().revoked_at is None
