"""The duplicates review in a real browser: a coordinator compares two registrations of one man
(Cyrillic and Latin letters) side by side and merges them; the page passes axe-core."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from compatriot.core.models import Crisis, Membership, Organisation, OrganisationKind, Role
from compatriot.linkage.models import CandidatePair, PairStatus
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


def test_a_coordinator_reviews_and_merges_a_pair(live_server: Any, browser: Any) -> None:  # noqa: F811
    crisis = Crisis.objects.create(
        name="Browser crisis", kind="conflict", started_on=dt.date(2022, 2, 24)
    )
    organisation = Organisation.objects.create(
        name="Azerbaijani Diaspora Kraków", kind=OrganisationKind.DIASPORA_ORGANISATION
    )
    user = get_user_model().objects.create_user(username="coordinator", password=PASSWORD)
    Membership.objects.create(user=user, organisation=organisation, role=Role.COORDINATOR)
    common: dict[str, Any] = {
        "crisis": crisis,
        "registered_by": organisation,
        "source": "hotline",
        "sex": "male",
        "birth_date": dt.date(1990, 4, 12),
        "birth_date_precision": "day",
        "nationality": "AZ",
        "nationalities": ["AZ"],
        "journey_stage": "at_border",
        "category": "worker",
    }
    first = Person.objects.create(
        given_name="Мухаммед", family_name="Мамедов", phones=["+994505551234"], **common
    )
    second = Person.objects.create(given_name="Muhammad", family_name="Mammadov", **common)
    a, b = sorted([first, second], key=lambda p: str(p.id))
    pair = CandidatePair.objects.create(
        crisis=crisis,
        person_a=a,
        person_b=b,
        probability=0.9,
        agreements={"given": 6, "family": 6, "date_of_birth": 7, "phones": -1},
    )

    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(page, live_server.url, "coordinator")
    page.goto(live_server.url + "/workspace/duplicates/")
    page.wait_for_selector("#pairs")
    assert_accessible(page)
    page.click("#pairs a")
    page.wait_for_selector("#comparison")
    assert page.locator("#comparison tr.agree").count() >= 3
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "linkage-pair-phone.png"), full_page=True)
    page.click("button[value=merge]")
    page.wait_for_selector("#pair-status")
    assert "Merged" in page.inner_text("#pair-status")
    pair.refresh_from_db()
    assert pair.status == PairStatus.MERGED
    assert page.locator("button[value=unmerge]").count() == 1
