"""The matching board in a real browser: a coordinator enters a request through the form, runs
matching and sees the proposal with why it was chosen and the unmatched request with what
blocked it; the offering organisation's caseworker confirms the proposal. axe-core runs on the
board and the request form; the map has no tiles (none configured) and still draws."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from compatriot.assistance.models import Allocation, Offer
from compatriot.core.models import Crisis, Membership, Organisation, OrganisationKind, Role
from compatriot.web.tests.test_browser import (  # noqa: F401  the browser fixture is shared
    CHROMIUM,
    PASSWORD,
    SCREENSHOTS,
    assert_accessible,
    browser,
    sign_in,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _world() -> tuple[Organisation, Organisation]:
    crisis = Crisis.objects.create(
        name="Browser crisis",
        kind="conflict",
        affected_countries=["UA", "PL"],
        started_on=dt.date(2022, 2, 24),
    )
    diaspora = Organisation.objects.create(
        name="Nigerian Community in Poland",
        kind=OrganisationKind.DIASPORA_ORGANISATION,
        operating_countries=["PL"],
    )
    shelter = Organisation.objects.create(
        name="Przemysl Shelter", kind=OrganisationKind.NGO, operating_countries=["PL"]
    )
    users = get_user_model().objects
    Membership.objects.create(
        user=users.create_user(username="coordinator", password=PASSWORD),
        organisation=diaspora,
        role=Role.COORDINATOR,
    )
    Membership.objects.create(
        user=users.create_user(username="shelter", password=PASSWORD),
        organisation=shelter,
        role=Role.CASEWORKER,
    )
    for category, capacity, languages in (("shelter_bed", 4, []), ("interpreter", 1, ["uk"])):
        Offer.objects.create(
            crisis=crisis,
            organisation=shelter,
            category=category,
            capacity=capacity,
            latitude=49.7838,
            longitude=22.7678,
            radius_km=30,
            languages=languages,
        )
    return diaspora, shelter


def _new_request(page: Any, base: str, category: str, people: str, languages: str = "") -> None:
    page.goto(f"{base}/workspace/assistance/requests/new/")
    page.select_option("#id_category", category)
    page.fill("#id_people", people)
    page.select_option("#id_urgency", "high")
    page.fill("#id_latitude", "49.79")
    page.fill("#id_longitude", "22.77")
    page.fill("#id_languages", languages)
    page.click("button[type=submit]:text('Save')")
    page.wait_for_selector("#request-status")


def test_run_matching_and_confirm_a_proposal(live_server: Any, browser: Any) -> None:  # noqa: F811
    _world()
    base = live_server.url

    desk = browser.new_context()
    page = desk.new_page()
    sign_in(page, base, "coordinator")
    page.goto(f"{base}/workspace/assistance/requests/new/")
    assert_accessible(page)
    page.click("button[type=submit]:text('Save')")  # nothing filled in: errors per field
    page.wait_for_selector("#id_latitude_error")
    _new_request(page, base, "shelter_bed", "3")
    _new_request(page, base, "interpreter", "1", languages="yo")

    page.click("nav >> text=Matching")
    page.click("#run-matching")
    page.wait_for_selector("#proposals tbody tr")
    proposal = page.inner_text("#proposals tbody tr")
    assert "Priority 3 (weight 4) × 3 people" in proposal
    assert "0.7 km from the offer (radius 30 km)" in proposal
    assert "No offer in range speaks the language" in page.inner_text("#unmatched")
    # Both kinds of marker are drawn, on a map without tiles.
    assert page.locator("#map .marker-offer").count() == 2
    assert page.locator("#map path.leaflet-interactive").count() >= 2
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "matching-board.png"), full_page=True)
    assert page.locator("#proposals button:text('Confirm')").count() == 0  # not the offerer
    desk.close()

    offerer = browser.new_context()
    page = offerer.new_page()
    sign_in(page, base, "shelter")
    page.goto(f"{base}/workspace/assistance/")
    assert "Nigerian" not in page.inner_text("#proposals")  # no person, no requester detail
    page.click("#proposals button:text('Confirm')")
    page.wait_for_selector("#confirmed tbody tr")
    assert page.locator("#proposals tbody tr").count() == 0
    assert Allocation.objects.get().status == "confirmed"
    offerer.close()
