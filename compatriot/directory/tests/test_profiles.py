"""Diaspora profiles: staleness with a frozen clock, verification, and what the public sees."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.test import override_settings

from compatriot.core.models import Role
from compatriot.directory.models import DiasporaFocalPoint, DiasporaProfile
from compatriot.directory.tasks import flag_stale_profiles
from compatriot.directory.tests.factories import actor_for, make_profile, profile_payload

START = dt.datetime(2022, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def actor(org_a: Any, make_member: Any) -> Any:
    return actor_for(org_a, make_member(org_a, Role.COORDINATOR))


@override_settings(DIRECTORY_STALE_AFTER_DAYS=14)
def test_unconfirmed_profiles_are_flagged_stale_after_the_configured_days(actor: Any) -> None:
    with time_machine.travel(START, tick=False):
        old = make_profile(actor, name="Old")
    with time_machine.travel(START + dt.timedelta(days=10), tick=False):
        recent = make_profile(actor, name="Recent")
    with time_machine.travel(START + dt.timedelta(days=13, hours=23), tick=False):
        assert flag_stale_profiles.delay().get() == 0
    with time_machine.travel(START + dt.timedelta(days=14, seconds=1), tick=False):
        assert flag_stale_profiles.delay().get() == 1
        assert flag_stale_profiles.delay().get() == 0  # asked once, not every day
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.is_stale
    assert old.confirmation_requested_at == START + dt.timedelta(days=14, seconds=1)
    assert not recent.is_stale


def test_confirming_clears_the_flag(client_a: Any, org_a: Any) -> None:
    created = client_a.post("/directory/profiles", profile_payload()).json()
    DiasporaProfile.objects.filter(id=created["id"]).update(is_stale=True)
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        confirmed = client_a.post(f"/directory/profiles/{created['id']}/confirm")
    assert confirmed.status_code == 200
    assert confirmed.json()["is_stale"] is False
    assert confirmed.json()["last_confirmed_at"].startswith("2030-01-01")


def test_only_the_owner_changes_a_profile(client_a: Any, client_b: Any) -> None:
    created = client_a.post("/directory/profiles", profile_payload()).json()
    assert client_b.get(f"/directory/profiles/{created['id']}").status_code == 200  # partner
    assert client_b.patch(f"/directory/profiles/{created['id']}", {"city": "X"}).status_code == 404
    assert client_b.post(f"/directory/profiles/{created['id']}/confirm").status_code == 404


def test_only_a_focal_point_verifies(client_a: Any, client_b: Any) -> None:
    created = client_a.post("/directory/profiles", profile_payload()).json()
    assert client_b.post(f"/directory/profiles/{created['id']}/verify").status_code == 403
    DiasporaFocalPoint.objects.create(user=client_b.user)
    verified = client_b.post(f"/directory/profiles/{created['id']}/verify").json()
    assert verified["verified_by_id"] == client_b.user.id
    assert verified["verified_at"] is not None


def test_capacities_are_replaced_and_counted_per_language(client_a: Any) -> None:
    created = client_a.post("/directory/profiles", profile_payload()).json()
    answer = client_a._send(
        "put",
        f"/directory/profiles/{created['id']}/capacities",
        {"capacities": [{"kind": "interpreters", "quantity": 2}]},
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "capacities[0].language"
    answer = client_a._send(
        "put",
        f"/directory/profiles/{created['id']}/capacities",
        {"capacities": [{"kind": "vehicle_seats", "quantity": 8}]},
    )
    assert [(c["kind"], c["quantity"]) for c in answer.json()["capacities"]] == [
        ("vehicle_seats", 8)
    ]


def test_bad_profile_input_names_the_field(client_a: Any) -> None:
    answer = client_a.post("/directory/profiles", profile_payload(latitude=95))
    assert answer.status_code == 422
    assert answer.json()["field"] == "latitude"
    answer = client_a.post("/directory/profiles", profile_payload(longitude=None))
    assert answer.json()["field"] == "longitude"


def test_profiles_are_for_partners_only(anonymous: Any, client_a: Any) -> None:
    client_a.post("/directory/profiles", profile_payload())
    assert anonymous.get("/directory/profiles").status_code == 401


def test_unpublished_contact_details_never_reach_the_public(
    client_a: Any, client_b: Any, anonymous: Any
) -> None:
    DiasporaFocalPoint.objects.create(user=client_b.user)
    published = client_a.post("/directory/profiles", profile_payload()).json()
    hidden = client_a.post(
        "/directory/profiles",
        profile_payload(name="Unpublished group", is_published=False,
                        contact_email="hidden@example.org", contact_phone="+48 602 000 111"),
    ).json()  # fmt: skip
    for profile in (published, hidden):
        assert client_b.post(f"/directory/profiles/{profile['id']}/verify").status_code == 200
    body = anonymous.get("/directory/geojson")
    assert body.status_code == 200
    text = json.dumps(body.json())
    profiles = [
        f for f in body.json()["features"] if f["properties"]["layer"] == "diaspora_profile"
    ]
    assert [f["properties"]["name"] for f in profiles] == [published["name"]]
    assert profiles[0]["properties"]["contacts"] == {"contact_email": "lublin@example.org"}
    for secret in (
        "+48601234567",
        "Naija Lublin",
        "hidden@example.org",
        "+48602000111",
        "Unpublished",
    ):
        assert secret not in text
    # The owner unpublishes the e-mail address too: it leaves the public answer at once.
    client_a.patch(f"/directory/profiles/{published['id']}", {"published_contact_fields": []})
    assert "lublin@example.org" not in json.dumps(anonymous.get("/directory/geojson").json())


def test_unverified_profiles_stay_off_the_public_map(client_a: Any, anonymous: Any) -> None:
    client_a.post("/directory/profiles", profile_payload())
    features = anonymous.get("/directory/geojson").json()["features"]
    assert [f for f in features if f["properties"]["layer"] == "diaspora_profile"] == []


def test_a_contact_phone_with_an_extension_is_refused_not_cut(client_a: Any) -> None:
    # E.164 has no room for the extension, and a profile no field for one.
    payload = profile_payload(contact_phone="+48 601 234 567 ext. 12")
    answer = client_a.post("/directory/profiles", payload)
    assert answer.status_code == 422
    assert answer.json()["field"] == "contact_phone"
    assert "extension" in answer.json()["message"]
    assert not DiasporaProfile.objects.exists()
