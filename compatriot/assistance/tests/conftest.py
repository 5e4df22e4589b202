"""API clients the assistance tests share."""

from __future__ import annotations

import pytest

from compatriot.core.models import Role


@pytest.fixture
def coordinator_a(make_client, org_a):
    return make_client(org_a, Role.COORDINATOR)


@pytest.fixture
def coordinator_b(make_client, org_b):
    return make_client(org_b, Role.COORDINATOR)
