"""New registrations in a crisis already deduplicated as a whole are compared with its other
persons at once (a job of kind new_records, in the background): sure pairs go through the same
merge rule, the grey zone to the review queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compatriot.core.models import AuditEntry
from compatriot.linkage.dedupe import score_new
from compatriot.linkage.models import CandidatePair, DedupeJob, PairStatus
from compatriot.people.models import Person


@pytest.fixture(autouse=True)
def _compare_without_a_broker(settings: Any) -> None:
    """The tests have no broker: let the comparison run inside the registration, as opted in."""
    settings.LINKAGE_NEW_RECORDS_WITHOUT_BROKER = True


def register(client: Any, man: Any, capture: Any, **overrides: Any) -> Person:
    with capture(execute=True):
        created = man(client, **overrides)
    return Person.objects.get(id=created["id"])


@pytest.fixture
def deduplicated(
    client_a: Any,
    man: Any,
    admin_client: Any,
    crisis: Any,
    django_capture_on_commit_callbacks: Any,
    time_machine: Any,
) -> dict[str, Person]:
    """A crisis deduplicated as a whole: the man in Cyrillic and a twin brother, registered
    well before (registrations shortly before a job are compared again by the next one, as a
    long import may commit after the job read the crisis)."""
    persons = {
        "cyrillic": register(client_a, man, django_capture_on_commit_callbacks),
        "twin": register(client_a, man, django_capture_on_commit_callbacks, given_name="Али"),
    }
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=11), tick=True)
    job = admin_client.post("/linkage/jobs", {"crisis": str(crisis.id)})
    assert job.json()["status"] == "done"
    return persons


def test_nothing_runs_in_a_crisis_never_deduplicated_as_a_whole(
    client_a: Any,
    man: Any,
    coordinator_a: Any,
    crisis: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    register(client_a, man, django_capture_on_commit_callbacks)
    coordinator_a.post("/linkage/jobs", {"crisis": str(crisis.id)})  # one organisation's only

    register(client_a, man, django_capture_on_commit_callbacks, given_name="Muhammad")

    assert not DedupeJob.objects.filter(kind="new_records").exists()


def test_a_new_registration_of_a_known_person_is_merged(
    deduplicated: dict[str, Person],
    client_b: Any,
    man: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    latin = register(
        client_b,
        man,
        django_capture_on_commit_callbacks,
        given_name="Muhammad",
        family_name="Mammadov",
    )

    job = DedupeJob.objects.get(kind="new_records")
    assert job.status == "done"
    assert job.scope == "crisis"
    assert job.auto_merged == 1
    latin.refresh_from_db()
    assert latin.merged_into_id == deduplicated["cyrillic"].id
    # Only pairs with the new record were scored: the twins' pair is the whole job's.
    assert {p.job_id for p in CandidatePair.objects.filter(job=job)} == {job.id}
    assert all(
        latin.id in (p.person_a_id, p.person_b_id) for p in CandidatePair.objects.filter(job=job)
    )
    entry = AuditEntry.objects.filter(object_type="person_merge").latest("id")
    assert entry.details["decision"] == "auto_merge"
    assert entry.actor_user_id is None


def test_a_new_namesake_waits_for_review(
    deduplicated: dict[str, Person],
    client_a: Any,
    man: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    namesake = register(
        client_a,
        man,
        django_capture_on_commit_callbacks,
        given_name="Muhammad",
        family_name="Mammadov",
        birth_date="1990-04-13",
    )

    namesake.refresh_from_db()
    assert namesake.merged_into_id is None
    a, b = sorted([namesake.id, deduplicated["cyrillic"].id], key=str)
    pair = CandidatePair.objects.get(person_a_id=a, person_b_id=b)
    assert pair.status == PairStatus.PENDING
    assert "birth_date" in pair.conflicts
    assert DedupeJob.objects.get(kind="new_records").blocked_by_conflict >= 1


def test_new_records_meet_the_existing_and_one_another_only(
    client_a: Any, man: Any, crisis: Any
) -> None:
    old = [Person.objects.get(id=man(client_a)["id"]), Person.objects.get(id=man(client_a)["id"])]
    new = [
        Person.objects.get(id=man(client_a, given_name="Muhammad")["id"]),
        Person.objects.get(id=man(client_a, given_name="Mohammed")["id"]),
    ]

    scored = score_new(new, old, lower=0.5, upper=0.99)

    pairs = {frozenset((p.person_a, p.person_b)) for p in scored.pairs}
    assert frozenset(p.id for p in old) not in pairs  # two existing records: not compared
    assert frozenset(p.id for p in new) in pairs
    assert {frozenset((new[0].id, o.id)) for o in old} <= pairs
    assert len(pairs) == len(scored.pairs)  # each pair once


def test_without_a_broker_registrations_are_not_slowed_unless_opted_in(
    deduplicated: dict[str, Person],
    client_a: Any,
    man: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.LINKAGE_NEW_RECORDS_WITHOUT_BROKER = False
    register(client_a, man, django_capture_on_commit_callbacks, given_name="Muhammad")
    assert not DedupeJob.objects.filter(kind="new_records").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_with_a_broker_the_check_travels_with_the_write(
    client_a: Any, person_payload: Any, crisis: Any, settings: Any, monkeypatch: Any
) -> None:
    """The "finished whole-crisis job?" read goes in the registration's own round trip, after its
    commit (people.registrations' check), and the comparison is scheduled only when it finds
    one; without a broker and without the opt-in nothing is read at all."""
    from compatriot.linkage import tasks

    scheduled: list[Any] = []
    monkeypatch.setattr(
        tasks, "run_per_crisis", lambda task, crisis_id, **_: scheduled.append(crisis_id)
    )

    def register(number: int) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            response = client_a.post("/persons", person_payload(source_record_id=f"chk-{number}"))
        assert response.status_code == 201, response.json()
        return [query["sql"] for query in queries if "linkage_dedupejob" in query["sql"]]

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.LINKAGE_NEW_RECORDS_WITHOUT_BROKER = False
    (sent,) = register(1)
    assert "compatriot_insert_person" in sent  # the write's own text
    assert scheduled == []
    DedupeJob.objects.create(crisis=crisis, status="done", lower_threshold=0.5, upper_threshold=0.9)
    register(2)
    assert scheduled == [crisis.id]

    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert register(3) == []
    assert scheduled == [crisis.id]
