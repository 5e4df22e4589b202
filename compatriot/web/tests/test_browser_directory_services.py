"""The service directory screens in a real browser: a coordinator adds a service with one
location, finds it in the list, and the HSDS page offers the package; each page passes axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from compatriot.core.models import Membership, Organisation, OrganisationKind, Role
from compatriot.directory.models import Service
from compatriot.web.tests.test_browser import (  # noqa: F401  the browser fixture is shared
    CHROMIUM,
    PASSWORD,
    assert_accessible,
    browser,
    sign_in,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def test_a_coordinator_adds_a_service(live_server: Any, browser: Any) -> None:  # noqa: F811
    organisation = Organisation.objects.create(
        name="Przemysl Shelter", kind=OrganisationKind.SERVICE_PROVIDER, operating_countries=["PL"]
    )
    user = get_user_model().objects.create_user(username="coordinator", password=PASSWORD)
    Membership.objects.create(user=user, organisation=organisation, role=Role.COORDINATOR)
    base = live_server.url
    desk = browser.new_context()
    page = desk.new_page()
    sign_in(page, base, "coordinator")
    page.goto(f"{base}/workspace/directory/services/new/")
    assert_accessible(page)
    page.fill("#id_organization_name", "Przemysl station volunteers")
    page.fill("#id_organization_description", "Night shelter at the station.")
    page.fill("#id_name", "Night shelter at Przemysl station")
    page.select_option("#id_category", "shelter")
    page.select_option("#id_serves_third_country_nationals", "yes")
    page.fill("#id_required_documents", "None")
    page.fill("#id_locations-0-city", "Przemysl")
    page.fill("#id_locations-0-country", "PL")
    page.fill("#id_locations-0-latitude", "49.78")
    page.fill("#id_locations-0-longitude", "22.77")
    page.click("button[type=submit]:text('Save')")
    page.wait_for_selector("h1:text('Night shelter at Przemysl station')")
    assert_accessible(page)
    assert Service.objects.get().serves_third_country_nationals is True

    page.goto(f"{base}/workspace/directory/services/")
    assert page.locator("td a:text('Night shelter at Przemysl station')").count() == 1
    assert_accessible(page)
    page.goto(f"{base}/workspace/directory/hsds/")
    assert page.locator("input[type=file]").count() == 1
    assert_accessible(page)
    desk.close()
