"""Family tracing in a real browser: a caseworker files a request for a brother written in Latin
letters; he was registered in Cyrillic by another organisation, with his consent to tracing. The
caseworker sees that a possible match exists, and nothing about him."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from compatriot.core.models import Crisis, Membership, Organisation, OrganisationKind, Role
from compatriot.people.models import Consent, Person
from compatriot.tracing.models import TracingRequest
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


def test_a_caseworker_files_a_tracing_request(live_server: Any, browser: Any) -> None:  # noqa: F811
    crisis = Crisis.objects.create(
        name="Browser crisis", kind="conflict", started_on=dt.date(2022, 2, 24)
    )
    diaspora = Organisation.objects.create(
        name="Azerbaijani Diaspora Kraków", kind=OrganisationKind.DIASPORA_ORGANISATION
    )
    border = Organisation.objects.create(name="Border Aid", kind=OrganisationKind.NGO)
    user = get_user_model().objects.create_user(username="caseworker", password=PASSWORD)
    Membership.objects.create(user=user, organisation=diaspora, role=Role.CASEWORKER)
    brother = Person.objects.create(
        crisis=crisis,
        registered_by=border,
        source="hotline",
        given_name="Мухаммед",
        family_name="Мамедов",
        sex="male",
        birth_date=dt.date(1990, 1, 1),
        birth_date_precision="year",
        nationality="AZ",
        nationalities=["AZ"],
        phones=["+994505551234"],
        journey_stage="at_border",
        category="worker",
    )
    Consent.objects.create(
        person=brother, scope="family_tracing", method="verbal", given_at=timezone.now()
    )

    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(page, live_server.url, "caseworker")
    page.goto(live_server.url + "/workspace/tracing/new/")
    assert_accessible(page)
    page.fill("#id_given_name", "Muhammad")
    page.fill("#id_family_name", "Mammadov")
    page.fill("#id_age", "35")
    page.select_option("#id_nationality", "AZ")
    page.select_option("#id_relationship", "sibling")
    page.fill("#id_seeker_name", "Leyla Mammadova")
    page.fill("#id_seeker_contact", "+48 600 100 200")
    page.click("button[type=submit]:text('Save and search')")
    page.wait_for_selector("#candidates")
    request = TracingRequest.objects.get()
    assert page.url.endswith(f"/workspace/tracing/{request.id}/")
    assert "Possible match" in page.inner_text("#tracing-status")
    content = page.content()
    assert "Мухаммед" not in content
    assert "994505551234" not in content
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "tracing-request-phone.png"), full_page=True)
