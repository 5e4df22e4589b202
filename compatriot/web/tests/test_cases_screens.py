"""The concern, case and referral screens, and the public concern pages, through the web client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from compatriot.cases.models import Case, Concern, Referral
from compatriot.core.models import Organisation, OrganisationKind, Role
from compatriot.web.cases_labels import CASE_LABELS


@pytest.fixture
def nrm(db: None) -> Organisation:
    return Organisation.objects.create(
        name="Referral Mechanism Poland",
        kind=OrganisationKind.NATIONAL_REFERRAL_MECHANISM,
        operating_countries=["PL"],
    )


@pytest.fixture
def shelter(db: None) -> Organisation:
    return Organisation.objects.create(
        name="Przemysl Shelter", kind=OrganisationKind.SERVICE_PROVIDER, operating_countries=["PL"]
    )


def _report(client: Client, crisis: Any, **overrides: Any) -> Any:
    data = {
        "kind": "extortion",
        "description": "Drivers ask 300 euros for a seat to Rzeszow.",
        "country": "PL",
        "place_name": "Medyka",
        "people_affected": "4",
        "nationalities": ["NG"],
        "website": "",
    } | overrides
    return client.post(f"/crisis/{crisis.id}/concern/", data)


def test_a_visitor_reports_a_concern_and_follows_it(crisis: Any, nrm: Organisation) -> None:
    visitor = Client()
    page = visitor.get(f"/crisis/{crisis.id}/concern/")
    assert page.status_code == 200
    assert 'name="website"' in page.content.decode()  # the honeypot is there, hidden
    receipt = _report(visitor, crisis)
    assert receipt.status_code == 200
    concern = Concern.objects.get()
    assert concern.reference in receipt.content.decode()
    assert concern.receiving_organisation_id == nrm.id
    assert "300 euros" not in receipt.content.decode()  # nothing submitted is shown back
    key = receipt.context["follow_key"]

    wrong = visitor.post(
        "/concern/status/", {"reference": concern.reference, "follow_key": "x" * 20}
    )
    assert "Rzeszow" not in wrong.content.decode()
    assert wrong.context["status"] is None
    status = visitor.post("/concern/status/", {"reference": concern.reference, "follow_key": key})
    assert status.context["status"]["status"] == "received"
    assert "Rzeszow" not in status.content.decode()


def test_a_robot_filling_the_honeypot_stores_nothing(crisis: Any, nrm: Organisation) -> None:
    response = _report(Client(), crisis, website="http://spam.example")
    assert response.status_code == 200
    assert Concern.objects.count() == 0


def test_a_bad_report_names_the_field(crisis: Any, nrm: Organisation) -> None:
    response = _report(Client(), crisis, country="", description="")
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"country", "description"}
    assert Concern.objects.count() == 0


def test_the_caseworker_triages_refers_and_closes(
    crisis: Any,
    nrm: Organisation,
    shelter: Organisation,
    web_client: Callable[..., Client],
    make_client: Callable[..., Any],
    register_person: Callable[..., dict[str, Any]],
) -> None:
    _report(Client(), crisis)
    concern = Concern.objects.get()
    person = register_person(make_client(nrm, Role.CASEWORKER), given_name="Amaka")
    worker = web_client(nrm, Role.CASEWORKER)

    inbox = worker.get("/workspace/cases/")
    assert concern.reference in inbox.content.decode()
    triaged = worker.post(
        f"/workspace/cases/concerns/{concern.id}/",
        {"person": person["id"], "priority": "high", "summary": "Asked to pay for a seat"},
    )
    case = Case.objects.get()
    assert triaged.status_code == 302
    assert triaged["Location"] == f"/workspace/cases/{case.id}/"
    page = worker.get(f"/workspace/cases/{case.id}/").content.decode()
    assert "Amaka" in page
    assert "Asked to pay for a seat" in page

    note = worker.post(f"/workspace/cases/{case.id}/note/", {"note-text": "Called back"})
    assert note.status_code == 302
    missing = worker.post(
        f"/workspace/cases/{case.id}/refer/",
        {
            "refer-reason": "Shelter",
            "refer-disclosures": ["identity"],
            "refer-consent_method": "verbal",
        },
    )
    assert missing.status_code == 422
    assert "to_organisation_id" in missing.context["forms"]["refer"].errors
    referred = worker.post(
        f"/workspace/cases/{case.id}/refer/",
        {
            "refer-to_organisation_id": str(shelter.id),
            "refer-reason": "Shelter for two nights",
            "refer-disclosures": ["identity"],
            "refer-consent_method": "verbal",
        },
    )
    assert referred.status_code == 302
    referral = Referral.objects.get()

    # The shelter sees the name it was allowed to see, answers and completes.
    receiver = web_client(shelter, Role.CASEWORKER)
    shown = receiver.get(f"/workspace/referrals/{referral.id}/").content.decode()
    assert "Amaka" in shown
    assert "Called back" not in shown  # notes stay with the case team
    receiver.post(f"/workspace/referrals/{referral.id}/", {"answer-accept": "yes"})
    receiver.post(f"/workspace/referrals/{referral.id}/", {"complete-outcome": "Two nights"})
    referral.refresh_from_db()
    assert referral.status == "completed"
    assert receiver.get(f"/workspace/cases/{case.id}/").status_code == 404

    closed = worker.post(
        f"/workspace/cases/{case.id}/close/", {"close-outcome": "service_provided"}
    )
    assert closed.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    monitoring = worker.get("/workspace/cases/monitoring/")
    assert monitoring.context["figures"]["cases_closed"] == 1
    report = worker.get("/workspace/cases/monitoring/monthly.csv?month=2026-13")
    assert report["Content-Type"].startswith("text/csv")


def test_another_organisation_sees_nothing(
    crisis: Any, nrm: Organisation, org_b: Organisation, web_client: Callable[..., Client]
) -> None:
    _report(Client(), crisis)
    concern = Concern.objects.get()
    outsider = web_client(org_b, Role.CASEWORKER)
    assert concern.reference not in outsider.get("/workspace/cases/").content.decode()
    assert outsider.get(f"/workspace/cases/concerns/{concern.id}/").status_code == 404


def test_every_cases_code_has_a_translated_label() -> None:
    for kind, names in CASE_LABELS.items():
        assert set(names) == {str(value) for value in kind.values}, kind.__name__


def test_the_monthly_report_page_shows_one_month(
    crisis: Any, nrm: Organisation, web_client: Callable[..., Client]
) -> None:
    _report(Client(), crisis)
    worker = web_client(nrm, Role.COORDINATOR)
    this_month = timezone.now().strftime("%Y-%m")
    assert (
        worker.get(f"/workspace/cases/monitoring/?month={this_month}").context["figures"][
            "concerns_received"
        ]
        == 1
    )
    page = worker.get("/workspace/cases/monitoring/?month=2024-01")
    assert page.context["figures"]["concerns_received"] == 0
    assert page.context["figures"]["by_organisation"] == []
    everything = worker.get("/workspace/cases/monitoring/?month=nonsense")
    assert everything.context["month"] is None
    assert everything.context["figures"]["by_organisation"][0]["name"] == nrm.name
