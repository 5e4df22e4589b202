"""`compatriot tracing recheck` and the periodic sweep."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from compatriot.tracing.models import ACTIVE_STATUSES, RequestStatus, TracingMatch, TracingRequest
from compatriot.tracing.tasks import active_request_statement, tracing_sweep_task

pytestmark = pytest.mark.django_db


def test_the_command_finds_a_person_registered_after_the_request(
    client_a: Any, client_b: Any, sought_person: Callable[..., Any], open_request: Any
) -> None:
    created = open_request(client_a)
    person = sought_person(client_b)  # no on-commit hook runs here: only the command finds it
    assert TracingMatch.objects.count() == 0

    summary = call_command("tracing_recheck")
    assert summary == (
        "re-checked 1 request(s) against 1 person(s): 1 new possible match(es), 0 lapsed"
    )
    match = TracingMatch.objects.get()
    assert (str(match.request_id), str(match.person_id)) == (created["id"], person["id"])
    assert TracingRequest.objects.get().status == "possible_match"
    # Twice is harmless: nothing new, nothing doubled.
    assert "0 new possible match(es)" in call_command("tracing_recheck", "--full")
    assert TracingMatch.objects.count() == 1


def test_the_sweep_task_and_a_crisis_filter(
    client_a: Any, client_b: Any, sought_person: Callable[..., Any], open_request: Any, crisis: Any
) -> None:
    open_request(client_a)
    sought_person(client_b)
    other = "0c8a1d5e-2222-4333-8444-955566667777"
    assert "re-checked 0 request(s)" in call_command("tracing_recheck", "--crisis", other)
    assert tracing_sweep_task() == 1


def test_a_bad_crisis_id_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="--crisis"):
        call_command("tracing_recheck", "--crisis", "not-a-uuid")


def test_with_a_broker_registrations_share_one_delayed_recheck(
    settings: Any, monkeypatch: pytest.MonkeyPatch, client_a: Any, open_request: Any, crisis: Any
) -> None:
    from django.core.cache import cache

    from compatriot.tracing import tasks

    cache.clear()
    open_request(client_a)
    queued: list[tuple[Any, int]] = []
    monkeypatch.setattr(
        tasks.tracing_recheck_task,
        "apply_async",
        lambda args, countdown: queued.append((args, countdown)),
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.TRACING_RECHECK_DELAY = 30
    tasks.schedule_recheck(crisis.id)
    tasks.schedule_recheck(crisis.id)
    assert queued == [((str(crisis.id),), 30)]


def test_no_recheck_is_queued_for_a_crisis_without_active_requests(
    settings: Any, monkeypatch: pytest.MonkeyPatch, crisis: Any
) -> None:
    from compatriot.tracing import tasks

    monkeypatch.setattr(tasks.tracing_recheck_task, "delay", lambda *a: pytest.fail("queued"))
    tasks.schedule_recheck(crisis.id)


def test_a_closed_request_queues_no_recheck(
    settings: Any, monkeypatch: pytest.MonkeyPatch, client_a: Any, open_request: Any, crisis: Any
) -> None:
    from django.utils import timezone

    from compatriot.tracing import tasks
    from compatriot.tracing.models import RequestStatus, TracingRequest

    open_request(client_a)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    queued: list[Any] = []
    monkeypatch.setattr(tasks.tracing_recheck_task, "delay", lambda *a: queued.append(a))
    tasks.schedule_recheck(crisis.id)
    assert queued == [(str(crisis.id),)]  # while the request is open

    TracingRequest.objects.update(status=RequestStatus.WITHDRAWN, closed_at=timezone.now())
    tasks.schedule_recheck(crisis.id)
    assert queued == [(str(crisis.id),)]


@pytest.mark.parametrize("status", list(RequestStatus))
def test_the_registrations_check_finds_exactly_the_active_requests(
    status: RequestStatus, client_a: Any, open_request: Any, crisis: Any
) -> None:
    """The check sent after each registration (on PostgreSQL, a function keeping its plan)
    answers a row exactly when the crisis has a request the ORM calls active."""
    open_request(client_a)
    closed = status in (RequestStatus.CLOSED, RequestStatus.WITHDRAWN)
    TracingRequest.objects.update(status=status, closed_at=timezone.now() if closed else None)

    def found(crisis_id: uuid.UUID) -> bool:
        sql, params = active_request_statement(crisis_id)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone() is not None

    assert found(crisis.id) is (status in ACTIVE_STATUSES)
    assert found(crisis.id) is TracingRequest.objects.active().filter(crisis=crisis).exists()
    assert found(uuid.uuid4()) is False  # another crisis
