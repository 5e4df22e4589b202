"""`compatriot tracing recheck` and the periodic sweep."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from compatriot.tracing.models import TracingMatch, TracingRequest
from compatriot.tracing.tasks import tracing_sweep_task

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
