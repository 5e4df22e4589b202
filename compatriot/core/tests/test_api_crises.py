"""Crises through the API: created and changed by platform administrators only, read by all."""

from __future__ import annotations

import datetime as dt

import pytest

from compatriot.core.models import AuditEntry, Crisis, Role


def crisis_body(**overrides):
    body = {
        "name": "Sudan 2023",
        "kind": "conflict",
        "phase": "emergency",
        "affected_countries": ["SDN", "td"],
        "started_on": "2023-04-15",
        "description": "Fighting in Khartoum.\nEvacuations by land.",
    }
    body.update(overrides)
    return body


def test_platform_admin_creates_a_crisis(admin_client):
    response = admin_client.post("/crises", crisis_body())

    assert response.status_code == 201
    body = response.json()
    crisis = Crisis.objects.get(id=body["id"])
    assert body == {
        "id": str(crisis.id),
        "name": "Sudan 2023",
        "kind": "conflict",
        "phase": "emergency",
        "affected_countries": ["SD", "TD"],
        "started_on": "2023-04-15",
        "ended_on": None,
        "description": "Fighting in Khartoum.\nEvacuations by land.",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert crisis.affected_countries == ["SD", "TD"]
    assert crisis.started_on == dt.date(2023, 4, 15)
    entry = AuditEntry.objects.get(object_type="crisis", object_id=str(crisis.id))
    assert (entry.action, entry.actor_user_id) == ("create", admin_client.user.id)


def test_a_crisis_needs_no_affected_countries(admin_client):
    response = admin_client.post(
        "/crises", {"name": "Cyclone", "kind": "disaster", "started_on": "2024-03-01"}
    )

    assert response.status_code == 201
    crisis = Crisis.objects.get(id=response.json()["id"])
    assert (crisis.affected_countries, crisis.phase, crisis.description) == ([], "emergency", "")


@pytest.mark.parametrize(
    ("_case", "role", "own_organisation"),
    [
        ("organisation admin", Role.ADMIN, True),
        ("coordinator", Role.COORDINATOR, True),
        ("caseworker", Role.CASEWORKER, True),
        ("viewer", Role.VIEWER, True),
        ("org_b admin", Role.ADMIN, False),
    ],
)
def test_only_a_platform_admin_creates_a_crisis(
    _case, role, own_organisation, make_client, org_a, org_b, row_counts
):
    client = make_client(org_a if own_organisation else org_b, role)
    before = row_counts()

    response = client.post("/crises", crisis_body())

    assert response.status_code == 403
    assert response.json() == {
        "code": "PERMISSION_DENIED",
        "field": None,
        "message": "Only a platform administrator may do this.",
    }
    assert row_counts() == before


def test_anonymous_cannot_create_a_crisis(anonymous, db, row_counts):
    before = row_counts()

    response = anonymous.post("/crises", crisis_body())

    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHENTICATED"
    assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "overrides", "field"),
    [
        ("ends before it starts", {"ended_on": "2023-04-14"}, "ended_on"),
        ("unknown kind", {"kind": "earthquake"}, "kind"),
        ("unknown phase", {"phase": "aftermath"}, "phase"),
        ("unknown country", {"affected_countries": ["SD", "XX"]}, "affected_countries[1]"),
        ("empty name", {"name": ""}, "name"),
        ("impossible date", {"started_on": "2023-02-30"}, "started_on"),
        ("unknown field", {"severity": 5}, "severity"),
    ],
)
def test_invalid_crisis_is_refused(_case, overrides, field, admin_client, row_counts):
    before = row_counts()

    response = admin_client.post("/crises", crisis_body(**overrides))

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert row_counts() == before


def test_crisis_names_are_unique(admin_client, crisis, row_counts):
    before = row_counts()

    response = admin_client.post("/crises", crisis_body(name="Test crisis"))

    assert response.status_code == 409
    assert response.json()["code"] == "CONFLICT"
    assert response.json()["field"] == "name"
    assert row_counts() == before


