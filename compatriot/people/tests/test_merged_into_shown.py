"""A person's `merged_into_id` names the primary record of its merged group only to a caller who
may see that record: to anyone else it is null, so that the id of a record out of their scope is
not given away (as linkage's merges shown leave out `primary_id`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from compatriot.core.models import Organisation, Role
from compatriot.people.models import Person
from conftest import ApiClient

SHARING = [{"scope": "sharing", "method": "verbal", "partner_kinds": ["ngo"]}]


@pytest.fixture
def merged(
    client_a: ApiClient,
    register_person: Callable[..., dict[str, Any]],
    make_client: Callable[..., ApiClient],
    share: Callable[..., str],
    org_b: Organisation,
) -> dict[str, Any]:
    """org_a's record (shared with org_b) merged into org_c's, which org_b may not see, and org_a's
    second record merged into its first."""
    org_c = Organisation.objects.create(name="Third", kind="ngo", operating_countries=["PL"])
    client_c = make_client(org_c, Role.CASEWORKER)
    primary = register_person(client_c, given_name="Same", source_record_id="c-1")
    shared = register_person(client_a, given_name="Same", consents=SHARING, source_record_id="a-1")
    own = register_person(client_a, given_name="Same", consents=SHARING, source_record_id="a-2")
    Person.objects.filter(id=shared["id"]).update(merged_into_id=primary["id"])
    Person.objects.filter(id=own["id"]).update(merged_into_id=shared["id"])
    share(org_b)
    return {"primary": primary["id"], "shared": shared["id"], "own": own["id"], "c": client_c}


@pytest.mark.django_db
def test_a_primary_record_out_of_scope_is_not_named(
    client_b: ApiClient, client_a: ApiClient, merged: dict[str, Any]
) -> None:
    assert client_b.get(f"/persons/{merged['primary']}").status_code == 404
    read = client_b.get(f"/persons/{merged['shared']}")
    assert read.status_code == 200
    assert read.json()["merged_into_id"] is None
    listed = client_b.get("/persons").json()["items"]
    searched = client_b.post("/persons/search", {"q": "Same"}).json()["items"]
    for items in (listed, searched):
        assert merged["primary"] not in str(items)
        assert {item["merged_into_id"] for item in items} <= {None, merged["shared"]}
    assert client_a.get(f"/persons/{merged['shared']}").json()["merged_into_id"] is None


@pytest.mark.django_db
def test_a_primary_record_in_scope_is_named(
    client_a: ApiClient, client_b: ApiClient, merged: dict[str, Any]
) -> None:
    for client in (client_a, client_b):
        read = client.get(f"/persons/{merged['own']}")
        assert read.json()["merged_into_id"] == merged["shared"]
    assert merged["c"].get(f"/persons/{merged['primary']}").json()["merged_into_id"] is None
    changed = client_a.patch(f"/persons/{merged['own']}", {"place_name": "Lviv"})
    assert changed.json()["merged_into_id"] == merged["shared"]
    shown = client_a.post("/persons/search", {"q": "Same"}).json()["items"]
    assert [item["merged_into_id"] for item in shown] == [None]  # the group once, as its oldest


@pytest.mark.django_db
def test_a_households_members_name_only_primary_records_in_scope(
    client_a: ApiClient,
    client_b: ApiClient,
    crisis: Any,
    person_payload: Callable[..., dict[str, Any]],
    merged: dict[str, Any],
) -> None:
    member = {**person_payload(consents=SHARING), "relationship": "head"}
    del member["crisis_id"]
    created = client_a.post("/households", {"crisis_id": str(crisis.id), "members": [member]})
    assert created.status_code == 201, created.json()
    household, member_id = created.json()["id"], created.json()["members"][0]["id"]
    Person.objects.filter(id=member_id).update(merged_into_id=merged["primary"])
    for client in (client_a, client_b):
        members = client.get(f"/households/{household}").json()["members"]
        assert [m["merged_into_id"] for m in members] == [None]
    Person.objects.filter(id=member_id).update(merged_into_id=merged["shared"])
    for client in (client_a, client_b):
        members = client.get(f"/households/{household}").json()["members"]
        assert [m["merged_into_id"] for m in members] == [merged["shared"]]
