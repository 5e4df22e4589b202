"""Deadlines, escalation on a frozen clock, and the monitoring figures on a known set."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from compatriot.cases.deadlines import escalate_overdue
from compatriot.cases.models import Escalation
from compatriot.core.models import Organisation, Role
from conftest import ApiClient

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_an_overdue_case_is_escalated_once_to_the_coordinators(
    open_case: Callable[..., dict[str, Any]],
    nrm: Organisation,
    make_member: Callable[..., Any],
    nrm_worker: ApiClient,
) -> None:
    coordinator = make_member(nrm, Role.COORDINATOR)
    with time_machine.travel(START, tick=False) as clock:
        high = open_case(priority="high")  # 72 hours
        low = open_case(priority="low")  # 336 hours
        closed = open_case(priority="critical")  # 24 hours, but closed in time
        nrm_worker.post(f"/cases/{closed['id']}/close", {"outcome": "resolved"})
        assert high["deadline"].startswith("2026-03-05T09:00")

        clock.move_to(START + dt.timedelta(hours=71))
        assert escalate_overdue() == 0
        clock.move_to(START + dt.timedelta(hours=73))
        assert escalate_overdue() == 1
        assert escalate_overdue() == 0  # once per deadline, however often the job runs
        escalation = Escalation.objects.get()
        assert str(escalation.case_id) == high["id"]
        assert list(escalation.recipients.all()) == [coordinator]
        listed = nrm_worker.get("/cases", overdue=True).json()["items"]
        assert [c["id"] for c in listed] == [high["id"]]
        assert listed[0]["is_overdue"] is True
        assert listed[0]["escalated_at"] is not None
        events = nrm_worker.get(f"/cases/{high['id']}/events").json()
        assert events[-1]["kind"] == "escalated"

        clock.move_to(START + dt.timedelta(days=15))
        out = io.StringIO()
        call_command("cases_escalate", stdout=out)
        assert "escalated 1 overdue case(s)" in out.getvalue()  # the low-priority case
        assert Escalation.objects.filter(case_id=low["id"]).exists()


def test_monitoring_figures_on_a_known_set(
    open_case: Callable[..., dict[str, Any]],
    nrm_worker: ApiClient,
    provider: Organisation,
    provider_worker: ApiClient,
    make_client: Callable[..., ApiClient],
    nrm: Organisation,
    client_b: ApiClient,
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        # Case 1: triaged 0 h after the report, referred, accepted after 6 h, closed in 2 days.
        first = open_case(priority="high")
        referral = nrm_worker.post(
            f"/cases/{first['id']}/referrals",
            {
                "to_organisation_id": str(provider.id),
                "reason": "Legal aid",
                "disclosures": ["identity"],
                "consent_method": "verbal",
            },
        ).json()
        clock.shift(dt.timedelta(hours=6))
        provider_worker.post(f"/referrals/{referral['id']}/answer", {"accept": True})
        provider_worker.post(f"/referrals/{referral['id']}/complete", {"outcome": "Done"})
        clock.shift(dt.timedelta(hours=42))
        nrm_worker.post(f"/cases/{first['id']}/close", {"outcome": "service_provided"})
        # Case 2: critical, closed after 30 h: late.
        second = open_case(priority="critical", nationalities=["IND"])
        clock.shift(dt.timedelta(hours=30))
        nrm_worker.post(f"/cases/{second['id']}/close", {"outcome": "resolved"})
        # Case 3: critical, still open after 30 h: overdue.
        third = open_case(priority="critical", nationalities=["IND"])
        clock.shift(dt.timedelta(hours=30))

        figures = nrm_worker.get("/monitoring").json()
        assert figures["concerns_received"] == 3
        assert figures["concerns_answered"] == 3
        assert figures["median_hours_to_first_response"] == 0.0
        assert figures["referrals_answered"] == 1
        assert figures["median_hours_to_referral_acceptance"] == 6.0
        assert figures["cases"] == 3
        assert figures["cases_closed"] == 2
        assert figures["share_closed_within_deadline"] == 0.5
        assert [o["case_id"] for o in figures["overdue"]] == [third["id"]]
        assert figures["overdue"][0]["days_overdue"] == 0  # 6 hours late
        by_nationality = {g["key"]: g for g in figures["by_nationality"]}
        assert by_nationality["IN"]["cases"] == 2
        assert by_nationality["IN"]["overdue"] == 1
        assert by_nationality["NG"]["closed_within_deadline"] == 1

        # Another organisation sees only its own (empty) figures; the provider sees its referral.
        assert client_b.get("/monitoring").json()["cases"] == 0
        assert provider_worker.get("/monitoring").json()["referrals_answered"] == 1

        report = nrm_worker.get("/monitoring/monthly.csv", month="2026-03")
        assert report["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(report.content.decode())))
        assert ["2026-03", "share_closed_within_deadline", "0.5"] in rows
        assert ["2026-03", "overdue", "1"] in rows
        assert ["2026-03", "concern_kind", "border_discrimination", "3", "3", "2", "1", "1"] in rows
        april = nrm_worker.get("/monitoring/monthly.csv", month="2026-04").content.decode()
        assert "2026-04,cases,0" in april
        assert nrm_worker.get("/monitoring/monthly.csv", month="2026-13").status_code == 422
        assert nrm_worker.get("/monitoring/monthly.csv", month="0000-01").status_code == 422


@pytest.mark.parametrize("month", ["2026-02", "2024-02", "2026-12"])
def test_monthly_report_from_the_command_line(
    month: str, nrm_worker: ApiClient, nrm: Organisation, tmp_path: Any
) -> None:
    user = nrm_worker.user  # type: ignore[attr-defined]
    target = tmp_path / "report.csv"
    call_command(
        "cases_report", month=month, org=nrm.name, as_user=user.username, output=str(target)
    )
    assert target.read_text().startswith("month,measure,value\n")
