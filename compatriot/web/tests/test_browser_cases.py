"""Protection concerns in a real browser: a visitor reports one on a phone and follows it with the
private link; a referral mechanism's caseworker finds it in the inbox and triages it into a case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from compatriot.cases.models import Case, Concern
from compatriot.core.models import Crisis, Membership, Organisation, OrganisationKind, Role
from compatriot.people.models import Person
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


def _world() -> tuple[Crisis, Organisation, Person]:
    crisis = Crisis.objects.create(
        name="Browser crisis",
        kind="conflict",
        affected_countries=["UA", "PL"],
        started_on=dt.date(2022, 2, 24),
    )
    nrm = Organisation.objects.create(
        name="Referral Mechanism Poland",
        kind=OrganisationKind.NATIONAL_REFERRAL_MECHANISM,
        operating_countries=["PL"],
    )
    user = get_user_model().objects.create_user(username="caseworker", password=PASSWORD)
    Membership.objects.create(user=user, organisation=nrm, role=Role.CASEWORKER)
    person = Person.objects.create(
        crisis=crisis,
        registered_by=nrm,
        source="hotline",
        given_name="Amaka",
        family_name="Obi",
        nationality="NG",
        nationalities=["NG"],
        journey_stage="at_border",
        category="student",
    )
    return crisis, nrm, person


def test_a_concern_from_a_phone_reaches_the_caseworker(live_server: Any, browser: Any) -> None:  # noqa: F811
    crisis, _nrm, person = _world()
    base = live_server.url

    phone = browser.new_context(viewport={"width": 360, "height": 740})
    page = phone.new_page()
    page.goto(f"{base}/crisis/{crisis.id}/concern/")
    assert_accessible(page)
    page.select_option("#id_kind", "extortion")
    page.fill("#id_description", "Drivers ask 300 euros for a seat to Rzeszow.")
    page.select_option("#id_country", "PL")
    page.fill("#id_place_name", "Medyka")
    page.click("button[type=submit]")
    reference = page.inner_text("#reference")
    assert Concern.objects.get().reference == reference
    assert "Rzeszow" not in page.content()  # nothing the visitor wrote is shown back
    page.screenshot(path=str(SCREENSHOTS / "concern-receipt-phone.png"), full_page=True)
    page.click(f"a[href^='/concern/status/#{reference}.']")  # the private link
    page.wait_for_selector("dd:text('Received')")
    assert page.url.endswith("/concern/status/")  # the key has left the address bar
    phone.close()

    desk = browser.new_context()
    page = desk.new_page()
    sign_in(page, base, "caseworker")
    page.goto(f"{base}/workspace/cases/")
    assert_accessible(page)
    page.click(f"a:text('{reference}')")
    page.select_option("#id_person", str(person.id))
    page.select_option("#id_priority", "high")
    page.fill("#id_summary", "Asked to pay for a seat")
    page.click("button[type=submit]:text('Save')")
    page.wait_for_selector("h1:text('Case')")
    assert Case.objects.get().person_id == person.id
    assert "Amaka" in page.content()
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)
    desk.close()
