"""The reads and the write the matching board adds: filtered and scoped lists, the names behind
requests within the people scope, manual-allocation candidates, and editing an open request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from pydantic import ValidationError

from compatriot.assistance import selectors, services
from compatriot.assistance.models import AssistanceRequest, Offer
from compatriot.assistance.schemas import BoardFilter, OfferIn, RequestIn, RequestPatch
from compatriot.core.errors import ConflictError, InvalidInputError, NotFoundError
from compatriot.core.models import AuditEntry, Organisation, Role, SharingAgreement
from compatriot.core.viewer import Viewer
from compatriot.people.models import Consent, Person

PRZEMYSL = (49.7838, 22.7678)
LVIV = (49.8397, 24.0297)


def _viewer(make_member: Any, organisation: Organisation, role: str = Role.COORDINATOR) -> Viewer:
    user = make_member(organisation, role)
    return Viewer(user.id, organisation.id, organisation.kind, role)


def _request(viewer: Viewer, crisis: Any, where=PRZEMYSL, **fields: Any) -> AssistanceRequest:
    data = {"category": "shelter_bed", "people": 2, **fields}
    return services.request_create(
        viewer,
        data=RequestIn(crisis_id=crisis.id, latitude=where[0], longitude=where[1], **data),
    )


def _offer(viewer: Viewer, crisis: Any, where=PRZEMYSL, **fields: Any) -> Offer:
    data = {"category": "shelter_bed", "capacity": 4, "radius_km": 30, **fields}
    return services.offer_create(
        viewer,
        data=OfferIn(crisis_id=crisis.id, latitude=where[0], longitude=where[1], **data),
    )


@pytest.fixture
def a(make_member, org_a) -> Viewer:
    return _viewer(make_member, org_a)


@pytest.fixture
def b(make_member, org_b) -> Viewer:
    return _viewer(make_member, org_b)


def test_request_board_filters_and_scope(a, b, crisis):
    near = _request(a, crisis)
    far = _request(a, crisis, where=LVIV, category="interpreter", urgency="critical")
    _request(b, crisis)  # another organisation's: never listed for a
    everything = list(selectors.request_board(a, filters=BoardFilter(crisis=crisis.id)))
    assert [r.id for r in everything] == [far.id, near.id]  # highest priority first
    by_priority = selectors.request_board(a, filters=BoardFilter(crisis=crisis.id, priority=4))
    assert [r.id for r in by_priority] == [far.id]
    by_category = selectors.request_board(a, filters=BoardFilter(category="shelter_bed"))
    assert [r.id for r in by_category] == [near.id]
    place = BoardFilter(near_latitude=49.8, near_longitude=22.8, within_km=20)
    assert [r.id for r in selectors.request_board(a, filters=place)] == [near.id]
    wide = BoardFilter(near_latitude=49.8, near_longitude=22.8, within_km=120)
    assert {r.id for r in selectors.request_board(a, filters=wide)} == {near.id, far.id}
    assert AuditEntry.objects.filter(object_type="assistance_request", action="list").exists()


def test_a_place_filter_needs_all_three_parts():
    with pytest.raises(ValidationError, match="within_km"):
        BoardFilter(near_latitude=49.8, within_km=20)


def test_offer_board_lists_every_organisations_offers_by_place(a, b, crisis):
    mine, theirs = _offer(a, crisis), _offer(b, crisis, where=LVIV)
    assert {o.id for o in selectors.offer_board(a, filters=BoardFilter(crisis=crisis.id))} == {
        mine.id,
        theirs.id,
    }
    place = BoardFilter(near_latitude=LVIV[0], near_longitude=LVIV[1], within_km=5)
    assert [o.id for o in selectors.offer_board(a, filters=place)] == [theirs.id]
    nobody = Viewer(None, None, None, None)
    assert list(selectors.offer_board(nobody, filters=BoardFilter())) == []


def test_names_only_for_people_the_caller_may_still_see(a, b, org_a, org_b, crisis):
    person = Person.objects.create(
        crisis=crisis,
        registered_by=org_a,
        source="hotline",
        given_name="Adaeze",
        family_name="Nwosu",
        latitude=PRZEMYSL[0],
        longitude=PRZEMYSL[1],
    )
    Consent.objects.create(
        person=person,
        scope="sharing",
        partner_kinds=[org_b.kind],
        method="verbal",
        given_at=timezone.now(),
    )
    agreement = SharingAgreement.objects.create(provider=org_a, recipient=org_b, purpose="test")
    own = _request(a, crisis, person_id=person.id, people=None)
    shared = _request(b, crisis, person_id=person.id, people=None)
    assert selectors.request_person_names(a, requests=[own]) == {own.id: "Adaeze Nwosu"}
    assert selectors.request_person_names(b, requests=[shared]) == {shared.id: "Adaeze Nwosu"}
    # b never gets a name through a's request, nor through its own once sharing ends.
    assert selectors.request_person_names(b, requests=[own]) == {}
    agreement.revoked_at = timezone.now()
    agreement.save()
    assert selectors.request_person_names(b, requests=[shared]) == {}


def test_candidates_compatible_first_then_blocked_then_full(a, b, crisis):
    request = _request(a, crisis, people=3)
    near = _offer(b, crisis)
    far = _offer(b, crisis, where=LVIV, radius_km=5)
    small = _offer(b, crisis, capacity=2)
    _offer(b, crisis, category="goods")  # another category: not a candidate
    paused = _offer(b, crisis)
    services.offer_set_status(b, offer_id=paused.id, status="paused")
    found = {c.offer.id: c for c in selectors.offer_candidates(a, request=request)}
    assert set(found) == {near.id, far.id, small.id}
    assert found[near.id].blocker is None
    assert found[near.id].distance_km == pytest.approx(0, abs=0.01)
    assert found[far.id].blocker == "none_in_range"
    assert found[small.id].blocker == "full"
    ordered = selectors.offer_candidates(a, request=request)
    assert ordered[0].offer.id == near.id


def test_request_update_changes_an_open_request_only(a, b, crisis):
    request = _request(a, crisis)
    changed = services.request_update(
        a,
        request_id=request.id,
        data=RequestPatch(people=4, languages=["ukr"], requirements=["pets", "pets"]),
    )
    assert (changed.people, changed.languages, changed.requirements) == (4, ["uk"], ["pets"])
    with pytest.raises(NotFoundError):
        services.request_update(b, request_id=request.id, data=RequestPatch(people=1))
    with pytest.raises(InvalidInputError):
        services.request_update(
            a, request_id=request.id, data=RequestPatch(destination_latitude=50.0)
        )
    start = timezone.now()
    services.request_update(a, request_id=request.id, data=RequestPatch(latest=start))
    with pytest.raises(InvalidInputError):  # the window checked against what is stored
        services.request_update(
            a,
            request_id=request.id,
            data=RequestPatch(earliest=start + dt.timedelta(days=1)),
        )
    offer = _offer(b, crisis, capacity=4, tags=["pets"])
    services.allocation_create(
        a, request_id=request.id, offer_id=offer.id, override=False, reason=""
    )
    with pytest.raises(ConflictError):
        services.request_update(a, request_id=request.id, data=RequestPatch(people=1))
    request.refresh_from_db()
    assert request.people == 4


def test_request_patch_through_the_api(make_client, org_a, org_b, crisis):
    client_a, client_b = make_client(org_a), make_client(org_b)
    created = client_a.post(
        "/assistance/requests",
        {"crisis_id": str(crisis.id), "category": "goods", "latitude": 50, "longitude": 20},
    ).json()
    url = f"/assistance/requests/{created['id']}"
    assert client_a.patch(url, {"people": 3}).json()["people"] == 3
    assert client_a.patch(url, {"people": 0}).status_code == 422
    assert client_b.patch(url, {"people": 2}).status_code == 404


def test_matching_run_latest_is_per_organisation(a, b, crisis):
    from compatriot.assistance.matching import run_matching

    assert selectors.matching_run_latest(a, crisis_id=crisis.id) is None
    run = run_matching(a, crisis_id=crisis.id, time_limit=5)
    assert selectors.matching_run_latest(a, crisis_id=crisis.id) == run
    assert selectors.matching_run_latest(b, crisis_id=crisis.id) is None


def test_finished_records_are_listed_only_when_asked_for(a, b, crisis):
    offer = _offer(b, crisis)
    services.offer_set_status(b, offer_id=offer.id, status="withdrawn")
    assert list(selectors.offer_board(a, filters=BoardFilter(crisis=crisis.id))) == []
    withdrawn = BoardFilter(crisis=crisis.id, status="withdrawn")
    assert [o.id for o in selectors.offer_board(a, filters=withdrawn)] == [offer.id]
    request = _request(a, crisis)
    AssistanceRequest.objects.filter(id=request.id).update(status="closed")
    assert list(selectors.request_board(a, filters=BoardFilter(crisis=crisis.id))) == []
    served = BoardFilter(crisis=crisis.id, status="closed")
    assert [r.id for r in selectors.request_board(a, filters=served)] == [request.id]
