"""Matching runs in the background: one at a time per organisation and crisis, followed through
the API, run with the starter's current rights, and abandoned runs let go."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from compatriot.assistance import matching
from compatriot.assistance.models import Allocation, MatchingRun
from compatriot.core.errors import PermissionDeniedError
from compatriot.core.models import Membership, Organisation, Role
from compatriot.core.selectors import viewer_for_membership

PRZEMYSL = {"latitude": 49.7838, "longitude": 22.7678}


def _place_and_need(requester: Any, offerer: Any, crisis: Any) -> None:
    body = {"crisis_id": str(crisis.id), "category": "shelter_bed", **PRZEMYSL}
    assert requester.post("/assistance/requests", {**body, "people": 2}).status_code == 201
    offer = {**body, "capacity": 4, "radius_km": 30}
    assert offerer.post("/assistance/offers", offer).status_code == 201


def _queued(client: Any, organisation: Organisation, crisis: Any) -> MatchingRun:
    """A run started but not yet picked up by a worker (as with a broker)."""
    viewer = viewer_for_membership(user_id=client.user.id, organisation_id=organisation.id)
    return matching.start_matching(viewer, crisis_id=crisis.id, time_limit=5)


def test_a_run_is_followed_through_the_api_and_visible_to_its_organisation_only(
    coordinator_a, coordinator_b, client_b, crisis
):
    _place_and_need(coordinator_a, client_b, crisis)
    started = coordinator_a.post("/assistance/matching-runs", {"crisis_id": str(crisis.id)})
    assert started.status_code == 201, started.json()  # no broker: it ran at once
    run = started.json()
    assert (run["status"], run["summary"]["proposed"], run["error"]) == ("done", 1, "")
    assert run["finished_at"] is not None
    followed = coordinator_a.get(f"/assistance/matching-runs/{run['id']}").json()
    assert followed["summary"] == run["summary"]
    assert coordinator_b.get(f"/assistance/matching-runs/{run['id']}").status_code == 404
    assert coordinator_b.get("/assistance/matching-runs").json()["items"] == []
    listed = coordinator_a.get(f"/assistance/matching-runs?crisis_id={crisis.id}").json()
    assert [r["id"] for r in listed["items"]] == [run["id"]]


def test_a_second_run_waits_for_the_first(coordinator_a, org_a, crisis):
    first = _queued(coordinator_a, org_a, crisis)
    again = coordinator_a.post("/assistance/matching-runs", {"crisis_id": str(crisis.id)})
    assert (again.status_code, again.json()["field"]) == (409, "crisis_id")
    assert MatchingRun.objects.count() == 1
    matching.perform_matching(run_id=first.id)
    first.refresh_from_db()
    assert first.status == "done"
    assert (
        coordinator_a.post("/assistance/matching-runs", {"crisis_id": str(crisis.id)}).status_code
        == 201
    )


def test_a_run_abandoned_by_a_dead_worker_stops_blocking(
    coordinator_a, org_a, crisis, settings, time_machine
):
    stuck = _queued(coordinator_a, org_a, crisis)
    time_machine.move_to(
        stuck.started_at + dt.timedelta(minutes=settings.MATCHING_RUN_TIMEOUT_MINUTES + 1),
        tick=True,
    )
    again = coordinator_a.post("/assistance/matching-runs", {"crisis_id": str(crisis.id)})
    assert again.status_code == 201, again.json()
    stuck.refresh_from_db()
    assert stuck.status == "failed"
    assert stuck.error.startswith("abandoned")


def test_a_run_acts_with_the_starters_rights_when_it_runs(coordinator_a, client_b, org_a, crisis):
    _place_and_need(coordinator_a, client_b, crisis)
    run = _queued(coordinator_a, org_a, crisis)
    Membership.objects.filter(user=coordinator_a.user).update(role=Role.VOLUNTEER)
    with pytest.raises(PermissionDeniedError):
        matching.perform_matching(run_id=run.id)
    run.refresh_from_db()
    assert (run.status, run.summary) == ("failed", {})
    assert run.error == "PermissionDeniedError"  # the kind of error, never its message
    assert not Allocation.objects.exists()
