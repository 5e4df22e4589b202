"""Requests, offers and allocations through the API: workflow, scope, capacity, matching runs."""

from __future__ import annotations

from typing import Any

from compatriot.assistance.models import Notification, Offer
from compatriot.assistance.services import derive_priority
from compatriot.core.models import Role

PRZEMYSL = {"latitude": 49.7838, "longitude": 22.7678}


def new_request(client, crisis, **fields: Any) -> dict:
    body = {
        "crisis_id": str(crisis.id),
        "category": "shelter_bed",
        "people": 2,
        **PRZEMYSL,
        **fields,
    }
    response = client.post("/assistance/requests", body)
    assert response.status_code == 201, response.json()
    return response.json()


def new_offer(client, crisis, **fields: Any) -> dict:
    body = {
        "crisis_id": str(crisis.id),
        "category": "shelter_bed",
        "capacity": 4,
        "radius_km": 30,
        **PRZEMYSL,
        **fields,
    }
    response = client.post("/assistance/offers", body)
    assert response.status_code == 201, response.json()
    return response.json()


def allocate(client, request_id: str, offer_id: str, **fields: Any):
    return client.post(
        "/assistance/allocations", {"request_id": request_id, "offer_id": offer_id, **fields}
    )


def test_priority_is_derived_from_urgency_and_vulnerabilities():
    assert derive_priority("low", set()) == 1
    assert derive_priority(None, set()) == 2
    assert derive_priority("critical", {"unaccompanied_child"}) == 5
    assert derive_priority("high", {"undocumented"}) == 3


def test_a_request_from_a_person_takes_their_household_languages_and_place(
    client_a, crisis, register_person
):
    person = register_person(client_a)
    client_a.post(f"/persons/{person['id']}/vulnerabilities", {"code": "disability"})
    created = new_request(
        client_a,
        crisis,
        person_id=person["id"],
        people=None,
        latitude=None,
        longitude=None,
        urgency="high",
    )
    assert created["people"] == 1
    assert created["languages"] == ["en", "yo"]
    assert (created["latitude"], created["longitude"]) == (49.99, 36.23)
    assert created["priority"] == 4  # high (3) + a severe vulnerability


def test_priority_override_needs_a_coordinator_and_a_reason(client_a, coordinator_a, crisis):
    created = new_request(client_a, crisis)
    path = f"/assistance/requests/{created['id']}/priority"
    assert client_a.post(path, {"priority": 5, "reason": "medical evacuation"}).status_code == 403
    assert coordinator_a.post(path, {"priority": 5, "reason": ""}).status_code == 422
    response = coordinator_a.post(path, {"priority": 5, "reason": "medical evacuation"})
    assert response.status_code == 200
    assert (response.json()["priority"], response.json()["priority_reason"]) == (
        5,
        "medical evacuation",
    )


def test_requests_are_scoped_to_their_organisation(client_a, client_b, crisis):
    created = new_request(client_a, crisis)
    assert client_b.get(f"/assistance/requests/{created['id']}").status_code == 404
    assert client_b.get("/assistance/requests").json()["count"] == 0
    assert client_a.get("/assistance/requests").json()["count"] == 1


def test_full_workflow_proposed_confirmed_fulfilled(client_a, client_b, crisis):
    r = new_request(client_a, crisis, people=3)
    o = new_offer(client_b, crisis)
    response = allocate(client_a, r["id"], o["id"])
    assert response.status_code == 201, response.json()
    allocation = response.json()
    assert allocation["status"] == "proposed"
    assert client_a.post(f"/assistance/allocations/{allocation['id']}/confirm").status_code == 404
    confirmed = client_b.post(f"/assistance/allocations/{allocation['id']}/confirm")
    assert confirmed.json()["status"] == "confirmed"
    assert Notification.objects.filter(request_id=r["id"]).count() == 1
    done = client_b.post(f"/assistance/allocations/{allocation['id']}/fulfil")
    assert done.json()["status"] == "fulfilled"
    assert client_a.get(f"/assistance/requests/{r['id']}").json()["status"] == "closed"
    again = client_b.post(f"/assistance/allocations/{allocation['id']}/cancel")
    assert again.status_code == 409


def test_capacity_is_never_exceeded_and_households_never_split(client_a, client_b, crisis):
    o = new_offer(client_b, crisis, capacity=4)
    first = new_request(client_a, crisis, people=3)
    second = new_request(client_a, crisis, people=2)
    assert allocate(client_a, first["id"], o["id"]).status_code == 201
    refused = allocate(client_a, second["id"], o["id"])
    assert refused.status_code == 409
    assert "never split" in refused.json()["message"]
    assert Offer.objects.get(id=o["id"]).held == 3


def test_one_live_allocation_per_request(client_a, client_b, crisis):
    r = new_request(client_a, crisis, people=1)
    o1, o2 = new_offer(client_b, crisis), new_offer(client_b, crisis)
    assert allocate(client_a, r["id"], o1["id"]).status_code == 201
    assert allocate(client_a, r["id"], o2["id"]).status_code == 409


