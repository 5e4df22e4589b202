"""From an anonymous public report to a closed case with a completed referral."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compatriot.cases.models import Case, CaseEvent, Concern
from compatriot.core.models import AuditEntry, Organisation
from conftest import ApiClient


def test_anonymous_report_to_closed_case_with_completed_referral(
    anonymous: ApiClient,
    nrm: Organisation,
    nrm_worker: ApiClient,
    provider: Organisation,
    provider_worker: ApiClient,
    register_person: Callable[..., dict[str, Any]],
    concern_payload: Callable[..., dict[str, Any]],
) -> None:
    # 1. An anonymous visitor reports; the concern is routed to the NRM operating in Poland.
    receipt = anonymous.post(
        "/public/concerns", concern_payload(reporter_contact="+48 600 100 200")
    )
    assert receipt.status_code == 201, receipt.json()
    reference, key = receipt.json()["reference"], receipt.json()["follow_key"]
    concern = Concern.objects.get(reference=reference)
    assert concern.receiving_organisation_id == nrm.id
    assert concern.follow_key_hash != key  # only the hash is kept

    status = anonymous.post("/public/concerns/status", {"reference": reference, "follow_key": key})
    assert status.status_code == 200
    assert status.json()["status"] == "received"
    assert "+48" not in status.content.decode()  # the reporter's own contact is not echoed back
    assert "Medyka" not in status.content.decode()

    # 2. The NRM sees it in its inbox and triages it into a case for the person it registered.
    inbox = nrm_worker.get("/concerns").json()
    assert [c["reference"] for c in inbox["items"]] == [reference]
    person = register_person(nrm_worker, given_name="Amaka", family_name="Obi")
    triage = nrm_worker.post(
        f"/concerns/{concern.id}/triage",
        {
            "cases": [{"person_id": person["id"], "priority": "high", "summary": "Turned back"}],
            "public_note": "We are in contact with the border guard.",
        },
    )
    assert triage.status_code == 200, triage.json()
    case = triage.json()[0]
    assert case["status"] == "open"
    assert case["nationality"] == "NG"
    assert case["concern_kind"] == "border_discrimination"

    # 3. Assessed, then referred to a legal aid provider with consent to share identity + needs.
    assessed = nrm_worker.post(f"/cases/{case['id']}/assess", {"assessment": "Needs legal aid"})
    assert assessed.json()["status"] == "assessed"
    referral = nrm_worker.post(
        f"/cases/{case['id']}/referrals",
        {
            "to_organisation_id": str(provider.id),
            "reason": "Legal counselling on entry rights",
            "disclosures": ["identity", "needs"],
            "consent_method": "verbal",
        },
    )
    assert referral.status_code == 201, referral.json()
    referral_id = referral.json()["id"]
    assert nrm_worker.get(f"/cases/{case['id']}").json()["status"] == "referred"

    # 4. The provider sees the referral with the person's name, accepts and completes it.
    received = provider_worker.get("/referrals", direction="received").json()["items"]
    assert [r["id"] for r in received] == [referral_id]
    detail = provider_worker.get(f"/referrals/{referral_id}").json()
    assert detail["person"]["given_name"] == "Amaka"
    assert (
        provider_worker.post(f"/referrals/{referral_id}/answer", {"accept": True}).json()["status"]
        == "accepted"
    )
    done = provider_worker.post(
        f"/referrals/{referral_id}/complete", {"outcome": "Counselled; appeal filed"}
    )
    assert done.json()["status"] == "completed"

    # 5. The referrer sees the outcome and closes the case.
    sent = nrm_worker.get(f"/referrals/{referral_id}").json()
    assert sent["outcome"] == "Counselled; appeal filed"
    assert sent["person"] is None  # the referrer reads the person through the case instead
    closed = nrm_worker.post(f"/cases/{case['id']}/close", {"outcome": "service_provided"})
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed"

    # 6. The reporter's private link shows the progress, and the history is complete.
    status = anonymous.post("/public/concerns/status", {"reference": reference, "follow_key": key})
    assert status.json() | {"received_at": None, "first_response_at": None} == {
        "reference": reference,
        "kind": "border_discrimination",
        "status": "triaged",
        "received_at": None,
        "first_response_at": None,
        "cases_opened": 1,
        "cases_closed": 1,
        "public_note": "We are in contact with the border guard.",
    }
    kinds = list(CaseEvent.objects.filter(case_id=case["id"]).values_list("kind", flat=True))
    assert kinds == [
        "opened",
        "assessed",
        "referred",
        "referral_answered",
        "referral_completed",
        "closed",
    ]
    history = nrm_worker.get(f"/cases/{case['id']}/events").json()
    assert history[-1]["details"]["within_deadline"] is True
    actions = AuditEntry.objects.filter(object_type="referral").values_list("action", flat=True)
    assert list(actions.order_by("id")) == ["create", "update", "update", "read"]
    # The receiver's reads of the person are audited as reads of personal data.
    assert AuditEntry.objects.filter(
        object_type="person", object_id=person["id"], actor_organisation_id=provider.id
    ).exists()


def test_a_wrong_follow_key_reveals_nothing(
    anonymous: ApiClient, nrm: Organisation, concern_payload: Callable[..., dict[str, Any]]
) -> None:
    reference = anonymous.post("/public/concerns", concern_payload()).json()["reference"]
    response = anonymous.post(
        "/public/concerns/status", {"reference": reference, "follow_key": "x" * 32}
    )
    assert response.status_code == 404
    unknown = anonymous.post(
        "/public/concerns/status", {"reference": "PC-ABCD-EFGH", "follow_key": "x" * 32}
    )
    assert unknown.json() == response.json()  # an unknown reference looks the same


def test_a_concern_can_be_closed_without_a_case(
    anonymous: ApiClient,
    nrm_worker: ApiClient,
    nrm: Organisation,
    concern_payload: Callable[..., dict[str, Any]],
) -> None:
    anonymous.post("/public/concerns", concern_payload())
    concern_id = nrm_worker.get("/concerns").json()["items"][0]["id"]
    both = nrm_worker.post(
        f"/concerns/{concern_id}/triage",
        {"close_reason": "Duplicate", "cases": [{"person_id": concern_id, "summary": "x"}]},
    )
    assert both.status_code == 422
    closed = nrm_worker.post(f"/concerns/{concern_id}/triage", {"close_reason": "Duplicate report"})
    assert closed.status_code == 200
    assert Concern.objects.get(id=concern_id).status == "closed"
    again = nrm_worker.post(f"/concerns/{concern_id}/triage", {"close_reason": "Again"})
    assert again.status_code == 409


def test_triage_names_the_case_that_is_wrong_and_writes_nothing(
    anonymous: ApiClient,
    nrm_worker: ApiClient,
    nrm: Organisation,
    client_a: ApiClient,
    register_person: Callable[..., dict[str, Any]],
    concern_payload: Callable[..., dict[str, Any]],
) -> None:
    anonymous.post("/public/concerns", concern_payload())
    concern_id = nrm_worker.get("/concerns").json()["items"][0]["id"]
    mine = register_person(nrm_worker)
    not_visible = register_person(client_a)  # another organisation's person, not shared
    response = nrm_worker.post(
        f"/concerns/{concern_id}/triage",
        {
            "cases": [
                {"person_id": mine["id"], "summary": "ok"},
                {"person_id": not_visible["id"], "summary": "not mine"},
            ]
        },
    )
    assert response.status_code == 404
    assert response.json()["field"] == "cases[1].person_id"
    assert Case.objects.count() == 0
    assert Concern.objects.get(id=concern_id).status == "received"


def test_concerns_reported_elsewhere_are_out_of_scope(
    anonymous: ApiClient,
    nrm: Organisation,
    client_b: ApiClient,
    concern_payload: Callable[..., dict[str, Any]],
) -> None:
    anonymous.post("/public/concerns", concern_payload())
    concern = Concern.objects.get()
    assert client_b.get("/concerns").json()["count"] == 0
    assert client_b.get(f"/concerns/{concern.id}").status_code == 404
    triage = client_b.post(f"/concerns/{concern.id}/triage", {"close_reason": "not mine"})
    assert triage.status_code == 404


def test_the_inbox_filter_names_a_status_it_does_not_know(nrm_worker: ApiClient) -> None:
    # A NUL byte in a free-text filter used to reach PostgreSQL and answer 500 (found by the fuzz test).
    for status in ["received\x00", "open"]:
        response = nrm_worker.get("/concerns", status=status)

        assert response.status_code == 422
        assert "status" in response.content.decode()
    assert nrm_worker.get("/concerns", status="received").status_code == 200
