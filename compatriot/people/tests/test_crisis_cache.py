"""Registrations remember for a minute that a crisis exists; a crisis deleted within that minute
is still answered with a clear 422, never a 500 or a stored person."""

from __future__ import annotations

import datetime as dt

import pytest

from compatriot.core.models import Crisis
from compatriot.people.models import Person
from compatriot.people.services import _require_crisis


@pytest.mark.django_db(transaction=True)
def test_a_crisis_deleted_while_remembered_is_still_refused(client_a, person_payload) -> None:
    short_lived = Crisis.objects.create(
        name="Deleted soon", kind="disaster", started_on=dt.date(2026, 1, 1)
    )
    _require_crisis(short_lived.id)  # now remembered
    short_lived.delete()
    response = client_a.post("/persons", person_payload(crisis_id=str(short_lived.id)))
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == "crisis_id"
    assert Person.objects.count() == 0
    again = client_a.post("/persons", person_payload(crisis_id=str(short_lived.id)))
    assert again.status_code == 422  # forgotten after the failure: checked again
