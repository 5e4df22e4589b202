"""The directory's operator screens: diaspora profiles (list, page, forms, confirm, verify, the
stale banner) and the gap map of needs against capacities, through the web client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from compatriot.core.models import AuditEntry, Organisation, Role, SharingAgreement
from compatriot.directory.models import Capacity, DiasporaFocalPoint, DiasporaProfile
from compatriot.directory.tests.factories import actor_for, make_profile, make_service

FORM: dict[str, Any] = {
    "kind": "informal_group",
    "name": "Ghanaian church group, Rzeszow",
    "origin_country": "Ghana",
    "origin_community": "Ashanti",
    "country": "PL",
    "city": "Rzeszow",
    "latitude": "50.04",
    "longitude": "21.99",
    "community_size": "120",
    "channels": ["faith_network", "radio"],
    "languages": "en, tw",
    "availability": "limited",
    "description": "Sunday service hall; rooms in members' homes.",
    "contact_email": "rzeszow@example.org",
    "contact_phone": "+48 601 000 111",
    "contact_messaging": "",
    "is_published": "on",
    "published_contact_fields": ["contact_email"],
    "capacities-TOTAL_FORMS": "2",
    "capacities-INITIAL_FORMS": "0",
    "capacities-MIN_NUM_FORMS": "0",
    "capacities-MAX_NUM_FORMS": "50",
    "capacities-0-kind": "shelter_beds",
    "capacities-0-quantity": "8",
    "capacities-1-kind": "interpreters",
    "capacities-1-quantity": "2",
    "capacities-1-language": "tw",
}


@pytest.fixture
def owner(web_client: Callable[..., Client], org_a: Organisation) -> Client:
    return web_client(org_a, Role.COORDINATOR)


@pytest.fixture
def profile_b(
    make_member: Callable[..., Any], org_a: Organisation, org_b: Organisation
) -> DiasporaProfile:
    """org_b's unpublished profile; org_b shares with org_a, which makes org_a its partner."""
    SharingAgreement.objects.create(provider=org_b, recipient=org_a, purpose="partners")
    user = make_member(org_b, Role.COORDINATOR)
    return make_profile(
        actor_for(org_b, user),
        name="Cameroonian network, Krakow",
        origin_country="CM",
        origin_community="Anglophone",
        is_published=False,
        capacities=[{"kind": "shelter_beds", "quantity": 5}],
    )


def test_an_owner_adds_a_profile_with_its_capacities(owner: Client) -> None:
    page = owner.get("/workspace/directory/profiles/new/")
    assert page.status_code == 200
    response = owner.post("/workspace/directory/profiles/new/", FORM)
    profile = DiasporaProfile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/directory/profiles/{profile.id}/"
    assert profile.origin_country == "GH"
    assert profile.languages == ["en", "tw"]
    assert profile.channels == ["faith_network", "radio"]
    assert profile.is_published
    assert profile.published_contact_fields == ["contact_email"]
    assert profile.contact_phone == "+48601000111"
    assert sorted(Capacity.objects.values_list("kind", "quantity", "language")) == [
        ("interpreters", 2, "tw"),
        ("shelter_beds", 8, ""),
    ]
    shown = owner.get(response["Location"]).content.decode()
    assert "Ghanaian church group" in shown
    assert "Shelter beds" in shown
    assert AuditEntry.objects.filter(object_type="directory.profile", action="create").exists()


def test_form_errors_name_the_field_and_nothing_is_written(owner: Client) -> None:
    response = owner.post(
        "/workspace/directory/profiles/new/",
        FORM | {"name": "", "country": "Atlantis", "languages": "en, 123"},
    )
    assert response.status_code == 200
    assert {"name", "country"} <= set(response.context["form"].errors)
    assert DiasporaProfile.objects.count() == 0

    schema = owner.post("/workspace/directory/profiles/new/", FORM | {"languages": "en, 123"})
    assert "languages" in schema.context["form"].errors
    assert DiasporaProfile.objects.count() == 0

    interpreters = owner.post(
        "/workspace/directory/profiles/new/", FORM | {"capacities-1-language": ""}
    )
    assert interpreters.status_code == 200
    rows = interpreters.context["capacities"].forms
    assert "language" in rows[1].errors
    assert DiasporaProfile.objects.count() == 0
    assert Capacity.objects.count() == 0


