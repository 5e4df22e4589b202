"""The public directory pages: near a place, by need and language, nearest first, with only what
owners published; the GeoJSON map layer under the same rules; no sign-in, no JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from compatriot.core.models import Crisis, Organisation, Role
from compatriot.directory.models import DiasporaFocalPoint
from compatriot.directory.services import profile_verify
from compatriot.directory.tests.factories import (
    actor_for,
    make_profile,
    make_service,
    service_payload,
)

pytestmark = pytest.mark.django_db

PRZEMYSL = {"place": "pl-przemysl", "radius_km": "50"}
SECRETS = ("+48601234567", "Naija Lublin", "hidden@example.org", "+48602000111", "Unpublished")


@pytest.fixture
def directory(org_a: Organisation, make_member: Callable[..., Any]) -> dict[str, Any]:
    """Two services near Przemyśl, a published and verified group in Rzeszów publishing only its
    e-mail address, and groups that must never show: unpublished, or not verified."""
    actor = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    focal = make_member(org_a, Role.COORDINATOR)
    DiasporaFocalPoint.objects.create(user=focal)
    checker = actor_for(org_a, focal)
    shelter = make_service(actor)  # Medyka and Przemyśl
    legal = make_service(
        actor,
        name="Legal desk in Rzeszów",
        category="legal",
        languages=["pl", "en"],
        phones=["+48 17 000 0000"],
        locations=[{"name": "Town hall", "latitude": 50.0412, "longitude": 21.9991}],
    )
    shown = make_profile(
        actor,
        name="Nigerian students network, Rzeszów",
        city="Rzeszów",
        latitude=50.04,
        longitude=22.0,
    )  # publishes contact_email only; phone and messaging stay private
    hidden = make_profile(
        actor, name="Unpublished group", is_published=False,
        contact_email="hidden@example.org", contact_phone="+48 602 000 111",
        latitude=49.79, longitude=22.77,
    )  # fmt: skip
    unverified = make_profile(actor, name="Unverified Unpublished", latitude=49.8, longitude=22.8)
    for profile in (shown, hidden):
        profile_verify(checker, profile_id=profile.id)
    return {"shelter": shelter, "legal": legal, "shown": shown, "unverified": unverified}


def test_the_search_page_needs_no_sign_in_and_no_javascript(client: Client) -> None:
    page = client.get("/directory/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script" not in html
    assert '<form method="post"' in html
    for field in ("place", "latitude", "longitude", "need", "language", "radius_km"):
        assert f'for="id_{field}"' in html  # every field has its label
    assert 'value="pl-przemysl"' in html


def test_near_a_place_nearest_first_with_only_published_contacts(
    client: Client, directory: dict[str, Any]
) -> None:
    page = client.post("/directory/", PRZEMYSL)
    html = page.content.decode()
    assert page.status_code == 200
    names = [
        "Night shelter at the Medyka crossing",  # Przemyśl station hall, 0 km
        "Nigerian students network, Rzeszów",  # 54 km: beyond 50 km, not shown
    ]
    assert names[0] in html
    assert names[1] not in html
    wider = client.post("/directory/", {**PRZEMYSL, "radius_km": "100"}).content.decode()
    order = [
        wider.index(name)
        for name in (names[0], "Nigerian students network, Rzeszów", "Legal desk in Rzeszów")
    ]
    assert order == sorted(order)  # the group (50.04, 22.0) is nearer than the town hall
    assert "lublin@example.org" in wider  # the one contact the group published
    for secret in SECRETS:
        assert secret not in wider


def test_need_and_language_filter_services_and_groups(
    client: Client, directory: dict[str, Any]
) -> None:
    near = {"place": "pl-rzeszow", "radius_km": "100"}
    legal = client.post("/directory/", {**near, "need": "legal"}).content.decode()
    assert "Legal desk in Rzeszów" in legal
    assert "Night shelter" not in legal
    assert "Nigerian students network" not in legal  # it offers no legal professionals
    shelter = client.post("/directory/", {**near, "need": "shelter"}).content.decode()
    assert "Nigerian students network" in shelter  # it has shelter beds
    in_ukrainian = client.post("/directory/", {**near, "language": "uk"}).content.decode()
    assert "Night shelter" in in_ukrainian
    assert "Legal desk" not in in_ukrainian
    assert "Nigerian students network" not in in_ukrainian  # speaks en and yo


def test_typed_coordinates_and_field_errors(client: Client, directory: dict[str, Any]) -> None:
    typed = client.post("/directory/", {"latitude": "49.8035", "longitude": "23.0979"})
    assert "Night shelter at the Medyka crossing" in typed.content.decode()
    half = client.post("/directory/", {"latitude": "49.8"})
    assert half.status_code == 200
    assert half.context["form"].errors["longitude"]
    nothing = client.post("/directory/", {"need": "legal"})
    assert nothing.context["form"].errors["place"]
    assert client.post("/directory/", {"place": "xx-nowhere"}).context["form"].errors["place"]


def test_geojson_keeps_the_publication_rules_and_its_bounds(
    client: Client, directory: dict[str, Any]
) -> None:
    answer = client.get("/directory/geojson/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/geo+json"
    body = answer.json()
    groups = [f for f in body["features"] if f["properties"]["layer"] == "diaspora_profile"]
    assert [g["properties"]["name"] for g in groups] == ["Nigerian students network, Rzeszów"]
    assert groups[0]["properties"]["contacts"] == {"contact_email": "lublin@example.org"}
    for secret in SECRETS:
        assert secret not in answer.content.decode()
    boxed = client.get("/directory/geojson/?bbox=22.9,49.7,23.2,49.9").json()["features"]
    assert {f["properties"]["location"] for f in boxed} == {"Medyka tent 3"}
    assert client.get("/directory/geojson/?limit=2").json()["truncated"] is True
    bad = client.get("/directory/geojson/?bbox=1,2,3")
    assert bad.status_code == 400
    assert bad.json()["detail"][0]["field"] == "bbox"


def test_a_group_unpublishing_a_contact_leaves_the_page_at_once(
    client: Client, directory: dict[str, Any]
) -> None:
    profile = directory["shown"]
    profile.refresh_from_db()
    profile.published_contact_fields = []
    profile.save()
    page = client.post("/directory/", {"place": "pl-rzeszow", "radius_km": "10"})
    assert "Nigerian students network, Rzeszów" in page.content.decode()
    assert "lublin@example.org" not in page.content.decode()
    assert "lublin@example.org" not in client.get("/directory/geojson/").content.decode()


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_page_speaks_every_interface_language(
    client: Client, directory: dict[str, Any], language: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.post("/directory/", {**PRZEMYSL, "need": "shelter"})
    html = page.content.decode()
    assert f'<html lang="{language}"' in html
    if language != "en":
        assert "Help near you" not in html
        assert "km away" not in html


def test_the_crisis_landing_page_links_to_the_directory(client: Client, crisis: Crisis) -> None:
    assert 'href="/directory/"' in client.get(f"/crisis/{crisis.id}/").content.decode()
    assert 'href="/directory/"' in client.get("/").content.decode()


def test_a_service_payload_without_coordinates_is_not_on_the_map(
    client: Client, org_a: Organisation, make_member: Callable[..., Any]
) -> None:
    make_service(
        actor_for(org_a, make_member(org_a, Role.COORDINATOR)),
        **{**service_payload(), "locations": [{"name": "Somewhere", "country": "PL"}]},
    )
    assert client.get("/directory/geojson/").json()["features"] == []
