"""Counts of the people a viewer may see in one crisis, for dashboards. Counts only: no names,
no records. Each call is audited as a list read with the counts it returned."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncDate

from compatriot.core.audit import audit_record
from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer
from compatriot.people.models import Need, NeedStatus, Vulnerability
from compatriot.people.selectors import visible_persons


@dataclass(frozen=True)
class AreaCount:
    country: str
    admin_area: str
    count: int
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class CrisisCounts:
    total: int
    by_nationality: list[tuple[str, int]]
    by_stage: list[tuple[str, int]]
    by_vulnerability: list[tuple[str, int]]
    by_need: list[tuple[str, int]]
    by_day: list[tuple[dt.date, int]]
    by_area: list[AreaCount]


def _grouped(rows: QuerySet, key: str) -> list[tuple[str, int]]:
    return [(row[key], row["n"]) for row in rows.annotate(n=Count("id")).order_by("-n", key)]


def crisis_counts(viewer: Viewer, *, crisis_id: uuid.UUID) -> CrisisCounts:
    persons = visible_persons(viewer).filter(crisis_id=crisis_id)
    ids = persons.values("id")
    by_area = [
        AreaCount(row["country"], row["admin_area"], row["n"], row["lat"], row["lon"])
        for row in persons.values("country", "admin_area")
        .annotate(n=Count("id"), lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by("-n", "country", "admin_area")
    ]
    counts = CrisisCounts(
        total=persons.count(),
        by_nationality=_grouped(persons.values("nationality"), "nationality"),
        by_stage=_grouped(persons.values("journey_stage"), "journey_stage"),
        by_vulnerability=_grouped(
            Vulnerability.objects.filter(person_id__in=ids).values("code"), "code"
        ),
        by_need=_grouped(
            Need.objects.filter(
                person_id__in=ids, status__in=[NeedStatus.OPEN, NeedStatus.IN_PROGRESS]
            ).values("category"),
            "category",
        ),
        by_day=[
            (row["day"], row["n"])
            for row in persons.annotate(day=TruncDate("created_at"))
            .values("day")
            .annotate(n=Count("id"))
            .order_by("day")
        ],
        by_area=by_area,
    )
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.LIST,
            object_type="person_counts",
            object_id=crisis_id,
            details={"total": counts.total},
        )
    return counts


@dataclass(frozen=True)
class AreaNeed:
    """People with an open (or in progress) need of one category in one area; the point is the
    mean of their coordinates, None when none of them has any."""

    country: str
    admin_area: str
    persons: int
    latitude: float | None
    longitude: float | None


def open_needs_by_area(viewer: Viewer, *, crisis_id: uuid.UUID, category: str) -> list[AreaNeed]:
    """For the directory's gap map: per area, how many people the viewer may see have an open
    need of `category`. Counts only; audited like `crisis_counts`."""
    needing = visible_persons(viewer).filter(
        crisis_id=crisis_id,
        id__in=Need.objects.filter(
            category=category, status__in=[NeedStatus.OPEN, NeedStatus.IN_PROGRESS]
        ).values("person_id"),
    )
    areas = [
        AreaNeed(row["country"], row["admin_area"], row["n"], row["lat"], row["lon"])
        for row in needing.values("country", "admin_area")
        .annotate(n=Count("id"), lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by("-n", "country", "admin_area")
    ]
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.LIST,
            object_type="person_counts",
            object_id=crisis_id,
            details={"need": category, "total": sum(area.persons for area in areas)},
        )
    return areas


__all__ = ["AreaCount", "AreaNeed", "CrisisCounts", "crisis_counts", "open_needs_by_area"]