def test_an_edit_that_fails_leaves_the_profile_as_it_was(
    owner: Client, org_a: Organisation
) -> None:
    owner.post("/workspace/directory/profiles/new/", FORM)
    profile = DiasporaProfile.objects.get()
    page = owner.get(f"/workspace/directory/profiles/{profile.id}/edit/")
    assert page.status_code == 200
    assert page.context["form"].initial["languages"] == "en, tw"
    twice = FORM | {
        "name": "Renamed",
        "capacities-1-kind": "shelter_beds",
        "capacities-1-language": "",
    }
    response = owner.post(f"/workspace/directory/profiles/{profile.id}/edit/", twice)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()  # the same kind twice
    profile.refresh_from_db()
    assert profile.name == FORM["name"]
    assert profile.capacities.count() == 2

    fixed = FORM | {"name": "Renamed", "capacities-0-quantity": "20"}
    assert owner.post(f"/workspace/directory/profiles/{profile.id}/edit/", fixed).status_code == 302
    profile.refresh_from_db()
    assert profile.name == "Renamed"
    assert profile.capacities.get(kind="shelter_beds").quantity == 20


def test_partners_see_other_profiles_but_change_only_their_own(
    owner: Client, profile_b: DiasporaProfile
) -> None:
    listed = owner.get("/workspace/directory/").content.decode()
    assert "Cameroonian network" in listed  # partner organisations see unpublished profiles
    page = owner.get(f"/workspace/directory/profiles/{profile_b.id}/")
    assert page.status_code == 200
    assert not page.context["can_edit"]
    assert owner.get(f"/workspace/directory/profiles/{profile_b.id}/edit/").status_code == 404
    assert (
        owner.post(f"/workspace/directory/profiles/{profile_b.id}/edit/", FORM).status_code == 404
    )
    assert owner.post(f"/workspace/directory/profiles/{profile_b.id}/confirm/").status_code == 404
    profile_b.refresh_from_db()
    assert profile_b.name == "Cameroonian network, Krakow"


def test_an_unpublished_profile_is_absent_for_an_organisation_that_is_no_partner(
    web_client: Callable[..., Client],
    profile_b: DiasporaProfile,
    make_member: Callable[..., Any],
    crisis: Any,
    register_person: Callable[..., Any],
    make_client: Callable[..., Any],
) -> None:
    """A third organisation: no agreement with org_b. The profile's page answers as a profile
    that does not exist, and the list, the filters and the gap map do not know it."""
    third = Organisation.objects.create(name="Third", kind="ngo")
    stranger = web_client(third, Role.COORDINATOR)
    page = stranger.get(f"/workspace/directory/profiles/{profile_b.id}/")
    missing = stranger.get("/workspace/directory/profiles/00000000-0000-4000-8000-000000000000/")
    assert page.status_code == missing.status_code == 404
    assert "Cameroonian" not in page.content.decode()
    assert "Cameroonian" not in stranger.get("/workspace/directory/").content.decode()
    assert stranger.get("/workspace/directory/", {"origin_country": "CM"}).context["profiles"] == []
    lublin = {"country": "PL", "admin_area": "Lublin", "latitude": 51.25, "longitude": 22.57}
    register_person(make_client(third), needs=[{"category": "shelter"}], **lublin)
    gaps = stranger.get("/workspace/directory/gaps/", {"need": "shelter", "radius_km": "50"})
    assert [(row.admin_area, row.capacity) for row in gaps.context["rows"]] == [("Lublin", 0)]


