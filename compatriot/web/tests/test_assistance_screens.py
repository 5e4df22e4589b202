"""The matching board through the web client: lists and map data, request and offer forms with
per-field errors, running matching and reviewing proposals, manual allocation and override,
permissions per role, and scope (another organisation's requests and people never shown)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from compatriot.assistance.engine.model import BLOCKERS
from compatriot.assistance.models import (
    Allocation,
    AssistanceRequest,
    MatchingRun,
    Notification,
    Offer,
)
from compatriot.core.models import Organisation, Role
from compatriot.web.assistance_labels import ASSISTANCE_LABELS, BLOCKER_LABELS

PRZEMYSL = {"latitude": "49.7838", "longitude": "22.7678"}
LVIV = {"latitude": "49.8397", "longitude": "24.0297"}
BOARD = "/workspace/assistance/"


def _request(client: Client, **fields: Any) -> Any:
    data = {"category": "shelter_bed", "people": "2", **PRZEMYSL, **fields}
    return client.post(f"{BOARD}requests/new/", data)


def _offer(client: Client, **fields: Any) -> Any:
    data = {"category": "shelter_bed", "capacity": "4", "radius_km": "30", **PRZEMYSL, **fields}
    return client.post(f"{BOARD}offers/new/", data)


@pytest.fixture
def coordinator(web_client: Callable[..., Client], org_a: Organisation, crisis: Any) -> Client:
    return web_client(org_a, Role.COORDINATOR)


@pytest.fixture
def offerer(web_client: Callable[..., Client], org_b: Organisation, crisis: Any) -> Client:
    return web_client(org_b, Role.CASEWORKER)


def test_every_assistance_code_and_blocker_has_a_translated_label() -> None:
    for kind, names in ASSISTANCE_LABELS.items():
        assert set(names) == {str(value) for value in kind.values}, kind.__name__
    assert set(BLOCKERS) <= set(BLOCKER_LABELS)


def test_the_board_is_in_the_navigation_and_lists_requests_and_offers(
    coordinator: Client, offerer: Client
) -> None:
    assert _request(coordinator).status_code == 302
    assert _offer(offerer, **LVIV, radius_km="5").status_code == 302
    page = coordinator.get(BOARD)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{BOARD}"' in html  # the navigation entry
    assert len(page.context["requests"]) == 1
    assert len(page.context["offers"]) == 1
    kinds = sorted(m["kind"] for m in page.context["markers"])
    assert kinds == ["offer", "request"]  # distinct markers
    assert 'id="map"' in html
    assert "vendor/leaflet.js" in html
    # The same data without script: both are in the tables.
    assert "Shelter bed" in html
    assert "Other Helpers" in html


def test_filters_by_category_status_priority_and_place(
    coordinator: Client, offerer: Client
) -> None:
    _request(coordinator)
    _request(coordinator, category="interpreter", languages="yo", **LVIV, urgency="critical")
    _offer(offerer)
    by_category = coordinator.get(BOARD, {"category": "interpreter"}).context
    assert [r.category for r in by_category["requests"]] == ["interpreter"]
    assert by_category["offers"] == []
    by_priority = coordinator.get(BOARD, {"priority": "4"}).context
    assert [r.category for r in by_priority["requests"]] == ["interpreter"]
    near = coordinator.get(
        BOARD, {"near_latitude": "49.78", "near_longitude": "22.77", "within_km": "10"}
    ).context
    assert [r.category for r in near["requests"]] == ["shelter_bed"]
    assert len(near["offers"]) == 1
    assert coordinator.get(BOARD, {"status": "allocated"}).context["requests"] == []
    half = coordinator.get(BOARD, {"near_latitude": "49.78", "within_km": "10"})
    assert "within_km" in half.context["form"].errors  # a place needs all three
    assert len(half.context["requests"]) == 2  # and the board still lists everything


def test_request_and_offer_forms_name_the_bad_fields_and_write_nothing(
    coordinator: Client,
) -> None:
    bad = _request(coordinator, people="0", latitude="123", languages="zz-nonsense")
    assert bad.status_code == 422
    assert {"people", "latitude", "languages"} <= set(bad.context["form"].errors)
    window = _request(coordinator, earliest="2026-05-02T10:00", latest="2026-05-01T10:00")
    assert "latest" in window.context["form"].errors
    offer = _offer(coordinator, capacity="0", radius_km="-1")
    assert offer.status_code == 422
    assert {"capacity", "radius_km"} <= set(offer.context["form"].errors)
    assert AssistanceRequest.objects.count() == 0
    assert Offer.objects.count() == 0


def test_a_request_from_a_persons_need_takes_the_household(
    coordinator: Client,
    make_client: Callable[..., Any],
    org_a: Organisation,
    register_person: Callable[..., dict[str, Any]],
) -> None:
    api = make_client(org_a, Role.CASEWORKER)
    person = register_person(api, given_name="Amaka")
    api.post(f"/persons/{person['id']}/needs", {"category": "shelter", "urgency": "high"})
    form = coordinator.get(f"{BOARD}requests/new/", {"person": person["id"]})
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["category"] == "shelter_bed"
    assert initial["urgency"] == "high"
    created = coordinator.post(
        f"{BOARD}requests/new/",
        {
            "person_id": person["id"],
            "need_id": initial["need_id"],
            "category": "shelter_bed",
            "urgency": "high",
        },
    )
    assert created.status_code == 302
    request = AssistanceRequest.objects.get()
    assert request.person_id is not None
    assert request.people == 1
    assert request.derived_priority == 3
    page = coordinator.get(created["Location"]).content.decode()
    assert "Amaka" in page


def test_edit_a_request_and_an_offer_pause_and_withdraw(coordinator: Client) -> None:
    _request(coordinator)
    request = AssistanceRequest.objects.get()
    bad = coordinator.post(
        f"{BOARD}requests/{request.id}/edit/", {"category": "shelter_bed", "people": "3"}
    )
    assert bad.status_code == 422
    assert "latitude" in bad.context["form"].errors
    changed = coordinator.post(
        f"{BOARD}requests/{request.id}/edit/",
        {"category": "shelter_bed", "people": "3", **PRZEMYSL, "requirements": ["pets"]},
    )
    assert changed.status_code == 302
    request.refresh_from_db()
    assert request.people == 3
    assert request.requirements == ["pets"]

    _offer(coordinator)
    offer = Offer.objects.get()
    edit = coordinator.post(
        f"{BOARD}offers/{offer.id}/edit/",
        {"capacity": "6", "radius_km": "40", "tags": ["pets"], "other_tags": "showers"},
    )
    assert edit.status_code == 302
    offer.refresh_from_db()
    assert (offer.capacity, offer.radius_km, offer.tags) == (6, 40, ["pets", "showers"])
    coordinator.post(f"{BOARD}offers/{offer.id}/pause/")
    offer.refresh_from_db()
    assert offer.status == "paused"
    coordinator.post(f"{BOARD}offers/{offer.id}/withdraw/")
    offer.refresh_from_db()
    assert offer.status == "withdrawn"


def test_run_matching_then_the_offerer_confirms_and_fulfils(
    coordinator: Client, offerer: Client
) -> None:
    _request(coordinator, people="3", urgency="high")
    _request(coordinator, category="interpreter", languages="yo")
    _offer(offerer, capacity="3")
    _offer(offerer, category="interpreter", capacity="1", languages="uk")
    ran = coordinator.post(f"{BOARD}run/")
    assert ran.status_code == 302
    assert ran["Location"].endswith("#proposals")
    assert MatchingRun.objects.count() == 1
    board = coordinator.get(BOARD)
    [proposal] = board.context["proposals"]
    html = board.content.decode()
    assert "Priority 3 (weight 4) × 3 people" in html  # why it was chosen
    assert "km from the offer (radius 30 km)" in html
    # The unmatched request says what blocked it.
    [unmatched] = board.context["unmatched"]
    assert unmatched.blocker == "no_language"
    assert "No offer in range speaks the language" in html
    assert 'id="last-run"' in html

    # The requester cannot confirm; the offerer can.
    assert f"allocations/{proposal.id}/confirm/" not in html
    offerer_page = offerer.get(BOARD).content.decode()
    assert f"allocations/{proposal.id}/confirm/" in offerer_page
    forbidden = coordinator.post(f"{BOARD}allocations/{proposal.id}/confirm/")
    assert forbidden.status_code == 404
    assert offerer.post(f"{BOARD}allocations/{proposal.id}/confirm/").status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "confirmed"
    assert Notification.objects.filter(allocation=proposal).exists()

    # A new run leaves the confirmed allocation as it is.
    coordinator.post(f"{BOARD}run/")
    proposal.refresh_from_db()
    assert proposal.status == "confirmed"
    assert Allocation.objects.filter(status__in=["proposed", "confirmed"]).count() == 1

    offerer.post(f"{BOARD}allocations/{proposal.id}/fulfil/")
    proposal.refresh_from_db()
    assert proposal.status == "fulfilled"
    assert proposal.request.status == "closed"


def test_reject_and_no_show_free_the_places(coordinator: Client, offerer: Client) -> None:
    _request(coordinator)
    _offer(offerer, capacity="2")
    coordinator.post(f"{BOARD}run/")
    allocation = Allocation.objects.get()
    offerer.post(f"{BOARD}allocations/{allocation.id}/cancel/", {"next": BOARD})
    allocation.refresh_from_db()
    assert allocation.status == "cancelled"
    assert Offer.objects.get().held == 0
    coordinator.post(f"{BOARD}run/")
    again = Allocation.objects.get(status="proposed")
    offerer.post(f"{BOARD}allocations/{again.id}/confirm/")
    offerer.post(f"{BOARD}allocations/{again.id}/no_show/")
    again.refresh_from_db()
    assert again.status == "no_show"
    assert Offer.objects.get().held == 0
    # An action that no longer applies says so and changes nothing.
    late = offerer.post(f"{BOARD}allocations/{again.id}/confirm/", follow=True)
    assert "has changed meanwhile" in late.content.decode()


def test_manual_allocation_never_over_allocates_and_override_needs_a_coordinator(
    coordinator: Client,
    offerer: Client,
    web_client: Callable[..., Client],
    org_a: Organisation,
) -> None:
    _request(coordinator, people="3")
    _offer(offerer, capacity="2")
    request, offer = AssistanceRequest.objects.get(), Offer.objects.get()
    page = coordinator.get(f"{BOARD}requests/{request.id}/")
    assert [c.blocker for c in page.context["candidates"]] == ["full"]
    full = coordinator.post(
        f"{BOARD}requests/{request.id}/allocate/", {"allocate-offer_id": str(offer.id)}
    )
    assert full.status_code == 422
    assert "offer_id" in full.context["allocate"].errors  # the household is never split
    assert Allocation.objects.count() == 0
    offer.refresh_from_db()
    assert offer.held == 0

    # Out of range: a caseworker may not override; a coordinator may, with a reason.
    _offer(offerer, capacity="5", **LVIV, radius_km="5")
    far = Offer.objects.get(capacity=5)
    caseworker = web_client(org_a, Role.CASEWORKER)
    refused = caseworker.post(
        f"{BOARD}requests/{request.id}/allocate/", {"allocate-offer_id": str(far.id)}
    )
    assert refused.status_code == 422
    assert "offer_id" in refused.context["allocate"].errors
    no_reason = coordinator.post(
        f"{BOARD}requests/{request.id}/allocate/",
        {"allocate-offer_id": str(far.id), "allocate-override": "on"},
    )
    assert no_reason.status_code == 422
    assert "reason" in no_reason.context["allocate"].errors
    done = coordinator.post(
        f"{BOARD}requests/{request.id}/allocate/",
        {
            "allocate-offer_id": str(far.id),
            "allocate-override": "on",
            "allocate-reason": "They can reach Lviv by train",
        },
    )
    assert done.status_code == 302
    allocation = Allocation.objects.get()
    assert allocation.kind == "override"
    assert allocation.offer_id == far.id
    assert "Coordinator override" in coordinator.get(done["Location"]).content.decode()


def test_priority_override_needs_a_coordinator_and_a_reason(
    coordinator: Client, web_client: Callable[..., Client], org_a: Organisation
) -> None:
    _request(coordinator)
    request = AssistanceRequest.objects.get()
    url = f"{BOARD}requests/{request.id}/priority/"
    volunteer = web_client(org_a, Role.VOLUNTEER)
    assert (
        volunteer.post(url, {"priority-priority": "5", "priority-reason": "x" * 5}).status_code
        == 403
    )
    short = coordinator.post(url, {"priority-priority": "5", "priority-reason": "x"})
    assert short.status_code == 422
    assert "reason" in short.context["priority"].errors
    assert (
        coordinator.post(
            url, {"priority-priority": "5", "priority-reason": "Pregnant, due this week"}
        ).status_code
        == 302
    )
    request.refresh_from_db()
    assert request.priority == 5


def test_roles(
    web_client: Callable[..., Client], org_a: Organisation, crisis: Any, coordinator: Client
) -> None:
    _request(coordinator)
    viewer = web_client(org_a, Role.VIEWER)
    page = viewer.get(BOARD)
    assert page.status_code == 200
    assert len(page.context["requests"]) == 1
    html = page.content.decode()
    assert "run/" not in html
    assert "requests/new/" not in html
    assert viewer.post(f"{BOARD}run/").status_code == 403
    assert viewer.get(f"{BOARD}requests/new/").status_code == 403
    assert _request(viewer).status_code == 403
    volunteer = web_client(org_a, Role.VOLUNTEER)
    assert _request(volunteer).status_code == 302
    assert 'id="run-matching"' not in volunteer.get(BOARD).content.decode()
    assert volunteer.post(f"{BOARD}run/").status_code == 403
    assert MatchingRun.objects.count() == 0


def test_another_organisation_never_sees_our_requests_or_people(
    coordinator: Client,
    offerer: Client,
    make_client: Callable[..., Any],
    org_a: Organisation,
    register_person: Callable[..., dict[str, Any]],
) -> None:
    person = register_person(make_client(org_a, Role.CASEWORKER), given_name="Chiamaka")
    coordinator.post(
        f"{BOARD}requests/new/",
        {"person_id": person["id"], "category": "shelter_bed", **PRZEMYSL},
    )
    request = AssistanceRequest.objects.get()
    _offer(offerer)
    coordinator.post(f"{BOARD}run/")
    allocation = Allocation.objects.get()
    assert "Chiamaka" in coordinator.get(BOARD).content.decode()

    board = offerer.get(BOARD)
    html = board.content.decode()
    assert board.context["requests"] == []
    assert [m["kind"] for m in board.context["markers"]] == ["offer"]
    assert "Chiamaka" not in html
    assert "Okafor" not in html
    assert f"allocations/{allocation.id}/confirm/" in html  # the offerer reviews it...
    assert f"{BOARD}requests/{request.id}/" not in html  # ...without a link to the request
    for url in (f"{BOARD}requests/{request.id}/", f"{BOARD}requests/{request.id}/edit/"):
        assert offerer.get(url).status_code == 404
    offer_page = offerer.get(f"{BOARD}offers/{allocation.offer_id}/").content.decode()
    assert "Chiamaka" not in offer_page
    assert offerer.get(f"{BOARD}requests/new/", {"person": person["id"]}).status_code == 404
    forged = offerer.post(
        f"{BOARD}requests/new/", {"person_id": person["id"], "category": "shelter_bed"}
    )
    assert forged.status_code in (404, 422)
    assert AssistanceRequest.objects.count() == 1
    assert (
        offerer.post(
            f"{BOARD}requests/{request.id}/allocate/",
            {"allocate-offer_id": str(allocation.offer_id)},
        ).status_code
        == 404
    )
    # Only the owner changes an offer.
    assert coordinator.get(f"{BOARD}offers/{allocation.offer_id}/edit/").status_code == 404
    assert coordinator.post(f"{BOARD}offers/{allocation.offer_id}/withdraw/").status_code == 404


def test_map_data_holds_no_names(
    coordinator: Client,
    make_client: Callable[..., Any],
    org_a: Organisation,
    register_person: Callable[..., dict[str, Any]],
) -> None:
    person = register_person(make_client(org_a, Role.CASEWORKER), given_name="Ngozi")
    coordinator.post(
        f"{BOARD}requests/new/", {"person_id": person["id"], "category": "shelter_bed"}
    )
    page = coordinator.get(BOARD)
    assert "Ngozi" not in json.dumps(page.context["markers"])


def test_field_errors_are_in_the_page_language(coordinator: Client, offerer: Client) -> None:
    from django.conf import settings

    _request(coordinator, people="3")
    _offer(offerer, capacity="2")
    request, offer = AssistanceRequest.objects.get(), Offer.objects.get()
    coordinator.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    full = coordinator.post(
        f"{BOARD}requests/{request.id}/allocate/", {"allocate-offer_id": str(offer.id)}
    )
    assert full.context["allocate"].errors["offer_id"] == [
        "L'offre a 2 places libres ; ce ménage en demande 3 et n'est jamais séparé."
    ]
    window = _request(coordinator, earliest="2026-05-02T10:00", latest="2026-05-01T10:00")
    assert window.context["form"].errors["latest"] == ["est avant le début du créneau"]
