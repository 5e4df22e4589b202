"""The public directory on a phone: a visitor picks a place and a need, and reads the nearest
help, with no sign-in and scripts turned off; axe-core finds no serious violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from compatriot.core.models import Organisation, OrganisationKind, Role
from compatriot.directory.tests.factories import actor_for, make_service
from compatriot.web.tests.test_browser import (  # noqa: F401  the browser fixture is shared
    CHROMIUM,
    SCREENSHOTS,
    assert_accessible,
    browser,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def test_help_near_a_place_on_a_phone_without_scripts(live_server: Any, browser: Any) -> None:  # noqa: F811
    organisation = Organisation.objects.create(
        name="Medyka volunteers", kind=OrganisationKind.NGO, operating_countries=["PL"]
    )
    user = get_user_model().objects.create_user(username="keeper", password="x")
    make_service(actor_for(organisation, user, Role.COORDINATOR))

    phone = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = phone.new_page()
    page.goto(f"{live_server.url}/directory/")
    page.select_option("#id_place", "pl-przemysl")
    page.select_option("#id_need", "shelter")
    page.click("button[type=submit]:text('Search')")
    page.wait_for_selector("h3:text('Night shelter at the Medyka crossing')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SCREENSHOTS / "directory-phone.png"), full_page=True)
    phone.close()

    scripted = browser.new_context(viewport={"width": 360, "height": 740})  # axe needs scripts
    page = scripted.new_page()
    page.goto(f"{live_server.url}/directory/")
    assert_accessible(page)
    page.select_option("#id_place", "pl-przemysl")
    page.click("button[type=submit]:text('Search')")
    page.wait_for_selector("ol.directory")
    assert_accessible(page)
    scripted.close()
