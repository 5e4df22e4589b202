"""GET /households lists exactly the households GET /households/{id} shows (the registering
organisation's, and those with a member the caller may see), a page at a time, by crisis, audited
as a list. Changing a household one sees but did not register: test_api_households.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compatriot.core.models import AuditEntry, Crisis

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
NGO_CONSENT = {"scope": "sharing", "method": "verbal", "partner_kinds": ["ngo"]}


@pytest.fixture
def register_household(crisis, member):
    """POST /households as `client` (members: relationships, or member bodies)."""

    def register(client, *members, crisis_id=None, label=""):
        body = {
            "crisis_id": str(crisis_id or crisis.id),
            "label": label,
            "members": [m if isinstance(m, dict) else member(m) for m in members],
        }
        response = client.post("/households", body)
        assert response.status_code == 201, response.json()
        return response.json()

    return register


def withdraw_consent(client, person):
    consent_id = person["consents"][0]["id"]
    return client.post(f"/persons/{person['id']}/consents/{consent_id}/withdraw")


def listed_ids(client, **params):
    page = client.get("/households", **params).json()
    return page["count"], [item["id"] for item in page["items"]]


def assert_list_agrees_with_reads(client, household_ids):
    """Listed if and only if readable one at a time."""
    _, listed = listed_ids(client)
    readable = [h for h in household_ids if client.get(f"/households/{h}").status_code == 200]
    assert sorted(listed) == sorted(readable)


def test_the_list_follows_agreements_and_consent(
    client_a, client_b, member, register_household, share, org_b
):
    shared = register_household(
        client_a, member("head", consents=[NGO_CONSENT]), member("spouse", given_name="Ngozi")
    )
    private = register_household(client_a, "head")
    own_b = register_household(client_b, "head", "child")
    everything = [shared["id"], private["id"], own_b["id"]]

    # No agreement: each organisation lists its own, newest first.
    assert listed_ids(client_b) == (1, [own_b["id"]])
    assert listed_ids(client_a) == (2, [private["id"], shared["id"]])

    share(org_b)

    assert listed_ids(client_b) == (2, [own_b["id"], shared["id"]])
    item = client_b.get("/households").json()["items"][1]
    head = shared["members"][0]
    # Only the consenting member, by id and relationship: no member's record in the list.
    assert item == {
        "id": shared["id"],
        "crisis_id": shared["crisis_id"],
        "registered_by_id": shared["registered_by_id"],
        "label": "",
        "members": [{"id": head["id"], "relationship": "head"}],
        "created_at": shared["created_at"],
    }
    assert [m["id"] for m in client_a.get("/households").json()["items"][1]["members"]] == [
        m["id"] for m in shared["members"]
    ]
    assert_list_agrees_with_reads(client_a, everything)
    assert_list_agrees_with_reads(client_b, everything)

    withdrawn = withdraw_consent(client_a, head)

    assert withdrawn.status_code == 200
    assert listed_ids(client_b) == (1, [own_b["id"]])
    assert client_b.get(f"/households/{shared['id']}").status_code == 404
    assert_list_agrees_with_reads(client_b, everything)
    assert listed_ids(client_a) == (2, [private["id"], shared["id"]])


@pytest.mark.parametrize(
    ("_case", "agreement", "expected"),
    [
        ("agreement for this crisis", "this crisis", True),
        ("agreement for another crisis", "another crisis", False),
        ("revoked agreement", "revoked", False),
    ],
)
def test_the_list_follows_the_agreement_s_crisis_and_revocation(
    _case, agreement, expected, client_a, client_b, member, register_household, share, org_b, crisis
):
    household = register_household(client_a, member("head", consents=[NGO_CONSENT]))
    other = Crisis.objects.create(name="Sudan", kind="conflict", started_on=dt.date(2023, 4, 15))

    agreement_id = share(org_b, crisis=other if agreement == "another crisis" else crisis)
    if agreement == "revoked":
        revoked = share.coordinator.post(f"/sharing-agreements/{agreement_id}/revoke")
        assert revoked.status_code == 200

    assert listed_ids(client_b) == ((1, [household["id"]]) if expected else (0, []))
    assert_list_agrees_with_reads(client_b, [household["id"]])


def test_pages_and_the_crisis_filter(client_a, client_b, register_household):
    other = Crisis.objects.create(name="Sudan", kind="conflict", started_on=dt.date(2023, 4, 15))
    oldest, middle, newest = (register_household(client_a, "head") for _ in range(3))
    elsewhere = register_household(client_a, "head", crisis_id=other.id)
    register_household(client_b, "head")  # org_b's: in no page of org_a's
    mine = [oldest["id"], middle["id"], newest["id"]]

    first = client_a.get("/households", limit=2).json()
    second = client_a.get("/households", limit=2, offset=2).json()

    assert (first["count"], first["offset"], first["limit"]) == (4, 0, 2)
    assert [item["id"] for item in first["items"]] == [elsewhere["id"], newest["id"]]
    assert (second["count"], second["offset"], second["limit"]) == (4, 2, 2)
    assert [item["id"] for item in second["items"]] == [middle["id"], oldest["id"]]
    assert listed_ids(client_a, crisis=oldest["crisis_id"]) == (3, mine[::-1])
    assert listed_ids(client_a, crisis=str(other.id)) == (1, [elsewhere["id"]])
    assert listed_ids(client_a, crisis=UNKNOWN_ID) == (0, [])
    bad = client_a.get("/households", crisis="Sudan")
    assert (bad.status_code, bad.json()["field"]) == (422, "crisis")


def test_the_list_is_audited_as_a_list(
    client_a, client_b, member, register_household, share, org_b
):
    shared = register_household(
        client_a, member("head", consents=[NGO_CONSENT]), member("child"), member("spouse")
    )
    register_household(client_a, "head")
    register_household(client_b, "head", "child")
    share(org_b)
    before = AuditEntry.objects.count()

    response = client_b.get("/households", crisis=shared["crisis_id"], limit=1, offset=1)

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [shared["id"]]
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.object_type, entry.object_id) == ("list", "household", "")
    assert entry.actor_organisation_id == org_b.id
    # The filter, how many matched, how many were returned, and how many members they named.
    assert entry.details == {
        "filters": {"crisis": shared["crisis_id"]},
        "count": 2,
        "returned": 1,
        "members": 1,
    }


def test_the_list_s_queries_do_not_grow_with_the_page(
    client_a, client_b, member, register_household, share, org_b
):
    share(org_b)  # org_b sees them through consent: the costlier path

    def queries():
        client_b.get("/households")  # the token's use is recorded once a while, not per call
        with CaptureQueriesContext(connection) as captured:
            page = client_b.get("/households").json()
        return len(captured), page["count"], sum(len(item["members"]) for item in page["items"])

    def add(count):
        for _ in range(count):
            members = [
                member(relationship, consents=[NGO_CONSENT], needs=[{"category": "food"}])
                for relationship in ("head", "child")
            ]
            register_household(client_a, *members)

    add(2)
    few = queries()
    add(18)
    many = queries()

    assert (few[1:], many[1:]) == ((2, 4), (20, 40))
    assert many[0] == few[0]
