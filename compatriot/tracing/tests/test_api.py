"""Family tracing through the API: disclosure as Restoring Family Links practice has it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from compatriot.core.models import AuditEntry, Role
from compatriot.tracing.models import (
    MatchStatus,
    NotificationKind,
    TracingMatch,
    TracingNotification,
    TracingRequest,
)

pytestmark = pytest.mark.django_db

PERSONAL = ("Мухаммед", "Мамедов", "994505551234", "m.mamedov@example.org", "1990-04-12")


def _no_personal_data(body: Any, person_id: str) -> None:
    text = json.dumps(body, ensure_ascii=False)
    for value in (*PERSONAL, person_id):
        assert value not in text


def test_the_seeker_side_learns_only_that_a_possible_match_exists(
    client_a: Any, client_b: Any, sought_person: Callable[..., Any], open_request: Any
) -> None:
    person = sought_person(client_b)
    created = open_request(client_a)

    assert created["status"] == "possible_match"
    assert created["possible_matches"] == 1
    candidates = client_a.get(f"/tracing/requests/{created['id']}/candidates")
    assert candidates.status_code == 200
    [candidate] = candidates.json()
    assert candidate["status"] == "awaiting_answer"
    assert candidate["rank"] == 1
    assert candidate["probability"] >= 0.5
    assert candidate["registered_by_you"] is False
    assert candidate["person_id"] is None
    assert candidate["contact"] is None
    _no_personal_data(candidates.json(), person["id"])
    _no_personal_data(client_a.get(f"/tracing/requests/{created['id']}").json(), person["id"])
    _no_personal_data(client_a.get("/tracing/notifications").json(), person["id"])
    assert [n["kind"] for n in client_a.get("/tracing/notifications").json()] == ["possible_match"]

    # The organisation that registered the person found is asked, and told who is looking,
    # but not how to reach the seeker.
    incoming = client_b.get("/tracing/matches").json()
    assert incoming["count"] == 1
    [match] = incoming["items"]
    assert match["person_id"] == person["id"]
    assert match["handling_organisation"] == "Nigerian Community in Poland"
    assert match["sought"]["seeker_name"] == "Leyla Mammadova"
    assert match["sought"]["relationship"] == "sibling"
    assert "+48600100200" not in json.dumps(match)
    assert "600 100 200" not in json.dumps(match)
    assert [n["kind"] for n in client_b.get("/tracing/notifications").json()] == ["answer_needed"]


def test_consent_passes_the_contact_details_to_the_seeker_side(
    client_a: Any, client_b: Any, sought_person: Callable[..., Any], open_request: Any
) -> None:
    sought_person(client_b)
    created = open_request(client_a)
    [match] = client_b.get("/tracing/matches").json()["items"]

    answered = client_b.post(
        f"/tracing/matches/{match['id']}/answer", {"answer": "consent", "method": "verbal"}
    )
    assert answered.status_code == 200, answered.json()
    assert answered.json()["status"] == "consented"

    [candidate] = client_a.get(f"/tracing/requests/{created['id']}/candidates").json()
    assert candidate["status"] == "consented"
    assert candidate["contact"] == {
        "given_name": "Мухаммед",
        "family_name": "Мамедов",
        "phones": ["+994505551234"],
        "email": "m.mamedov@example.org",
    }
    assert client_a.get(f"/tracing/requests/{created['id']}").json()["status"] == (
        "contact_consented"
    )
    kinds = {n["kind"] for n in client_a.get("/tracing/notifications").json()}
    assert kinds == {"possible_match", "contact_consented"}
    audit = AuditEntry.objects.get(object_type="tracing_match", action="update")
    assert audit.details["answer"] == "consent"

    closed = client_a.post(f"/tracing/requests/{created['id']}/close", {"outcome": "reunited"})
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["outcome"]) == ("closed", "reunited")
    again = client_b.post(
        f"/tracing/matches/{match['id']}/answer", {"answer": "refuse", "method": "verbal"}
    )
    assert again.status_code == 409
    assert again.json()["field"] == "answer"


def test_a_refusal_closes_the_request_and_discloses_nothing(
    client_a: Any, client_b: Any, sought_person: Callable[..., Any], open_request: Any
) -> None:
    person = sought_person(client_b)
    created = open_request(client_a)
    [match] = client_b.get("/tracing/matches").json()["items"]

    answered = client_b.post(
        f"/tracing/matches/{match['id']}/answer",
        {"answer": "refuse", "method": "verbal", "note": "Does not want to be found."},
    )
    assert answered.status_code == 200

    detail = client_a.get(f"/tracing/requests/{created['id']}").json()
    assert (detail["status"], detail["outcome"]) == ("closed", "no_result")
    candidates = client_a.get(f"/tracing/requests/{created['id']}/candidates").json()
    assert candidates == []
    _no_personal_data(detail, person["id"])
    assert "Does not want" not in json.dumps(detail)
    assert (
        TracingNotification.objects.filter(
            organisation__name="Nigerian Community in Poland", kind=NotificationKind.REQUEST_CLOSED
        ).count()
        == 1
    )


def test_not_the_person_reopens_the_search(
    client_a: Any, client_b: Any, sought_person: Callable[..., Any], open_request: Any
) -> None:
    sought_person(client_b)
    created = open_request(client_a)
    [match] = client_b.get("/tracing/matches").json()["items"]
    client_b.post(
        f"/tracing/matches/{match['id']}/answer", {"answer": "not_the_person", "method": "verbal"}
    )
    assert client_a.get(f"/tracing/requests/{created['id']}").json()["status"] == "open"
    assert client_a.get(f"/tracing/requests/{created['id']}/candidates").json() == []
    # A re-check does not offer the same person again.
    client_a.post("/tracing/recheck")
    assert TracingMatch.objects.count() == 1


def test_withdrawn_tracing_consent_removes_the_person_at_once(
    client_a: Any, client_b: Any, sought_person: Callable[..., Any], open_request: Any
) -> None:
    person = sought_person(client_b)
    created = open_request(client_a)
    [match] = client_b.get("/tracing/matches").json()["items"]
    [consent] = [c for c in person["consents"] if c["scope"] == "family_tracing"]

    withdrawn = client_b.post(f"/persons/{person['id']}/consents/{consent['id']}/withdraw")
    assert withdrawn.status_code == 200

    assert client_a.get(f"/tracing/requests/{created['id']}/candidates").json() == []
    assert client_a.get(f"/tracing/requests/{created['id']}").json()["possible_matches"] == 0
    assert client_b.get("/tracing/matches").json()["count"] == 0
    assert client_b.get(f"/tracing/matches/{match['id']}").status_code == 404
    answer = client_b.post(
        f"/tracing/matches/{match['id']}/answer", {"answer": "consent", "method": "verbal"}
    )
    assert answer.status_code == 404
    # The periodic sweep brings the stored state in step: the request searches again.
    assert client_a.post("/tracing/recheck").json()["new_matches"] == 0
    from compatriot.tracing.services import tracing_recheck

    assert tracing_recheck(full=True).lapsed == 1
    assert TracingMatch.objects.get().status == MatchStatus.LAPSED
    assert TracingRequest.objects.get().status == "open"


def test_a_person_without_tracing_consent_is_never_a_candidate(
    client_a: Any, client_b: Any, sought_person: Callable[..., Any], open_request: Any
) -> None:
    sought_person(client_b, consent=False)
    created = open_request(client_a)
    assert created["status"] == "open"
    assert client_a.get(f"/tracing/requests/{created['id']}/candidates").json() == []


def test_the_seeker_contact_is_encrypted_at_rest(client_a: Any, open_request: Any) -> None:
    created = open_request(client_a)
    stored = TracingRequest.objects.get()
    assert "600" not in stored.seeker_contact_sealed
    assert stored.seeker_contact_sealed
    assert created["seeker_contact"] == "+48 600 100 200"


def test_a_registered_seeker_is_never_their_own_match(
    client_a: Any, sought_person: Callable[..., Any], open_request: Any
) -> None:
    seeker = sought_person(client_a)  # the same description: would match itself
    created = open_request(
        client_a, seeker_name="", seeker_contact="", seeker_person_id=seeker["id"]
    )
    assert created["seeker_person_id"] == seeker["id"]
    assert client_a.get(f"/tracing/requests/{created['id']}/candidates").json() == []


def test_a_candidate_registered_by_the_handling_organisation_is_named_by_id(
    client_a: Any, sought_person: Callable[..., Any], open_request: Any
) -> None:
    person = sought_person(client_a)
    created = open_request(client_a)
    [candidate] = client_a.get(f"/tracing/requests/{created['id']}/candidates").json()
    assert (candidate["registered_by_you"], candidate["person_id"]) == (True, person["id"])
    assert candidate["contact"] is None


def test_the_right_person_ranks_first_among_relatives(
    client_a: Any, client_b: Any, sought_person: Callable[..., Any], open_request: Any
) -> None:
    sibling = sought_person(client_b, given_name="Анар", birth_date="1994-01-03", phones=[])
    father = sought_person(client_b, birth_date="1961-02-01", phones=[])
    person = sought_person(client_b)
    created = open_request(client_a, given_name="Mohammed")
    matches = TracingMatch.objects.filter(request_id=created["id"]).order_by("rank")
    assert str(matches[0].person_id) == person["id"]
    assert {str(m.person_id) for m in matches}.isdisjoint({sibling["id"]})
    assert father["id"]  # a namesake with another year of birth may rank, never first


def test_recheck_finds_a_person_registered_after_the_request(
    client_a: Any,
    client_b: Any,
    sought_person: Callable[..., Any],
    open_request: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    created = open_request(client_a)
    assert created["status"] == "open"
    with django_capture_on_commit_callbacks(execute=True):
        sought_person(client_b)
    detail = client_a.get(f"/tracing/requests/{created['id']}").json()
    assert (detail["status"], detail["possible_matches"]) == ("possible_match", 1)
    assert [n["kind"] for n in client_a.get("/tracing/notifications").json()] == ["possible_match"]


def test_recheck_after_an_import(
    client_a: Any,
    org_b: Any,
    open_request: Any,
    django_capture_on_commit_callbacks: Any,
    make_member: Any,
    crisis: Any,
) -> None:
    from compatriot.core.viewer import Viewer
    from compatriot.people.imports.importer import import_rows

    created = open_request(client_a)
    user = make_member(org_b, Role.CASEWORKER)
    actor = Viewer(user.id, org_b.id, org_b.kind, Role.CASEWORKER)
    row = {
        "source_record_id": "hotline-7",
        "given_name": "Мухаммед",
        "family_name": "Мамедов",
        "birth_date": "1990",
        "sex": "male",
        "nationalities": ["AZ"],
        "journey_stage": "at_border",
        "category": "student",
        "source": "hotline",
        "consent": "family_tracing",
    }
    with django_capture_on_commit_callbacks(execute=True):
        report = import_rows(actor, crisis_id=crisis.id, rows=[row], storage="orm")
    assert report.created == 1, report.rejected
    assert client_a.get(f"/tracing/requests/{created['id']}").json()["status"] == "possible_match"


@pytest.mark.django_db(transaction=True)
def test_a_registration_outside_a_transaction_checks_for_requests_after_its_commit(
    client_a: Any,
    client_b: Any,
    sought_person: Callable[..., Any],
    open_request: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As in production: on PostgreSQL tracing's check travels with the write, after its COMMIT
    (people.registrations), and still sees the person; elsewhere it runs after the commit."""
    from django.db import connection

    from compatriot.tracing import tasks

    rechecks: list[Any] = []
    real = tasks.run_per_crisis

    def counted(*args: Any, **kwargs: Any) -> None:
        rechecks.append(args[1])
        real(*args, **kwargs)

    monkeypatch.setattr(tasks, "run_per_crisis", counted)
    sought_person(client_b, given_name="Никто", family_name="Никаков")
    assert rechecks == []  # no active request in the crisis: nothing to re-check

    created = open_request(client_a)
    sent: list[str] = []

    def record(execute: Any, sql: str, *args: Any) -> Any:
        sent.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(record):
        sought_person(client_b)
    assert len(rechecks) == 1
    detail = client_a.get(f"/tracing/requests/{created['id']}").json()
    assert (detail["status"], detail["possible_matches"]) == ("possible_match", 1)
    if connection.vendor == "postgresql":
        (write,) = [sql for sql in sent if "compatriot_insert_person" in sql]
        assert write.startswith("BEGIN")
        committed, check = write.split("COMMIT")
        assert "compatriot_audit_entry" in committed
        assert "compatriot_tracing_active" in check  # tracing migration 0002
