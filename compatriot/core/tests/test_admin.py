"""The core admin writes crises and organisations through core/services.py: the API's
validation, a verification that records who and when, and audit entries."""

from __future__ import annotations

import json

import pytest

from compatriot.core.audit import audit_verify
from compatriot.core.models import AuditAction, AuditEntry, Crisis, SharingAgreement
from compatriot.core.tests.adminforms import act, form_data, superuser_browser

pytestmark = pytest.mark.django_db


def test_verifying_an_organisation_records_who_and_when(org_a) -> None:
    browser, admin = superuser_browser()
    response = act(browser, "/admin/core/organisation/", "verify", org_a)
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.is_verified
    assert org_a.verified_by_id == admin.id
    assert org_a.verified_at is not None
    [entry] = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="organisation")
    assert (entry.actor_user_id, entry.purpose, entry.details["is_verified"]) == (
        admin.id,
        "admin",
        True,
    )

    act(browser, "/admin/core/organisation/", "unverify", org_a)
    org_a.refresh_from_db()
    assert (org_a.is_verified, org_a.verified_by_id, org_a.verified_at) == (False, None, None)
    assert audit_verify().is_intact


def test_the_organisation_form_cannot_tick_verified(org_a) -> None:
    browser, _ = superuser_browser()
    url = f"/admin/core/organisation/{org_a.id}/change/"
    data = form_data(browser.get(url))
    assert "is_verified" not in data
    data["is_verified"] = "on"
    assert browser.post(url, data).status_code == 302
    org_a.refresh_from_db()
    assert not org_a.is_verified


def test_an_organisations_countries_are_validated_and_the_change_audited(org_a) -> None:
    browser, admin = superuser_browser()
    url = f"/admin/core/organisation/{org_a.id}/change/"
    data = form_data(browser.get(url))
    response = browser.post(url, {**data, "operating_countries": json.dumps(["Atlantis"])})
    assert response.status_code == 200
    assert "operating_countries" in response.context["adminform"].form.errors
    org_a.refresh_from_db()
    assert org_a.operating_countries == ["PL"]

    response = browser.post(url, {**data, "operating_countries": json.dumps(["deu", "pl"])})
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.operating_countries == ["DE", "PL"]
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_type="organisation")
    assert (entry.actor_user_id, entry.details) == (admin.id, {"fields": ["operating_countries"]})


def test_a_crisis_is_created_and_changed_through_the_services() -> None:
    browser, admin = superuser_browser()
    data = {
        "name": "Flood",
        "kind": "disaster",
        "phase": "emergency",
        "affected_countries": json.dumps(["Atlantis"]),
        "started_on": "2026-01-02",
        "ended_on": "",
        "description": "",
    }
    response = browser.post("/admin/core/crisis/add/", data)
    assert response.status_code == 200
    assert "affected_countries" in response.context["adminform"].form.errors
    assert not Crisis.objects.exists()

    response = browser.post(
        "/admin/core/crisis/add/", {**data, "affected_countries": json.dumps(["moz"])}
    )
    assert response.status_code == 302
    crisis = Crisis.objects.get()
    assert crisis.affected_countries == ["MZ"]
    entry = AuditEntry.objects.get(object_type="crisis")
    assert (entry.action, entry.actor_user_id, entry.purpose) == (
        AuditAction.CREATE,
        admin.id,
        "admin",
    )

    url = f"/admin/core/crisis/{crisis.id}/change/"
    response = browser.post(url, {**form_data(browser.get(url)), "ended_on": "2025-01-01"})
    assert response.status_code == 200
    assert "ended_on" in response.context["adminform"].form.errors
    crisis.refresh_from_db()
    assert crisis.ended_on is None
    assert (
        browser.post(f"/admin/core/crisis/{crisis.id}/delete/", {"post": "yes"}).status_code == 403
    )


def test_a_sharing_agreement_is_revoked_only_by_the_service(org_a, org_b, crisis) -> None:
    agreement = SharingAgreement.objects.create(
        provider=org_a, recipient=org_b, crisis=crisis, purpose="tracing"
    )
    browser, admin = superuser_browser()
    url = f"/admin/core/sharingagreement/{agreement.id}/change/"
    assert browser.post(url, {"revoked_at_0": "2026-01-01"}).status_code == 403
    response = act(browser, "/admin/core/sharingagreement/", "revoke", agreement)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.revoked_at is not None
    entry = AuditEntry.objects.get(object_type="sharing_agreement")
    assert (entry.actor_user_id, str(entry.actor_organisation_id)) == (admin.id, str(org_a.id))
    assert audit_verify().is_intact
