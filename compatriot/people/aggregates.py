"""Counts of the people a viewer may see in one crisis, for dashboards. Counts only: no names,
no records. Each call is audited as a list read with the counts it returned.

A merged group (compatriot.linkage) counts once: its primary record stands for it, and a
vulnerability or need recorded on several of its registrations counts once too."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import Coalesce, TruncDate

from compatriot.core.audit import audit_record
from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer
from compatriot.people.models import Need, NeedStatus, Vulnerability
from compatriot.people.selectors import one_per_group, visible_persons


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


def _grouped(rows: QuerySet, key: str, counted: Any = "id") -> list[tuple[str, int]]:
    counts = rows.annotate(n=Count(counted, distinct=True)).order_by("-n", key)
    return [(row[key], row["n"]) for row in counts]


# The group a detail's person belongs to: its primary record, or itself.
_GROUP = Coalesce("person__merged_into_id", "person_id")


def crisis_counts(viewer: Viewer, *, crisis_id: uuid.UUID) -> CrisisCounts:
    every = visible_persons(viewer).filter(crisis_id=crisis_id)
    ids = every.values("id")
    persons = one_per_group(every)
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
            Vulnerability.objects.filter(person_id__in=ids).values("code"), "code", _GROUP
        ),
        by_need=_grouped(
            Need.objects.filter(
                person_id__in=ids, status__in=[NeedStatus.OPEN, NeedStatus.IN_PROGRESS]
            ).values("category"),
            "category",
            _GROUP,
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
    every = visible_persons(viewer).filter(crisis_id=crisis_id)
    # A group in need (a need on any registration the viewer may see) counts once, in the area
    # of the registration that stands for it.
    groups_in_need = (
        Need.objects.filter(
            person_id__in=every.values("id"),
            category=category,
            status__in=[NeedStatus.OPEN, NeedStatus.IN_PROGRESS],
        )
        .annotate(group=_GROUP)
        .values("group")
    )
    needing = one_per_group(every).annotate(group=Coalesce("merged_into_id", "id"))
    needing = needing.filter(group__in=groups_in_need)
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