@pytest.mark.parametrize("_case", ["org_a caseworker", "org_b caseworker"])
def test_every_signed_in_user_reads_a_crisis(_case, client_a, client_b, crisis):
    client = client_a if _case.startswith("org_a") else client_b

    response = client.get(f"/crises/{crisis.id}")

    assert response.status_code == 200
    assert response.json() | {"created_at": None, "updated_at": None} == {
        "id": str(crisis.id),
        "name": "Test crisis",
        "kind": "conflict",
        "phase": "emergency",
        "affected_countries": ["UA", "PL"],
        "started_on": "2022-02-24",
        "ended_on": None,
        "description": "",
        "created_at": None,
        "updated_at": None,
    }


def test_unknown_crisis_is_not_found(client_a):
    response = client_a.get("/crises/00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert response.json() == {
        "code": "NOT_FOUND",
        "field": "crisis_id",
        "message": "No such crisis.",
    }


def test_crisis_list_is_paginated_newest_first(admin_client, client_b, crisis):
    for name, started_on in [
        ("Flood", "2024-07-01"),
        ("Quake", "2023-02-06"),
        ("Storm", "2021-09-01"),
    ]:
        created = admin_client.post("/crises", crisis_body(name=name, started_on=started_on))
        assert created.status_code == 201

    first = client_b.get("/crises", limit=2)
    second = client_b.get("/crises", limit=2, offset=2)

    assert first.status_code == second.status_code == 200
    assert (first.json()["count"], first.json()["limit"], first.json()["offset"]) == (4, 2, 0)
    assert [c["name"] for c in first.json()["items"]] == ["Flood", "Quake"]
    assert (second.json()["count"], second.json()["offset"]) == (4, 2)
    assert [c["name"] for c in second.json()["items"]] == ["Test crisis", "Storm"]


def test_platform_admin_updates_a_crisis(admin_client, crisis):
    response = admin_client.patch(
        f"/crises/{crisis.id}", {"phase": "post_crisis", "ended_on": "2024-01-31"}
    )

    assert response.status_code == 200
    assert (response.json()["phase"], response.json()["ended_on"]) == ("post_crisis", "2024-01-31")
    crisis.refresh_from_db()
    assert (crisis.phase, crisis.ended_on) == ("post_crisis", dt.date(2024, 1, 31))
    assert crisis.name == "Test crisis"
    entry = AuditEntry.objects.get(object_type="crisis", action="update")
    assert entry.details == {"fields": ["ended_on", "phase"]}


def test_unchanged_patch_writes_no_audit_entry(admin_client, crisis, row_counts):
    before = row_counts()

    response = admin_client.patch(f"/crises/{crisis.id}", {"phase": "emergency"})

    assert response.status_code == 200
    assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "role", "own_organisation"),
    [
        ("organisation admin", Role.ADMIN, True),
        ("caseworker", Role.CASEWORKER, True),
        ("org_b coordinator", Role.COORDINATOR, False),
    ],
)
def test_only_a_platform_admin_updates_a_crisis(
    _case, role, own_organisation, make_client, org_a, org_b, crisis, row_counts
):
    client = make_client(org_a if own_organisation else org_b, role)
    before = row_counts()

    response = client.patch(f"/crises/{crisis.id}", {"phase": "post_crisis"})

    assert response.status_code == 403
    assert row_counts() == before
    crisis.refresh_from_db()
    assert crisis.phase == "emergency"


def test_crisis_cannot_be_patched_to_end_before_it_starts(admin_client, crisis, row_counts):
    before = row_counts()

    response = admin_client.patch(f"/crises/{crisis.id}", {"ended_on": "2022-02-23"})

    assert response.status_code == 422
    assert response.json()["field"] == "ended_on"
    assert row_counts() == before
    crisis.refresh_from_db()
    assert crisis.ended_on is None


def test_patching_an_unknown_crisis_is_not_found(admin_client, db, row_counts):
    before = row_counts()

    response = admin_client.patch(
        "/crises/00000000-0000-4000-8000-000000000000", {"phase": "post_crisis"}
    )

    assert response.status_code == 404
    assert response.json()["field"] == "crisis_id"
    assert row_counts() == before
