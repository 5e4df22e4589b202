"""Deduplication inside the platform: the job, automatic merges and what blocks them, the review
queue and its scoping, decisions and their undoing, and the counts that follow."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command

from compatriot.core.models import AuditEntry, Role
from compatriot.core.viewer import Viewer
from compatriot.linkage.models import CandidatePair, DedupeJob, Merge, PairStatus
from compatriot.linkage.tests.conftest import job_under_way
from compatriot.people.aggregates import crisis_counts
from compatriot.people.models import Person


def run_job(client: Any, crisis: Any, **extra: Any) -> dict[str, Any]:
    response = client.post("/linkage/jobs", {"crisis": str(crisis.id), **extra})
    assert response.status_code == 202, response.json()
    return response.json()


def pair_of(first: dict[str, Any], second: dict[str, Any]) -> CandidatePair:
    a, b = sorted([first["id"], second["id"]])
    return CandidatePair.objects.get(person_a_id=a, person_b_id=b)


@pytest.fixture
def world(client_a: Any, man: Any) -> dict[str, dict[str, Any]]:
    """The same man in Cyrillic and in Latin letters; a twin brother (other given name); a
    namesake born a day later (a different full date of birth)."""
    return {
        "cyrillic": man(client_a),
        "latin": man(client_a, given_name="Muhammad", family_name="Mammadov"),
        "twin": man(client_a, given_name="Али"),
        "namesake": man(
            client_a, given_name="Muhammad", family_name="Mammadov", birth_date="1990-04-13"
        ),
    }


def test_job_merges_the_sure_pair_and_keeps_every_registration(
    world: Any, coordinator_a: Any, crisis: Any
) -> None:
    job = run_job(coordinator_a, crisis)

    assert job["status"] == "done"
    assert job["records"] == 4
    assert job["auto_merged"] == 1
    assert set(job["stage_seconds"]) >= {"load", "score", "decide"}
    cyrillic = Person.objects.get(id=world["cyrillic"]["id"])
    latin = Person.objects.get(id=world["latin"]["id"])
    # The older registration is the primary; the other keeps its own names, source and provenance.
    assert cyrillic.merged_into_id is None
    assert latin.merged_into_id == cyrillic.id
    assert (latin.given_name, latin.family_name, latin.source) == (
        "Muhammad",
        "Mammadov",
        "diaspora_volunteer",
    )
    assert pair_of(world["cyrillic"], world["latin"]).status == PairStatus.MERGED
    entry = AuditEntry.objects.get(object_type="person_merge")
    assert entry.details["decision"] == "auto_merge"
    assert entry.details["moved"] == [str(latin.id)]
    assert AuditEntry.objects.filter(object_type="dedupe_job").count() == 2  # created, finished


def test_a_hard_identifier_conflict_blocks_the_automatic_merge(
    world: Any, coordinator_a: Any, crisis: Any
) -> None:
    job = run_job(coordinator_a, crisis)

    twin = pair_of(world["cyrillic"], world["twin"])
    namesake = pair_of(world["cyrillic"], world["namesake"])
    # Both scored above the upper threshold on this tiny set, but neither was merged.
    assert twin.status == namesake.status == PairStatus.PENDING
    assert "given_name" in twin.conflicts
    assert "birth_date" in namesake.conflicts
    assert job["blocked_by_conflict"] >= 2
    assert Person.objects.get(id=world["twin"]["id"]).merged_into_id is None
    assert Person.objects.get(id=world["namesake"]["id"]).merged_into_id is None


def test_the_queue_shows_the_grey_zone_with_fields_side_by_side(
    world: Any, coordinator_a: Any, crisis: Any
) -> None:
    job = run_job(coordinator_a, crisis)

    listed = coordinator_a.get("/linkage/pairs", crisis=str(crisis.id)).json()
    assert listed["count"] == job["queued_for_review"] > 0
    ids = {item["id"] for item in listed["items"]}
    assert str(pair_of(world["cyrillic"], world["twin"]).id) in ids
    assert str(pair_of(world["cyrillic"], world["latin"]).id) not in ids  # merged
    # The latin record is now one person with the cyrillic: their pair with the twin is still
    # to decide once (both are listed, as the twin is a different group from either).
    detail = coordinator_a.get(f"/linkage/pairs/{pair_of(world['cyrillic'], world['twin']).id}")
    assert detail.status_code == 200
    states = {f["field"]: f["state"] for f in detail.json()["fields"]}
    assert states["given_name"] == "disagree"
    assert states["family_name"] == states["birth_date"] == states["phones"] == "agree"
    assert detail.json()["conflicts"] == ["given_name"]


def test_merge_keep_apart_and_unmerge_are_audited_and_unmerge_restores_exactly(
    world: Any, coordinator_a: Any, crisis: Any
) -> None:
    run_job(coordinator_a, crisis)
    namesake = pair_of(world["latin"], world["namesake"])
    before = dict(Person.objects.values_list("id", "merged_into_id"))

    merged = coordinator_a.post(f"/linkage/pairs/{namesake.id}/merge")
    assert merged.status_code == 200, merged.json()
    assert merged.json()["status"] == "merged"
    assert Person.objects.get(id=world["namesake"]["id"]).merged_into_id == (
        Person.objects.get(id=world["cyrillic"]["id"]).id
    )
    again = coordinator_a.post(
        f"/linkage/pairs/{pair_of(world['cyrillic'], world['namesake']).id}/merge"
    )
    assert again.status_code == 409
    assert again.json()["field"] == "pair_id"

    undone = coordinator_a.post(f"/linkage/pairs/{namesake.id}/unmerge")
    assert undone.status_code == 200
    assert undone.json()["status"] == "pending"
    assert dict(Person.objects.values_list("id", "merged_into_id")) == before
    assert Merge.objects.get(pair=namesake).undone_at is not None

    twin = pair_of(world["cyrillic"], world["twin"])
    kept = coordinator_a.post(f"/linkage/pairs/{twin.id}/keep-apart")
    assert kept.json()["status"] == "kept_apart"

    decisions = [
        e.details["decision"]
        for e in AuditEntry.objects.filter(
            object_type__in=["person_merge", "candidate_pair"], action="update"
        ).order_by("id")
    ]
    assert decisions == ["auto_merge", "merge", "unmerge", "keep_apart"]


def test_an_undone_automatic_merge_is_not_redone_and_decisions_stand(
    world: Any, coordinator_a: Any, crisis: Any
) -> None:
    run_job(coordinator_a, crisis)
    sure = pair_of(world["cyrillic"], world["latin"])
    assert coordinator_a.post(f"/linkage/pairs/{sure.id}/unmerge").status_code == 200
    twin = pair_of(world["cyrillic"], world["twin"])
    coordinator_a.post(f"/linkage/pairs/{twin.id}/keep-apart")

    job = run_job(coordinator_a, crisis)

    assert job["auto_merged"] == 0
    assert Person.objects.filter(merged_into__isnull=False).count() == 0
    sure.refresh_from_db()
    twin.refresh_from_db()
    assert (sure.status, twin.status) == (PairStatus.PENDING, PairStatus.KEPT_APART)


def test_unmerge_waits_for_a_later_merge_that_builds_on_it(
    client_a: Any, man: Any, coordinator_a: Any, crisis: Any
) -> None:
    first = man(client_a)
    second = man(client_a, given_name="Muhammad", family_name="Mammadov")
    run_job(coordinator_a, crisis)
    # An older record of the same man, from before: the next merge moves the whole group.
    older = man(client_a, given_name="Mohammed", family_name="Mamedov")
    Person.objects.filter(id=older["id"]).update(
        created_at=Person.objects.get(id=first["id"]).created_at.replace(year=2020)
    )
    run_job(coordinator_a, crisis)
    assert set(Person.objects.filter(merged_into_id=older["id"]).values_list("id", flat=True)) == {
        Person.objects.get(id=first["id"]).id,
        Person.objects.get(id=second["id"]).id,
    }

    refused = coordinator_a.post(f"/linkage/pairs/{pair_of(first, second).id}/unmerge")

    assert refused.status_code == 409
    assert refused.json()["field"] == "pair_id"


def test_the_queue_never_shows_another_organisations_person(
    client_a: Any,
    client_b: Any,
    man: Any,
    coordinator_a: Any,
    coordinator_b: Any,
    admin_client: Any,
    crisis: Any,
) -> None:
    mine = man(client_a)
    theirs = man(client_b, given_name="Muhammad", family_name="Mammadov", birth_date="1990-04-13")
    run_job(admin_client, crisis)
    pair = pair_of(mine, theirs)  # scored: a platform administrator's job runs over the crisis

    for client in (coordinator_a, coordinator_b):
        assert client.get("/linkage/pairs").json()["count"] == 0
        assert client.get(f"/linkage/pairs/{pair.id}").status_code == 404
        refused = client.post(f"/linkage/pairs/{pair.id}/merge")
        assert refused.status_code == 404
        assert refused.json()["field"] == "pair_id"
    assert Person.objects.filter(merged_into__isnull=False).count() == 0


def test_only_admins_and_coordinators_decide_or_start(
    world: Any, client_a: Any, coordinator_a: Any, crisis: Any
) -> None:
    assert client_a.post("/linkage/jobs", {"crisis": str(crisis.id)}).status_code == 403
    run_job(coordinator_a, crisis)
    twin = pair_of(world["cyrillic"], world["twin"])

    assert client_a.get(f"/linkage/pairs/{twin.id}").status_code == 200  # may read
    assert client_a.post(f"/linkage/pairs/{twin.id}/merge").status_code == 403
    assert client_a.post(f"/linkage/pairs/{twin.id}/keep-apart").status_code == 403
    twin.refresh_from_db()
    assert twin.status == PairStatus.PENDING


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({}, "crisis", 422),
        ({"crisis": "not-an-id"}, "crisis", 422),
        ({"crisis": "00000000-0000-4000-8000-000000000000"}, "crisis", 404),
        ({"lower_threshold": 1.5}, "lower_threshold", 422),
        ({"lower_threshold": 0.9, "upper_threshold": 0.8}, "upper_threshold", 422),
    ],
)
def test_bad_job_requests_name_the_field(
    coordinator_a: Any, crisis: Any, body: dict[str, Any], field: str, status: int
) -> None:
    if "crisis" not in body and field != "crisis":
        body = {"crisis": str(crisis.id), **body}
    response = coordinator_a.post("/linkage/jobs", body)

    assert response.status_code == status
    assert response.json()["field"] == field
    assert DedupeJob.objects.count() == 0


def test_job_status_and_list(world: Any, coordinator_a: Any, crisis: Any) -> None:
    job = run_job(coordinator_a, crisis)

    assert coordinator_a.get(f"/linkage/jobs/{job['id']}").json()["status"] == "done"
    assert coordinator_a.get("/linkage/jobs", crisis=str(crisis.id)).json()["count"] == 1
    missing = coordinator_a.get("/linkage/jobs/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["field"] == "job_id"


def test_counts_list_and_export_count_a_merged_group_once(
    world: Any, coordinator_a: Any, client_a: Any, crisis: Any, org_a: Any
) -> None:
    viewer = Viewer(client_a.user.id, org_a.id, org_a.kind, Role.CASEWORKER)
    assert crisis_counts(viewer, crisis_id=crisis.id).total == 4
    run_job(coordinator_a, crisis)

    counts = crisis_counts(viewer, crisis_id=crisis.id)
    assert counts.total == 3
    assert counts.by_nationality == [("AZ", 3)]
    listed = client_a.get("/persons", crisis=str(crisis.id)).json()
    assert listed["count"] == 3
    assert world["latin"]["id"] not in {p["id"] for p in listed["items"]}
    # The merged registration is still there, as provenance, and says where it belongs.
    latin = client_a.get(f"/persons/{world['latin']['id']}").json()
    assert latin["merged_into_id"] == world["cyrillic"]["id"]

    out = io.StringIO()
    call_command(
        "export_persons",
        org=org_a.name,
        as_user=client_a.user.username,
        crisis=str(crisis.id),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert len(out.getvalue().strip().splitlines()) == 1 + 3


def test_the_command_runs_a_crisis(world: Any, crisis: Any) -> None:
    out = io.StringIO()
    call_command("linkage_run", "--crisis", str(crisis.id), stdout=out)

    assert "records 4" in out.getvalue()
    assert "merged 1" in out.getvalue()
    assert DedupeJob.objects.get().status == "done"
    entry = AuditEntry.objects.get(object_type="person_merge")
    assert entry.actor_user_id is None
    assert entry.details["decision"] == "auto_merge"


def test_a_job_abandoned_by_a_dead_worker_stops_blocking_the_crisis(
    world: Any, coordinator_a: Any, crisis: Any, org_a: Any, time_machine: Any
) -> None:
    stuck = job_under_way(crisis, org_a)
    refused = coordinator_a.post("/linkage/jobs", {"crisis": str(crisis.id)})
    assert refused.status_code == 409
    assert refused.json()["field"] == "crisis"

    time_machine.move_to(stuck.created_at + dt.timedelta(minutes=121), tick=True)
    job = run_job(coordinator_a, crisis)

    stuck.refresh_from_db()
    assert stuck.status == "failed"
    assert "abandoned" in stuck.error
    assert coordinator_a.get(f"/linkage/jobs/{job['id']}").json()["status"] == "done"
