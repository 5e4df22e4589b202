from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from compatriot.core.models import Organisation, Role


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def web_client(make_member: Callable[..., Any]) -> Callable[..., Client]:
    """A browser-like client signed in as a new member of `organisation`."""

    def make(organisation: Organisation, role: str = Role.VOLUNTEER) -> Client:
        client = Client()
        user = make_member(organisation, role)
        client.force_login(user)
        client.user = user  # type: ignore[attr-defined]  # handy in tests
        return client

    return make


@pytest.fixture
def intake(settings: Any, org_a: Organisation) -> Organisation:
    """org_a receives the public self-registrations."""
    settings.WEB_PUBLIC_INTAKE_ORGANISATION = org_a.name
    return org_a
