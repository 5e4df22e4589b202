"""The family-tracing screens: the seeker's side sees no personal data of a candidate before the
person found consents; the found side asks and records the answer; other organisations see
nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from compatriot.core.models import Crisis, Organisation, Role
from compatriot.people.models import Consent, Person
from compatriot.tracing.models import (
    RequestStatus,
    TracingMatch,
    TracingNotification,
    TracingRequest,
)
from compatriot.web.tracing_labels import TRACING_LABELS

pytestmark = pytest.mark.django_db

NAMES = ("Мухаммед", "Мамедов", "+994505551234")


def _person(crisis: Crisis, organisation: Organisation, *, consent: bool = True) -> Person:
    person = Person.objects.create(
        crisis=crisis,
        registered_by=organisation,
        source="hotline",
        given_name="Мухаммед",
        family_name="Мамедов",
        sex="male",
        birth_date=dt.date(1990, 4, 12),
        birth_date_precision="day",
        nationality="AZ",
        nationalities=["AZ"],
        phones=["+994505551234"],
        journey_stage="at_border",
        category="student",
    )
    if consent:
        Consent.objects.create(
            person=person, scope="family_tracing", method="verbal", given_at=timezone.now()
        )
    return person


def _new_request(client: Client, **overrides: Any) -> Any:
    data = {
        "given_name": "Muhammad",
        "family_name": "Mammadov",
        "sex": "male",
        "birth_date": "1990",
        "nationality": "AZ",
        "last_known_country": "UA",
        "last_known_place": "Kharkiv",
        "relationship": "sibling",
        "seeker_name": "Leyla Mammadova",
        "seeker_contact": "+48 600 100 200",
    } | overrides
    return client.post("/workspace/tracing/new/", data)


def test_the_seeker_side_screen_shows_no_personal_data_before_consent(
    crisis: Crisis, org_a: Organisation, org_b: Organisation, web_client: Callable[..., Client]
) -> None:
    _person(crisis, org_b)
    seeker_side = web_client(org_a, Role.CASEWORKER)
    created = _new_request(seeker_side)
    request = TracingRequest.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/workspace/tracing/{request.id}/"

    unread = TracingNotification.objects.get(organisation=org_a, read_at__isnull=True)
    assert unread.kind == "possible_match"
    page = seeker_side.get(created["Location"]).content.decode()
    assert not TracingNotification.objects.filter(read_at__isnull=True, request=request).exists()
    assert 'id="candidates"' in page
    assert str(TRACING_LABELS[RequestStatus]["possible_match"]) in page
    for value in NAMES:
        assert value not in page
    assert str(TracingMatch.objects.get().person_id) not in page
    assert "+48 600 100 200" in page  # the seeker's own contact, for the handling organisation

    # The found side asks the person and records their consent: the contact passes.
    found_side = web_client(org_b, Role.CASEWORKER)
    index = found_side.get("/workspace/tracing/").content.decode()
    assert request.reference in index
    match = TracingMatch.objects.get()
    asked = found_side.get(f"/workspace/tracing/matches/{match.id}/").content.decode()
    assert "Leyla Mammadova" in asked
    assert "600 100 200" not in asked
    answered = found_side.post(
        f"/workspace/tracing/matches/{match.id}/", {"answer": "consent", "method": "verbal"}
    )
    assert answered.status_code == 302
    page = seeker_side.get(f"/workspace/tracing/{request.id}/").content.decode()
    assert all(value in page for value in NAMES)


def test_a_refusal_on_screen_closes_without_disclosure(
    crisis: Crisis, org_a: Organisation, org_b: Organisation, web_client: Callable[..., Client]
) -> None:
    _person(crisis, org_b)
    seeker_side = web_client(org_a, Role.CASEWORKER)
    _new_request(seeker_side)
    match = TracingMatch.objects.get()
    web_client(org_b, Role.CASEWORKER).post(
        f"/workspace/tracing/matches/{match.id}/", {"answer": "refuse", "method": "verbal"}
    )
    page = seeker_side.get(f"/workspace/tracing/{match.request_id}/").content.decode()
    assert 'id="candidates"' not in page
    for value in NAMES:
        assert value not in page
    assert TracingRequest.objects.get().outcome == "no_result"


def test_other_organisations_get_404_and_volunteers_403(
    crisis: Crisis, org_a: Organisation, org_b: Organisation, web_client: Callable[..., Client]
) -> None:
    _person(crisis, org_b)
    _new_request(web_client(org_a, Role.CASEWORKER))
    match = TracingMatch.objects.get()
    found_side = web_client(org_b, Role.CASEWORKER)
    assert found_side.get(f"/workspace/tracing/{match.request_id}/").status_code == 404
    seeker_side = web_client(org_a, Role.COORDINATOR)
    assert seeker_side.get(f"/workspace/tracing/matches/{match.id}/").status_code == 404
    volunteer = web_client(org_a, Role.VOLUNTEER)
    assert volunteer.get("/workspace/tracing/").status_code == 403


def test_bad_input_on_the_form_names_the_field(
    crisis: Crisis, org_a: Organisation, web_client: Callable[..., Client]
) -> None:
    client = web_client(org_a, Role.CASEWORKER)
    response = _new_request(client, birth_date="1990", age="30", phone="12")
    assert response.status_code == 422
    form = response.context["form"]
    assert "age" in form.errors
    assert TracingRequest.objects.count() == 0
    response = _new_request(client, seeker_contact="")
    assert response.status_code == 422
    assert "seeker_contact" in response.context["form"].errors


def test_the_navigation_lists_family_tracing(
    org_a: Organisation, web_client: Callable[..., Client]
) -> None:
    page = web_client(org_a, Role.CASEWORKER).get("/workspace/tracing/").content.decode()
    assert 'href="/workspace/tracing/" aria-current="page"' in page
