"""Monitoring that concerns are addressed: the figures a national referral mechanism reports.

A referral mechanism, an international organisation and a platform administrator see the figures
of every organisation; any other organisation sees those of its own concerns and cases. Only
counts, durations and case references leave this module: no personal data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from compatriot.cases.models import Case, CaseStatus, Concern, Referral, ReferralStatus
from compatriot.cases.schemas import MonitoringFilter
from compatriot.core.models import OrganisationKind
from compatriot.core.viewer import Viewer

OVERSIGHT_KINDS = frozenset(
    {OrganisationKind.NATIONAL_REFERRAL_MECHANISM, OrganisationKind.INTERNATIONAL_ORGANISATION}
)


def _scoped(
    viewer: Viewer, filters: MonitoringFilter
) -> tuple[QuerySet[Concern], QuerySet[Case], QuerySet[Referral]]:
    concerns, cases, referrals = Concern.objects.all(), Case.objects.all(), Referral.objects.all()
    if not (viewer.is_platform_admin or viewer.organisation_kind in OVERSIGHT_KINDS):
        own = viewer.organisation_id
        concerns = concerns.filter(
            Q(receiving_organisation_id=own) | Q(reported_by_organisation_id=own)
        )
        cases = cases.filter(owner_organisation_id=own)
        referrals = referrals.filter(Q(from_organisation_id=own) | Q(to_organisation_id=own))
    if filters.crisis:
        concerns = concerns.filter(crisis_id=filters.crisis)
        cases = cases.filter(crisis_id=filters.crisis)
        referrals = referrals.filter(case__crisis_id=filters.crisis)
    if filters.since:
        concerns = concerns.filter(created_at__date__gte=filters.since)
        cases = cases.filter(created_at__date__gte=filters.since)
        referrals = referrals.filter(created_at__date__gte=filters.since)
    if filters.until:
        concerns = concerns.filter(created_at__date__lte=filters.until)
        cases = cases.filter(created_at__date__lte=filters.until)
        referrals = referrals.filter(created_at__date__lte=filters.until)
    return concerns, cases, referrals


def _median_hours(pairs: Iterable[tuple[dt.datetime, dt.datetime | None]]) -> float | None:
    hours = [(end - start).total_seconds() / 3600 for start, end in pairs if end is not None]
    return round(statistics.median(hours), 2) if hours else None


def _in_time(row: Mapping[str, Any]) -> bool:
    return row["closed_at"] is not None and row["closed_at"] <= row["deadline"]


def _groups(
    concern_keys: list[str], case_rows: Sequence[Mapping[str, Any]], key: str, now: dt.datetime
) -> list[dict[str, object]]:
    table: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "concerns": 0,
            "cases": 0,
            "cases_closed": 0,
            "closed_within_deadline": 0,
            "overdue": 0,
        }
    )
    for concern_key in concern_keys:
        table[concern_key or "-"]["concerns"] += 1
    for row in case_rows:
        group = table[str(row[key] or "-")]
        group["cases"] += 1
        if row["status"] == CaseStatus.CLOSED:
            group["cases_closed"] += 1
            group["closed_within_deadline"] += _in_time(row)
        elif row["deadline"] < now:
            group["overdue"] += 1
    return [{"key": name, **figures} for name, figures in sorted(table.items())]


def monitoring(viewer: Viewer, *, filters: MonitoringFilter) -> dict[str, object]:
    now = timezone.now()
    concerns, cases, referrals = _scoped(viewer, filters)
    concern_rows = list(
        concerns.values(
            "kind",
            "created_at",
            "first_response_at",
            "receiving_organisation_id",
            "crisis_id",
            "nationalities",
        )
    )
    case_rows = list(
        cases.values(
            "id",
            "reference",
            "owner_organisation_id",
            "concern_kind",
            "nationality",
            "priority",
            "status",
            "deadline",
            "closed_at",
            "crisis_id",
        )
    )
    answered = list(
        referrals.filter(answered_at__isnull=False).values_list("created_at", "answered_at")
    )
    accepted = list(
        referrals.filter(
            status__in=[ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED]
        ).values_list("created_at", "answered_at")
    )
    closed = [row for row in case_rows if row["status"] == CaseStatus.CLOSED]
    overdue = sorted(
        (row for row in case_rows if row["status"] != CaseStatus.CLOSED and row["deadline"] < now),
        key=lambda row: row["deadline"],
    )
    first_nationality = [(row["nationalities"] or [""])[0] for row in concern_rows]
    return {
        "concerns_received": len(concern_rows),
        "concerns_answered": sum(row["first_response_at"] is not None for row in concern_rows),
        "median_hours_to_first_response": _median_hours(
            (row["created_at"], row["first_response_at"]) for row in concern_rows
        ),
        "referrals_answered": len(answered),
        "median_hours_to_referral_acceptance": _median_hours(accepted),
        "cases": len(case_rows),
        "cases_closed": len(closed),
        "share_closed_within_deadline": (
            round(sum(_in_time(row) for row in closed) / len(closed), 4) if closed else None
        ),
        "overdue": [
            {
                "case_id": row["id"],
                "reference": row["reference"],
                "owner_organisation_id": row["owner_organisation_id"],
                "concern_kind": row["concern_kind"],
                "priority": row["priority"],
                "deadline": row["deadline"],
                "days_overdue": (now - row["deadline"]).days,
            }
            for row in overdue
        ],
        "by_concern_kind": _groups(
            [row["kind"] for row in concern_rows], case_rows, "concern_kind", now
        ),
        "by_nationality": _groups(first_nationality, case_rows, "nationality", now),
        "by_organisation": _groups(
            [str(row["receiving_organisation_id"] or "") for row in concern_rows],
            case_rows,
            "owner_organisation_id",
            now,
        ),
        "by_crisis": _groups(
            [str(row["crisis_id"] or "") for row in concern_rows], case_rows, "crisis_id", now
        ),
    }


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """`2026-10` -> (1 October, 31 October)."""
    first = dt.date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def monthly_report_csv(viewer: Viewer, *, month: str, crisis: Any = None) -> str:
    """The month's figures as CSV: one headline block, then one row per group."""
    since, until = month_bounds(month)
    figures = monitoring(viewer, filters=MonitoringFilter(crisis=crisis, since=since, until=until))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", "measure", "value"])
    for measure in (
        "concerns_received",
        "concerns_answered",
        "median_hours_to_first_response",
        "referrals_answered",
        "median_hours_to_referral_acceptance",
        "cases",
        "cases_closed",
        "share_closed_within_deadline",
    ):
        value = figures[measure]
        writer.writerow([month, measure, "" if value is None else value])
    writer.writerow([month, "overdue", len(figures["overdue"])])  # type: ignore[arg-type]
    writer.writerow([])
    columns = ["concerns", "cases", "cases_closed", "closed_within_deadline", "overdue"]
    writer.writerow(["month", "grouping", "key", *columns])
    for grouping in ("by_concern_kind", "by_nationality", "by_organisation", "by_crisis"):
        for group in figures[grouping]:  # type: ignore[attr-defined]
            writer.writerow(
                [month, grouping.removeprefix("by_"), group["key"], *[group[c] for c in columns]]
            )
    return out.getvalue()
