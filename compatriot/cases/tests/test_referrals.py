"""Referrals: consent limits what the receiver sees; declined referrals are re-routed; notes stay
with the case team; transfers move the case with the person's consent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compatriot.core.models import Organisation, Role
from conftest import ApiClient


def _refer(client: ApiClient, case: dict[str, Any], to: Organisation, **overrides: Any) -> Any:
    body = {
        "to_organisation_id": str(to.id),
        "reason": "Shelter for a family of four",
        "disclosures": ["identity"],
        "consent_method": "verbal",
    } | overrides
    return client.post(f"/cases/{case['id']}/referrals", body)


def test_the_receiver_sees_only_what_the_consent_covers(
    open_case: Callable[..., dict[str, Any]],
    nrm_worker: ApiClient,
    provider: Organisation,
    provider_worker: ApiClient,
) -> None:
    case = open_case(phones=["+48 601 234 567"], place_name="Przemysl")
    referral = _refer(nrm_worker, case, provider, disclosures=["identity"]).json()
    person = provider_worker.get(f"/referrals/{referral['id']}").json()["person"]
    assert person["given_name"] == "Chukwuemeka"
    assert person["phones"] is None
    assert person["place_name"] is None
    assert person["needs"] is None
    form = provider_worker.get(f"/referrals/{referral['id']}/form")
    assert form.status_code == 200
    assert "Chukwuemeka" in form.content.decode()
    assert "601" not in form.content.decode()

    # The case itself, its subject and its notes stay with the owner.
    assert provider_worker.get(f"/cases/{case['id']}").status_code == 404
    assert provider_worker.get(f"/cases/{case['id']}/subject").status_code == 404
    assert provider_worker.get(f"/cases/{case['id']}/notes").status_code == 404
    owner_view = nrm_worker.get(f"/cases/{case['id']}/subject").json()
    assert owner_view["phones"] == ["+48601234567"]

    # Consent withdrawn: from now on the receiver sees nothing of the person.
    withdrawn = nrm_worker.post(f"/referrals/{referral['id']}/withdraw-consent")
    assert withdrawn.json()["consent_withdrawn_at"] is not None
    assert provider_worker.get(f"/referrals/{referral['id']}").json()["person"] is None
    form = provider_worker.get(f"/referrals/{referral['id']}/form").content.decode()
    assert "Chukwuemeka" not in form


def test_a_declined_referral_is_rerouted(
    open_case: Callable[..., dict[str, Any]],
    nrm_worker: ApiClient,
    provider: Organisation,
    provider_worker: ApiClient,
    provider_2: Organisation,
    make_client: Callable[..., ApiClient],
) -> None:
    case = open_case()
    first = _refer(nrm_worker, case, provider).json()
    assert _refer(nrm_worker, case, provider).status_code == 409  # one live referral per receiver
    no_reason = provider_worker.post(f"/referrals/{first['id']}/answer", {"accept": False})
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "reason"
    declined = provider_worker.post(
        f"/referrals/{first['id']}/answer", {"accept": False, "reason": "No beds left"}
    )
    assert declined.json()["status"] == "declined"
    assert provider_worker.get(f"/referrals/{first['id']}").json()["person"] is None

    # The case cannot be closed silently while a referral is live, but it can be re-routed.
    second = _refer(nrm_worker, case, provider_2)
    assert second.status_code == 201
    blocked = nrm_worker.post(f"/cases/{case['id']}/close", {"outcome": "resolved"})
    assert blocked.status_code == 409
    shelter = make_client(provider_2, Role.CASEWORKER)
    accepted = shelter.post(f"/referrals/{second.json()['id']}/answer", {"accept": True})
    assert accepted.json()["status"] == "accepted"
    assert (
        provider_worker.post(
            f"/referrals/{second.json()['id']}/answer", {"accept": True}
        ).status_code
        == 404
    )  # not the receiver


def test_case_notes_are_for_the_case_team_only(
    open_case: Callable[..., dict[str, Any]],
    nrm_worker: ApiClient,
    nrm: Organisation,
    make_client: Callable[..., ApiClient],
    client_b: ApiClient,
) -> None:
    case = open_case()
    note = nrm_worker.post(f"/cases/{case['id']}/notes", {"text": "Mother is pregnant"})
    assert note.status_code == 201
    assert [n["text"] for n in nrm_worker.get(f"/cases/{case['id']}/notes").json()] == [
        "Mother is pregnant"
    ]
    volunteer = make_client(nrm, Role.VOLUNTEER)
    assert volunteer.get(f"/cases/{case['id']}/notes").status_code == 403
    assert volunteer.post(f"/cases/{case['id']}/notes", {"text": "x"}).status_code == 403
    assert client_b.get(f"/cases/{case['id']}/notes").status_code == 404
    assert client_b.get(f"/cases/{case['id']}").status_code == 404
    assert client_b.get("/cases").json()["count"] == 0


def test_transfer_moves_the_case_to_another_organisation(
    open_case: Callable[..., dict[str, Any]],
    nrm_worker: ApiClient,
    provider: Organisation,
    provider_worker: ApiClient,
) -> None:
    case = open_case()
    nrm_worker.post(f"/cases/{case['id']}/notes", {"text": "Spoke on the phone"})
    no_consent = nrm_worker.post(
        f"/cases/{case['id']}/transfer", {"to_organisation_id": str(provider.id), "reason": "x"}
    )
    assert no_consent.status_code == 422
    assert no_consent.json()["field"] == "consent_method"
    moved = nrm_worker.post(
        f"/cases/{case['id']}/transfer",
        {"to_organisation_id": str(provider.id), "reason": "Closer", "consent_method": "written"},
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["owner_organisation_id"] == str(provider.id)
    assert nrm_worker.get(f"/cases/{case['id']}").status_code == 404
    assert provider_worker.get(f"/cases/{case['id']}/subject").json()["given_name"] == "Chukwuemeka"
    assert len(provider_worker.get(f"/cases/{case['id']}/notes").json()) == 1


def test_lifecycle_rules(open_case: Callable[..., dict[str, Any]], nrm_worker: ApiClient) -> None:
    case = open_case()
    wrong = nrm_worker.post(f"/cases/{case['id']}/status", {"status": "referred"})
    assert wrong.status_code == 409
    stale = nrm_worker.post(f"/cases/{case['id']}/close", {"outcome": "resolved", "version": 99})
    assert stale.status_code == 409
    assert stale.json()["field"] == "version"
    closed = nrm_worker.post(f"/cases/{case['id']}/close", {"outcome": "resolved"}).json()
    assert nrm_worker.post(f"/cases/{case['id']}/assess", {"assessment": "x"}).status_code == 409
    reopened = nrm_worker.post(f"/cases/{case['id']}/reopen", {"reason": "Turned back again"})
    assert reopened.json()["status"] == "open"
    assert reopened.json()["reopened_count"] == 1
    assert reopened.json()["deadline"] > closed["deadline"]
    bad = nrm_worker.post(f"/cases/{case['id']}/close", {"outcome": "sorted"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "outcome"


def test_a_case_is_referred_to_a_service_of_the_directory(
    open_case: Callable[..., dict[str, Any]],
    nrm_worker: ApiClient,
    provider: Organisation,
    provider_worker: ApiClient,
) -> None:
    from compatriot.directory.models import DirectoryOrganization, Service

    managed = DirectoryOrganization.objects.create(
        name="Legal Aid Przemysl", description="Lawyers at the border", managed_by=provider
    )
    clinic = Service.objects.create(
        organization=managed, name="Entry rights clinic", category="legal"
    )
    unmanaged = Service.objects.create(
        organization=DirectoryOrganization.objects.create(name="Town hall", description="-"),
        name="Registration desk",
        category="documentation",
    )
    case = open_case()
    body = {"reason": "Entry rights", "disclosures": ["identity"], "consent_method": "verbal"}

    nowhere = nrm_worker.post(f"/cases/{case['id']}/referrals", body)
    assert nowhere.status_code == 422
    assert nowhere.json()["field"] == "to_organisation_id"
    not_on_platform = nrm_worker.post(
        f"/cases/{case['id']}/referrals", body | {"to_service_id": str(unmanaged.id)}
    )
    assert not_on_platform.status_code == 422
    assert not_on_platform.json()["field"] == "to_service_id"

    referral = nrm_worker.post(
        f"/cases/{case['id']}/referrals", body | {"to_service_id": str(clinic.id)}
    )
    assert referral.status_code == 201, referral.json()
    assert referral.json()["to_organisation_id"] == str(provider.id)  # the service's manager
    assert referral.json()["service_category"] == "legal"
    received = provider_worker.get("/referrals", direction="received").json()["items"]
    assert [r["to_service_id"] for r in received] == [str(clinic.id)]
    form = provider_worker.get(f"/referrals/{referral.json()['id']}/form").content.decode()
    assert "Entry rights clinic" in form