def test_a_private_profile_is_not_shown_to_someone_without_an_organisation(
    profile_b: DiasporaProfile, make_member: Callable[..., Any], org_a: Organisation
) -> None:
    """The public pages show published profiles only; the workspace needs a membership."""
    client = Client()
    assert client.get(f"/workspace/directory/profiles/{profile_b.id}/").status_code == 302


def test_a_viewer_may_read_but_not_write(
    web_client: Callable[..., Client], org_a: Organisation, profile_b: DiasporaProfile
) -> None:
    viewer = web_client(org_a, Role.VIEWER)
    assert viewer.get("/workspace/directory/").status_code == 200
    assert viewer.get("/workspace/directory/profiles/new/").status_code == 403
    assert viewer.post("/workspace/directory/profiles/new/", FORM).status_code == 403
    assert DiasporaProfile.objects.count() == 1


def test_the_list_filters(owner: Client, profile_b: DiasporaProfile) -> None:
    owner.post("/workspace/directory/profiles/new/", FORM)

    def names(**query: str) -> set[str]:
        return {p.name for p in owner.get("/workspace/directory/", query).context["profiles"]}

    both = {FORM["name"], "Cameroonian network, Krakow"}
    assert names() == both
    assert names(origin_community="ashanti") == {FORM["name"]}
    assert names(origin_country="CM") == {"Cameroonian network, Krakow"}
    assert names(kind="informal_group") == {FORM["name"]}
    assert names(published="no") == {"Cameroonian network, Krakow"}
    assert names(mine="on") == {FORM["name"]}
    assert names(verified="yes") == set()
    assert names(stale="no") == both
    bad = owner.get("/workspace/directory/", {"country": "Atlantis"})
    assert "country" in bad.context["form"].errors


def test_stale_profiles_are_flagged_and_the_owner_confirms(
    owner: Client, org_a: Organisation, web_client: Callable[..., Client]
) -> None:
    owner.post("/workspace/directory/profiles/new/", FORM)
    profile = DiasporaProfile.objects.get()
    DiasporaProfile.objects.filter(id=profile.id).update(
        is_stale=True, last_confirmed_at=timezone.now() - dt.timedelta(days=90)
    )
    dashboard = owner.get("/workspace/").content.decode()
    assert "stale-banner" in dashboard
    assert FORM["name"] in dashboard
    other = web_client(Organisation.objects.create(name="Third", kind="ngo"), Role.COORDINATOR)
    assert "stale-banner" not in other.get("/workspace/directory/").content.decode()
    listed = owner.get("/workspace/directory/", {"stale": "yes"}).context["profiles"]
    assert [p.id for p in listed] == [profile.id]

    assert owner.post(f"/workspace/directory/profiles/{profile.id}/confirm/").status_code == 302
    profile.refresh_from_db()
    assert not profile.is_stale
    assert timezone.now() - profile.last_confirmed_at < dt.timedelta(minutes=1)
    assert "stale-banner" not in owner.get("/workspace/").content.decode()


def test_a_focal_point_verifies_and_others_may_not(
    owner: Client,
    profile_b: DiasporaProfile,
    web_client: Callable[..., Client],
    org_b: Organisation,
    make_member: Callable[..., Any],
) -> None:
    url = f"/workspace/directory/profiles/{profile_b.id}/verify/"
    assert owner.post(url).status_code == 403
    assert not owner.get(f"/workspace/directory/profiles/{profile_b.id}/").context["can_verify"]
    profile_b.refresh_from_db()
    assert profile_b.verified_at is None

    focal = web_client(org_b, Role.CASEWORKER)
    DiasporaFocalPoint.objects.create(user=focal.user)  # type: ignore[attr-defined]
    assert focal.post(url).status_code == 302
    profile_b.refresh_from_db()
    assert profile_b.verified_by_id == focal.user.id  # type: ignore[attr-defined]
    page = focal.get(f"/workspace/directory/profiles/{profile_b.id}/").content.decode()
    assert focal.user.get_username() in page  # type: ignore[attr-defined]

    admin = Client()
    admin.force_login(make_member(org_b, Role.ADMIN, superuser=True))
    assert admin.post(url).status_code == 302
    assert admin.get(url).status_code == 405


