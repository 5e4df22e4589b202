"""What a deduplication job may join, against what, and for whom.

- Two groups are joined automatically only if every pair across them scored at least the lower
  threshold with no hard conflict, no keep-apart decision and no undone merge (no chaining
  through a third record); the other sure pairs wait in the review queue.
- The job decides against the groups as they are when it decides, not as they were when it
  started scoring.
- "Keep apart" on two records that other merges already made one person is refused.
- A job compares, and shows, only what its starter's organisation may see.

Most tests give the job fixed scores (the engine is tested elsewhere) so that the rule, not the
model, is under test."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from compatriot.core.models import AuditEntry, Crisis, Organisation, Role
from compatriot.core.viewer import Viewer
from compatriot.linkage import selectors, services
from compatriot.linkage.dedupe import Scored, ScoredPair
from compatriot.linkage.models import CandidatePair, DedupeJob, PairStatus
from compatriot.linkage.tests.conftest import job_under_way
from compatriot.people.models import Person
from compatriot.people.tests.test_merged_groups import make_person

AGREE = {"given": 4, "family": 4, "date_of_birth": 7, "phones": 2}


def ordered(first: Person, second: Person) -> tuple[Person, Person]:
    return (first, second) if str(first.id) < str(second.id) else (second, first)


def stored_pair(first: Person, second: Person, **extra: Any) -> CandidatePair:
    a, b = ordered(first, second)
    values: dict[str, Any] = {"probability": 0.8, "agreements": AGREE, "conflicts": [], **extra}
    return CandidatePair.objects.create(crisis=first.crisis, person_a=a, person_b=b, **values)


def pair_of(first: Person, second: Person) -> CandidatePair:
    a, b = ordered(first, second)
    return CandidatePair.objects.get(person_a=a, person_b=b)


def group_of(person: Person) -> uuid.UUID:
    person.refresh_from_db()
    return person.merged_into_id or person.id


@pytest.fixture
def viewer_a(make_member: Callable[..., Any], org_a: Organisation) -> Viewer:
    user = make_member(org_a, Role.COORDINATOR)
    return Viewer(user.id, org_a.id, org_a.kind, Role.COORDINATOR)


@pytest.fixture
def scores(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[uuid.UUID]]:
    """Give the job these scores instead of the engine's; returns the ids it was asked to score.
    `during` runs while the job is scoring (what someone else does meanwhile)."""

    def give(
        pairs: Iterable[tuple[Person, Person, float]], during: Callable[[], None] | None = None
    ) -> list[uuid.UUID]:
        compared: list[uuid.UUID] = []

        def score(persons: Iterable[Person], *, lower: float, upper: float) -> Scored:
            compared.extend(p.id for p in persons)
            if during is not None:
                during()
            found = []
            for first, second, probability in pairs:
                a, b = ordered(first, second)
                found.append(ScoredPair(a.id, b.id, probability, dict(AGREE)))
            found.sort(key=lambda p: -p.probability)
            return Scored(pairs=found, records=len(compared), pairs_scored=len(found))

        monkeypatch.setattr(services, "score", score)
        return compared

    return give


def run(viewer: Viewer, crisis: Crisis) -> DedupeJob:
    job = services.dedupe_job_create(viewer, crisis_id=crisis.id)
    return services.dedupe_job_run(job_id=job.id)


# 1. No chaining through a third record


def test_a_year_only_record_does_not_chain_two_namesakes(
    client_a: Any, man: Any, coordinator_a: Any, crisis: Any
) -> None:
    registered = [
        man(client_a),
        man(client_a, given_name="Muhammad", family_name="Mammadov", birth_date="1990-04-13"),
        man(client_a, given_name="Mohammed", family_name="Mamedov", birth_date="1990"),
    ]
    first, namesake, year_only = (Person.objects.get(id=p["id"]) for p in registered)

    job = coordinator_a.post("/linkage/jobs", {"crisis": str(crisis.id)}).json()

    assert job["status"] == "done"
    # The year-only record is like both, but the namesakes' full dates differ: two people.
    assert group_of(first) != group_of(namesake)
    assert group_of(year_only) in (group_of(first), group_of(namesake))
    conflicting = pair_of(first, namesake)
    assert "birth_date" in conflicting.conflicts
    queue = coordinator_a.get("/linkage/pairs", crisis=str(crisis.id)).json()
    assert str(conflicting.id) in {item["id"] for item in queue["items"]}


def test_two_groups_join_only_if_every_pair_across_them_was_scored(
    crisis: Crisis, org_a: Organisation, viewer_a: Viewer, scores: Any
) -> None:
    a, b, c = (make_person(crisis, org_a, name) for name in ("Али", "Ali", "Alı"))
    scores([(a, c, 0.999), (b, c, 0.995)])  # a and b were never scored together

    job = run(viewer_a, crisis)

    assert group_of(a) == group_of(c) != group_of(b)
    assert (job.auto_merged, job.blocked_by_group) == (1, 1)
    assert pair_of(b, c).status == PairStatus.PENDING
    count, pending = selectors.pair_list(viewer_a, crisis_id=crisis.id)
    assert [p.id for p in pending] == [pair_of(b, c).id]
    assert count == job.queued_for_review == 1


def test_groups_join_when_every_pair_across_them_is_good(
    crisis: Crisis, org_a: Organisation, viewer_a: Viewer, scores: Any
) -> None:
    a, b, c = (make_person(crisis, org_a, name) for name in ("Али", "Ali", "Alı"))
    scores([(a, c, 0.999), (b, c, 0.995), (a, b, 0.6)])

    job = run(viewer_a, crisis)

    assert group_of(a) == group_of(b) == group_of(c)
    assert (job.auto_merged, job.blocked_by_group) == (2, 0)


def test_a_keep_apart_decision_is_not_bypassed_through_a_third_record(
    crisis: Crisis, org_a: Organisation, viewer_a: Viewer, scores: Any
) -> None:
    a, b, c = (make_person(crisis, org_a, name) for name in ("Али", "Ali", "Alı"))
    kept = stored_pair(a, b, probability=0.7)
    services.pair_keep_apart(viewer_a, pair_id=kept.id)
    scores([(a, c, 0.999), (b, c, 0.995), (a, b, 0.7)])

    run(viewer_a, crisis)

    assert group_of(a) != group_of(b)
    assert pair_of(a, b).status == PairStatus.KEPT_APART
    assert {pair_of(a, c).status, pair_of(b, c).status} == {PairStatus.MERGED, PairStatus.PENDING}


def test_an_undone_merge_is_not_redone_through_a_third_record(
    crisis: Crisis, org_a: Organisation, viewer_a: Viewer, scores: Any
) -> None:
    a, b, c = (make_person(crisis, org_a, name) for name in ("Али", "Ali", "Alı"))
    undone = stored_pair(a, b, probability=0.7)
    services.pair_merge(viewer_a, pair_id=undone.id)
    services.pair_unmerge(viewer_a, pair_id=undone.id)
    scores([(a, c, 0.999), (b, c, 0.995), (a, b, 0.999)])

    job = run(viewer_a, crisis)

    assert group_of(a) != group_of(b)
    assert job.auto_merged == 1
    assert pair_of(a, b).status == PairStatus.PENDING


# 2. The job decides against the groups as they are when it decides


def test_a_merge_made_while_the_job_scores_is_respected(
    crisis: Crisis, org_a: Organisation, viewer_a: Viewer, scores: Any
) -> None:
    a, a2, c = (make_person(crisis, org_a, name) for name in ("Али", "Ali", "Alı"))
    services.pair_merge(viewer_a, pair_id=stored_pair(a, a2).id)
    meanwhile = stored_pair(a, c)
    scores(
        [(a2, c, 0.999), (a, c, 0.999), (a, a2, 0.999)],
        during=lambda: services.pair_merge(viewer_a, pair_id=meanwhile.id),
    )

    job = run(viewer_a, crisis)

    assert job.status == "done"
    assert group_of(a) == group_of(a2) == group_of(c)
    assert job.auto_merged == 0
    assert AuditEntry.objects.filter(details__decision="auto_merge").count() == 0


# 4. Keep apart on records already one person


@pytest.fixture
def joined(crisis: Crisis, org_a: Organisation, viewer_a: Viewer) -> CandidatePair:
    """a, b and c are one person through the merges a-b and b-c; a-c waits for review."""
    a, b, c = (make_person(crisis, org_a, name) for name in ("Али", "Ali", "Alı"))
    services.pair_merge(viewer_a, pair_id=stored_pair(a, b).id)
    services.pair_merge(viewer_a, pair_id=stored_pair(b, c).id)
    return stored_pair(a, c, probability=0.6)


def test_keeping_apart_records_already_one_person_is_refused(
    joined: CandidatePair, coordinator_a: Any
) -> None:
    before = AuditEntry.objects.count()

    refused = coordinator_a.post(f"/linkage/pairs/{joined.id}/keep-apart")

    assert refused.status_code == 409
    assert refused.json()["field"] == "pair_id"
    joined.refresh_from_db()
    assert joined.status == PairStatus.PENDING
    assert not AuditEntry.objects.filter(id__gt=before, object_type="candidate_pair").exists()


# 5. Scope


@pytest.fixture
def two_organisations(crisis: Crisis, org_a: Organisation, org_b: Organisation) -> dict[str, Any]:
    return {
        "a": [make_person(crisis, org_a, "Али"), make_person(crisis, org_a, "Ali")],
        "b": [make_person(crisis, org_b, "Alı")],
    }


def test_a_coordinators_job_compares_only_what_the_organisation_may_see(
    two_organisations: dict[str, Any], crisis: Crisis, viewer_a: Viewer, scores: Any
) -> None:
    compared = scores([])

    job = run(viewer_a, crisis)

    assert set(compared) == {p.id for p in two_organisations["a"]}
    assert job.records == 2
    assert job.scope == "organisation"


def test_an_organisations_job_under_way_does_not_block_another_organisation(
    crisis: Crisis, org_a: Organisation, coordinator_b: Any
) -> None:
    job_under_way(crisis, org_a)

    started = coordinator_b.post("/linkage/jobs", {"crisis": str(crisis.id)})

    assert started.status_code == 202
    assert started.json()["status"] == "done"


def test_a_platform_admins_job_compares_the_whole_crisis(
    two_organisations: dict[str, Any], crisis: Crisis, admin_client: Any, scores: Any
) -> None:
    compared = scores([])

    job = admin_client.post("/linkage/jobs", {"crisis": str(crisis.id)}).json()

    assert len(compared) == 3
    assert job["scope"] == "crisis"


def test_a_job_and_its_pairs_do_not_exist_outside_its_scope(
    two_organisations: dict[str, Any],
    crisis: Crisis,
    coordinator_a: Any,
    coordinator_b: Any,
    admin_client: Any,
) -> None:
    job = coordinator_a.post("/linkage/jobs", {"crisis": str(crisis.id)}).json()
    whole = admin_client.post("/linkage/jobs", {"crisis": str(crisis.id)}).json()
    pairs = CandidatePair.objects.filter(job_id=job["id"])
    assert pairs.exists()

    assert coordinator_a.get(f"/linkage/jobs/{job['id']}").status_code == 200
    assert [j["id"] for j in coordinator_a.get("/linkage/jobs").json()["items"]] == [job["id"]]
    for outside, job_id in ((coordinator_b, job["id"]), (coordinator_a, whole["id"])):
        missing = outside.get(f"/linkage/jobs/{job_id}")
        assert missing.status_code == 404
        assert missing.json()["field"] == "job_id"
    assert coordinator_b.get("/linkage/jobs").json()["count"] == 0
    assert coordinator_b.get("/linkage/pairs").json()["count"] == 0
    for pair in pairs:
        assert coordinator_b.get(f"/linkage/pairs/{pair.id}").status_code == 404
    assert admin_client.get(f"/linkage/jobs/{job['id']}").status_code == 200


def test_a_merge_shows_only_the_records_the_viewer_may_see(
    crisis: Crisis,
    org_a: Organisation,
    org_b: Organisation,
    viewer_a: Viewer,
    coordinator_a: Any,
    scores: Any,
) -> None:
    theirs = make_person(crisis, org_b, "Alı")
    older, mine = make_person(crisis, org_a, "Али"), make_person(crisis, org_a, "Ali")
    Person.objects.filter(id=older.id).update(created_at=theirs.created_at - dt.timedelta(days=1))
    Person.objects.filter(id=theirs.id).update(merged_into=mine)  # merged by a wider job
    merged = services.pair_merge(viewer_a, pair_id=stored_pair(older, mine).id)
    assert {m["person"] for m in merged.moved} == {str(mine.id), str(theirs.id)}

    shown = coordinator_a.get(f"/linkage/pairs/{merged.pair_id}").json()["merge"]

    assert [m["person"] for m in shown["moved"]] == [str(mine.id)]
