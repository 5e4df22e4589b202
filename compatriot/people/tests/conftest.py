"""Fixtures for the people app: sharing persons through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from compatriot.core.models import Crisis, Organisation, Role
from conftest import ApiClient


@pytest.fixture
def share(make_client: Callable[..., ApiClient], org_a: Organisation) -> Callable[..., str]:
    """org_a's coordinator shares org_a's registrations with `recipient`; returns the agreement id."""
    coordinator = make_client(org_a, Role.COORDINATOR)

    def share_with(recipient: Organisation, *, crisis: Crisis | None = None) -> str:
        body = {"recipient_id": str(recipient.id), "purpose": "Evacuation coordination"}
        if crisis is not None:
            body["crisis_id"] = str(crisis.id)
        response = coordinator.post("/sharing-agreements", body)
        assert response.status_code == 201, response.json()
        return str(response.json()["id"])

    share_with.coordinator = coordinator  # type: ignore[attr-defined]  # to revoke with
    return share_with


@pytest.fixture
def member(person_payload: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """A household member's body: a person's, with a relationship and without the crisis."""

    def make(relationship: str, **overrides: Any) -> dict[str, Any]:
        data = person_payload(relationship=relationship, **overrides)
        del data["crisis_id"]
        return data

    return make