@pytest.fixture
def needs(
    make_client: Callable[..., Any],
    org_a: Organisation,
    org_b: Organisation,
    register_person: Callable[..., Any],
) -> None:
    client_a = make_client(org_a, Role.CASEWORKER)
    shelter = [{"category": "shelter"}]
    for _ in range(3):  # Lublin: 3 people need shelter
        register_person(
            client_a,
            country="PL",
            admin_area="Lublin Voivodeship",
            latitude=51.25,
            longitude=22.57,
            needs=shelter,
        )
    register_person(  # Rzeszow: 1 person
        client_a,
        country="PL",
        admin_area="Podkarpackie",
        latitude=50.04,
        longitude=21.99,
        needs=shelter,
    )
    register_person(
        client_a, admin_area="Nowhere known", latitude=None, longitude=None, needs=shelter
    )
    register_person(client_a, admin_area="Lublin Voivodeship", needs=[{"category": "food"}])
    client_b = make_client(org_b, Role.CASEWORKER)
    for _ in range(5):  # org_b's people are not org_a's to count
        register_person(client_b, admin_area="Secret", latitude=52.2, longitude=21.0, needs=shelter)


def test_the_gap_map_puts_needs_beside_capacities(
    owner: Client, org_a: Organisation, needs: None, crisis: Any
) -> None:
    owner.post("/workspace/directory/profiles/new/", FORM)  # 8 beds at Rzeszow
    user = owner.user  # type: ignore[attr-defined]
    make_profile(  # 2 beds at Lublin, and 50 that are not available
        actor_for(org_a, user), capacities=[{"kind": "shelter_beds", "quantity": 2}]
    )
    make_profile(
        actor_for(org_a, user),
        name="Away",
        availability="unavailable",
        capacities=[{"kind": "shelter_beds", "quantity": 50}],
    )
    make_service(actor_for(org_a, user))  # shelter at Medyka/Przemysl, ~80 km from Rzeszow
    before = AuditEntry.objects.filter(object_type="person_counts").count()

    response = owner.get("/workspace/directory/gaps/", {"need": "shelter", "radius_km": "50"})
    assert response.status_code == 200
    rows = {row.admin_area: row for row in response.context["rows"]}
    assert set(rows) == {"Lublin Voivodeship", "Podkarpackie", "Nowhere known"}  # scoped
    lublin, rzeszow = rows["Lublin Voivodeship"], rows["Podkarpackie"]
    assert (lublin.persons, lublin.capacity, lublin.profiles, lublin.is_gap) == (3, 2, 1, True)
    assert (rzeszow.persons, rzeszow.capacity, rzeszow.is_gap) == (1, 8, False)
    assert rzeszow.services == 0
    assert not rows["Nowhere known"].located
    assert not rows["Nowhere known"].is_gap
    assert response.context["rows"][0].admin_area == "Lublin Voivodeship"  # gaps first
    page = response.content.decode()
    assert 'class="gap"' in page
    assert 'id="map"' in page
    assert "Secret" not in page
    assert AuditEntry.objects.filter(object_type="person_counts").count() == before + 1

    wider = owner.get("/workspace/directory/gaps/", {"need": "shelter", "radius_km": "100"})
    assert {r.admin_area: r.services for r in wider.context["rows"]}["Podkarpackie"] == 1

    bad = owner.get("/workspace/directory/gaps/", {"need": "shelter", "radius_km": "0"})
    assert "radius_km" in bad.context["form"].errors
    assert bad.context["rows"] == []
