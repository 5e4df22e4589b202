"""The directory screens in a real browser: a diaspora organisation's coordinator edits its
profile's capacities, then sees on the gap map (without map tiles) where shelter is short."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from compatriot.core.models import Crisis, Membership, Organisation, OrganisationKind, Role
from compatriot.directory.models import DiasporaProfile
from compatriot.directory.tests.factories import actor_for, make_profile
from compatriot.people.models import Need, Person
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


def _world() -> DiasporaProfile:
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
    user = get_user_model().objects.create_user(username="coordinator", password=PASSWORD)
    Membership.objects.create(user=user, organisation=diaspora, role=Role.COORDINATOR)
    for number in range(4):
        person = Person.objects.create(
            crisis=crisis,
            registered_by=diaspora,
            source="hotline",
            given_name=f"Person {number}",
            nationality="NG",
            nationalities=["NG"],
            country="PL",
            admin_area="Lublin Voivodeship",
            latitude=51.25,
            longitude=22.57,
            journey_stage="at_border",
            category="student",
        )
        Need.objects.create(person=person, category="shelter")
    return make_profile(
        actor_for(diaspora, user), capacities=[{"kind": "shelter_beds", "quantity": 12}]
    )


def test_a_coordinator_edits_capacities_and_sees_the_gap(live_server: Any, browser: Any) -> None:  # noqa: F811
    profile = _world()
    base = live_server.url
    desk = browser.new_context()
    page = desk.new_page()
    sign_in(page, base, "coordinator")
    page.goto(f"{base}/workspace/directory/")
    assert_accessible(page)
    page.click(f"a:text('{profile.name}')")
    page.click("a[role=button]:text('Edit')")
    assert_accessible(page)
    page.fill("#id_capacities-0-quantity", "2")  # the shelter beds, now mostly taken
    page.click("button[type=submit]:text('Save')")
    page.wait_for_selector(f"h1:text('{profile.name}')")
    assert profile.capacities.get(kind="shelter_beds").quantity == 2

    page.goto(f"{base}/workspace/directory/gaps/")
    page.wait_for_selector("#map .leaflet-interactive")  # the area's circle, drawn without tiles
    row = page.locator("tr.gap")
    assert row.count() == 1
    assert "Lublin Voivodeship" in row.inner_text()
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "directory-gaps.png"), full_page=True)
    desk.close()
