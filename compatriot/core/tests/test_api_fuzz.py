"""Schemathesis against the published OpenAPI schema: whatever a client sends to any operation,
the answer is never a server error, and what the API answers matches what its schema promises.

Examples are derandomised so that CI runs the same cases every time; the hand-written bad-input
tests (people/tests/test_bad_input.py) cover the cases we know to be dangerous.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from compatriot.wsgi import application
from conftest import ApiClient


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """Like Django's test client: calling the WSGI app directly would otherwise close the test
    transaction's database connection at the start and end of every request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_no_input_makes_a_server_error(
    case: Any, client_a: ApiClient, keep_test_connection: None
) -> None:
    case.call_and_validate(headers=client_a.headers, checks=[not_a_server_error])
