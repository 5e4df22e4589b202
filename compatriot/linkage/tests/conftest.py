"""Registrations of one crisis, some of which are the same person across scripts and
organisations: org_a registered the same man twice (Cyrillic and Latin), org_b once more."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from compatriot.core.models import Crisis, Organisation, Role
from compatriot.linkage.models import DedupeJob

MAN = {
    "given_name": "Мухаммед",
    "family_name": "Мамедов",
    "birth_date": "1990-04-12",
    "sex": "male",
    "nationalities": ["AZ"],
    "phones": ["+994 50 555 1234"],
}


@pytest.fixture
def coordinator_a(make_client: Callable[..., Any], org_a: Organisation) -> Any:
    return make_client(org_a, Role.COORDINATOR)


@pytest.fixture
def coordinator_b(make_client: Callable[..., Any], org_b: Organisation) -> Any:
    return make_client(org_b, Role.COORDINATOR)


@pytest.fixture
def man(register_person: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def make(client: Any, **overrides: Any) -> dict[str, Any]:
        return register_person(client, **{**MAN, **overrides})

    return make


def job_under_way(crisis: Crisis, organisation: Organisation) -> DedupeJob:
    """An organisation's job left running (by a worker that is busy, or dead)."""
    return DedupeJob.objects.create(
        crisis=crisis,
        scope="organisation",
        started_by_organisation=organisation,
        status="running",
        lower_threshold=0.5,
        upper_threshold=0.99,
    )
