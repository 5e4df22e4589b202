"""The web pages in a real browser: Playwright driving Debian's Chromium against the live server.

One browser for the session; two scenarios. Screenshots go to var/screenshots/ (see README).
axe-core (vendored from npm) runs in each page checked and must find no serious or critical
violation.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from compatriot.core.models import Crisis, Membership, Organisation, OrganisationKind, Role
from compatriot.people.models import Person

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
AXE = Path(__file__).resolve().parent.parent / "static/vendor/axe.min.js"
PASSWORD = "browser-test-password-1"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the live server's database work
    # is ordinary synchronous Django, which refuses to run beside a loop unless told it is safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def world() -> tuple[Crisis, Organisation, Organisation]:
    crisis = Crisis.objects.create(
        name="Browser crisis",
        kind="conflict",
        affected_countries=["UA"],
        started_on=dt.date(2022, 2, 24),
    )
    helpers = Organisation.objects.create(
        name="Diaspora Helpers", kind=OrganisationKind.DIASPORA_ORGANISATION
    )
    others = Organisation.objects.create(name="Other NGO", kind=OrganisationKind.NGO)
    for username, organisation in (("volunteer", helpers), ("outsider", others)):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        Membership.objects.create(user=user, organisation=organisation, role=Role.VOLUNTEER)
    return crisis, helpers, others


def assert_accessible(page: Any) -> None:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    serious = [v for v in violations if v["impact"] in {"serious", "critical"}]
    assert serious == []


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:text('Sign in')")
    page.wait_for_url(base + "/workspace/")


def fill_member(page: Any, index: int, given: str, family: str, relationship: str) -> None:
    page.fill(f"#id_members-{index}-given_name", given)
    page.fill(f"#id_members-{index}-family_name", family)
    page.select_option(f"#id_members-{index}-relationship", relationship)
    page.fill(f"#id_members-{index}-nationality", "NG")


def test_volunteer_registers_finds_and_edits_a_household(browser: Any, live_server: Any) -> None:
    world()
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, "volunteer")

    page.click("nav >> text=Register a household")
    page.fill("#id_place_name", "Przemyśl")
    page.fill("#id_country", "Poland")
    page.fill("#id_phone", "+48 601 234 567")
    page.select_option("#id_journey_stage", "at_border")
    page.check("#id_consent_registration")
    fill_member(page, 0, "Олена", "Коваленко", "head")
    fill_member(page, 1, "Chidi", "Okafor", "spouse")
    fill_member(page, 2, "Ada", "Okafor", "child")
    page.check("input[name='members-2-vulnerabilities'][value='separated_child']")
    page.check("input[name='members-0-needs'][value='shelter']")
    page.click("button:text('Save')")
    page.wait_for_selector("h1:text('Олена Коваленко')")
    assert Person.objects.filter(household__isnull=False).count() == 3

    page.click("nav >> text=People")
    page.fill("#id_q", "Kovalenko")
    page.press("#id_q", "Enter")  # the keyboard submits the search
    page.wait_for_selector("#results >> text=1 person found")
    assert "Kovalenko" not in page.url
    page.click("#results >> text=Олена Коваленко")
    page.wait_for_selector("h2:text('Household')")
    assert page.locator("text=Chidi Okafor").count() == 1
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "person.png"), full_page=True)
    person_url = page.url

    page.click("text=Edit")
    page.fill("#id_family_name", "Коваленко-Окафор")
    page.click("button:text('Save')")
    page.wait_for_selector("h1:text('Олена Коваленко-Окафор')")

    page.click("nav >> text=Dashboard")
    assert page.inner_text("#total") == "3"
    assert "Shelter" in page.inner_text("#by-need")
    assert "Child separated from parents" in page.inner_text("#by-vulnerability")
    page.wait_for_selector("#map.leaflet-container")
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    page.set_viewport_size({"width": 360, "height": 740})  # operator pages fit a phone too
    for path in ("/workspace/", "/workspace/people/", person_url.removeprefix(base)):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path

    outsider = browser.new_context().new_page()
    sign_in(outsider, base, "outsider")
    response = outsider.goto(person_url)
    assert response.status == 404
    assert "Олена" not in outsider.content()
    context.close()


def test_migrant_self_registers_in_arabic_on_a_phone(
    browser: Any, live_server: Any, settings: Any
) -> None:
    crisis, helpers, _others = world()
    settings.WEB_PUBLIC_INTAKE_ORGANISATION = helpers.name
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/crisis/{crisis.id}/register/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.select_option("#language", "ar")
    page.click("footer button[type=submit]")
    page.wait_for_selector("html[dir=rtl][lang=ar]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)

    page.fill("#id_members-0-given_name", "يوسف")
    page.fill("#id_members-0-family_name", "حداد")
    page.fill("#id_members-0-nationality", "المغرب")
    page.fill("#id_phone", "+380 50 123 4567")
    page.fill("#id_country", "UA")
    page.locator("fieldset.member").first.locator("details.choices summary").nth(1).click()
    page.check("input[name='members-0-needs'][value='evacuation']")
    page.check("#id_consent_registration")
    page.screenshot(path=str(SCREENSHOTS / "register-ar-phone.png"), full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:text('شكراً لك')")
    person = Person.objects.get()
    assert (person.given_name, person.nationality, person.source) == ("يوسف", "MA", "self")
    assert person.registered_by_id == helpers.id
    assert "يوسف" not in page.content()
    context.close()