def test_cancel_and_no_show_free_the_places(client_a, client_b, crisis):
    o = new_offer(client_b, crisis, capacity=2)
    r1, r2 = new_request(client_a, crisis), new_request(client_a, crisis)
    a1 = allocate(client_a, r1["id"], o["id"]).json()
    client_a.post(f"/assistance/allocations/{a1['id']}/cancel")
    assert Offer.objects.get(id=o["id"]).held == 0
    a2 = allocate(client_a, r2["id"], o["id"]).json()
    client_b.post(f"/assistance/allocations/{a2['id']}/confirm")
    client_b.post(f"/assistance/allocations/{a2['id']}/no-show")
    assert Offer.objects.get(id=o["id"]).held == 0
    assert client_a.get(f"/assistance/requests/{r2['id']}").json()["status"] == "open"


def test_incompatible_needs_a_coordinator_override_with_a_reason(
    client_a, coordinator_a, client_b, crisis
):
    r = new_request(client_a, crisis, people=1, requirements=["wheelchair"])
    o = new_offer(client_b, crisis)
    refused = allocate(client_a, r["id"], o["id"])
    assert refused.status_code == 409
    assert "requirements" in refused.json()["message"]
    assert allocate(client_a, r["id"], o["id"], override=True, reason="ok").status_code == 403
    done = allocate(
        coordinator_a, r["id"], o["id"], override=True, reason="ground floor room, checked by phone"
    )
    assert done.status_code == 201
    assert done.json()["kind"] == "override"


def test_offers_edit_pause_withdraw(client_a, client_b, crisis):
    o = new_offer(client_b, crisis, capacity=4)
    r = new_request(client_a, crisis, people=3)
    allocation = allocate(client_a, r["id"], o["id"]).json()
    lowered = client_b.patch(f"/assistance/offers/{o['id']}", {"capacity": 2})
    assert lowered.status_code == 409
    assert client_a.patch(f"/assistance/offers/{o['id']}", {"capacity": 9}).status_code == 404
    assert client_b.post(f"/assistance/offers/{o['id']}/pause").json()["status"] == "paused"
    other = new_request(client_a, crisis, people=1)
    assert allocate(client_a, other["id"], o["id"]).status_code == 409
    withdrawn = client_b.post(f"/assistance/offers/{o['id']}/withdraw").json()
    assert (withdrawn["status"], withdrawn["held"]) == ("withdrawn", 0)
    listed = client_a.get("/assistance/allocations").json()["items"]
    assert [(a["id"], a["status"]) for a in listed] == [(allocation["id"], "cancelled")]


def test_matching_run_stores_proposals_and_explanations(coordinator_a, client_b, crisis):
    o = new_offer(client_b, crisis, capacity=3)
    high = new_request(coordinator_a, crisis, people=3, urgency="critical")
    low = new_request(coordinator_a, crisis, people=2, urgency="low")
    far = new_request(coordinator_a, crisis, people=1, latitude=50.45, longitude=30.52)
    response = coordinator_a.post(
        "/assistance/matching-runs", {"crisis_id": str(crisis.id), "time_limit": 5}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["summary"]["proposed"] == 1
    allocations = coordinator_a.get("/assistance/allocations").json()["items"]
    assert [(a["request_id"], a["offer_id"]) for a in allocations] == [(high["id"], o["id"])]
    assert "priority 4" in allocations[0]["reason"]
    low_now = coordinator_a.get(f"/assistance/requests/{low['id']}").json()
    far_now = coordinator_a.get(f"/assistance/requests/{far['id']}").json()
    assert low_now["blocker"] == "all_full"
    assert far_now["blocker"] == "none_in_range"
    # Incremental: a second run keeps the allocation and proposes nothing new.
    again = coordinator_a.post("/assistance/matching-runs", {"crisis_id": str(crisis.id)})
    assert again.json()["summary"]["proposed"] == 0
    assert Offer.objects.get(id=o["id"]).held == 3


def test_bad_input_names_the_field(client_a, crisis):
    bad = client_a.post(
        "/assistance/requests", {"crisis_id": str(crisis.id), "category": "spaceship", **PRZEMYSL}
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "category"
    no_place = client_a.post(
        "/assistance/requests", {"crisis_id": str(crisis.id), "category": "goods"}
    )
    assert (no_place.status_code, no_place.json()["field"]) == (422, "latitude")
    window = client_a.post(
        "/assistance/offers",
        {
            "crisis_id": str(crisis.id),
            "category": "goods",
            "capacity": 1,
            "radius_km": 1,
            **PRZEMYSL,
            "available_from": "2022-03-05T00:00:00Z",
            "available_until": "2022-03-01T00:00:00Z",
        },
    )
    assert window.status_code == 422


def test_a_person_out_of_scope_cannot_be_the_subject_of_a_request(
    client_a, client_b, crisis, register_person
):
    person = register_person(client_a)
    response = client_b.post(
        "/assistance/requests",
        {"crisis_id": str(crisis.id), "category": "shelter_bed", "person_id": person["id"]},
    )
    assert (response.status_code, response.json()["field"]) == (404, "person_id")


def test_allocations_are_seen_only_by_the_two_sides(client_a, client_b, make_client, crisis):
    from compatriot.core.models import Organisation

    third = make_client(Organisation.objects.create(name="Third", kind="ngo"), Role.COORDINATOR)
    r, o = new_request(client_a, crisis), new_offer(client_b, crisis)
    allocation = allocate(client_a, r["id"], o["id"]).json()
    assert client_b.get("/assistance/allocations").json()["count"] == 1
    assert third.get("/assistance/allocations").json()["count"] == 0
    assert third.post(f"/assistance/allocations/{allocation['id']}/cancel").status_code == 404
