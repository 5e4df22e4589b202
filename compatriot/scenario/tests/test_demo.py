"""`compatriot demo`: a working crisis with organisations, staff and registrations, loaded once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from compatriot.cases.models import Case, Concern, Referral
from compatriot.core.audit import audit_verify
from compatriot.core.models import Crisis, Organisation, SharingAgreement
from compatriot.core.selectors import viewer_for_token
from compatriot.people.models import Person
from compatriot.scenario.generator import ORGANISATIONS


@pytest.mark.django_db
@override_settings(DEBUG=True)  # pytest-django runs with DEBUG off, like production
def test_demo_loads_a_crisis_and_is_idempotent(capsys) -> None:
    call_command("demo", persons=60)
    output = capsys.readouterr().out
    crisis = Crisis.objects.get()
    assert Organisation.objects.count() == len(ORGANISATIONS)
    assert SharingAgreement.objects.filter(crisis=crisis).exists()
    registered = Person.objects.count()
    assert registered >= 60  # duplicates from other sources come on top of the 60 people
    assert f"created {registered}, updated 0, unchanged 0, rejected 0" in output
    token = output.split("API token for ")[1].split(": ")[1].split()[0]
    assert viewer_for_token(token) is not None

    # The referral mechanism has an inbox, cases in every state and an overdue list.
    assert Concern.objects.filter(crisis=crisis).count() == 24
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"open", "assessed", "referred", "closed"} <= statuses
    assert set(Referral.objects.values_list("status", flat=True)) == {
        "pending",
        "declined",
        "completed",
    }
    assert ".caseworker" in output

    call_command("demo", persons=60)
    assert Concern.objects.count() == 24  # loaded once
    assert Person.objects.count() == registered
    assert f"created 0, updated 0, unchanged {registered}, rejected 0" in capsys.readouterr().out
    assert audit_verify().is_intact


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_demo_refuses_to_run_in_production() -> None:
    with pytest.raises(CommandError, match="DEBUG=0"):
        call_command("demo", persons=5)
    assert Person.objects.count() == 0
