"""Scoped reads of deduplication: jobs (counts only) and the review queue.

A candidate pair exists for a viewer only when the viewer may see both persons
(compatriot.people.selectors.visible_persons): a pair with another organisation's unshared record
answers 404, exactly as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from compatriot.core.audit import audit_record
from compatriot.core.errors import NotFoundError
from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer
from compatriot.linkage.models import CandidatePair, DedupeJob, JobScope, Merge, PairStatus
from compatriot.people.models import Person
from compatriot.people.selectors import visible_persons

# The fields shown side by side, and the engine's comparison that judges each (if any).
COMPARED = (
    ("given_name", "given"),
    ("family_name", "family"),
    ("given_name_latin", "given"),
    ("family_name_latin", "family"),
    ("birth_date", "date_of_birth"),
    ("sex", "sex"),
    ("nationality", "nationality"),
    ("phones", "phones"),
    ("country", ""),
    ("place_name", ""),
    ("source", ""),
)


@dataclass(frozen=True)
class FieldComparison:
    field: str
    value_a: str
    value_b: str
    state: str  # agree, disagree, missing


@dataclass(frozen=True)
class PairDetail:
    pair: CandidatePair
    person_a: Person
    person_b: Person
    fields: list[FieldComparison]
    merge: MergeShown | None  # the merge in force, if merged
    across: list[DecisionAcross]  # what a merge of the pair would override or be refused for


@dataclass(frozen=True)
class DecisionAcross:
    """A pair between the two groups a merge would join that a reviewer kept apart, whose merge
    was undone, or whose hard identifiers conflict. `visible`: the viewer may see both of its
    records (only then is it named to them)."""

    pair_id: uuid.UUID
    visible: bool
    kept_apart: bool
    undone: bool
    conflicts: list[str]

    @property
    def refuses_merge(self) -> bool:
        """A person's decision stands between the groups: a merge may not step around it (the
        group rule of compatriot.linkage.groups); a hard conflict a person may override."""
        return self.kept_apart or self.undone


@dataclass(frozen=True)
class MergeShown:
    """A merge as a viewer may see it: the records it moved that they may not see are left
    out, and its primary record is None when they may not see it."""

    id: uuid.UUID
    primary_id: uuid.UUID | None
    moved: list[dict[str, str | None]]
    automatic: bool
    decided_at: dt.datetime


def _shown_merge(viewer: Viewer, merge: Merge) -> MergeShown:
    ids = {merge.primary_id, *(uuid.UUID(m["person"]) for m in merge.moved)}
    ids |= {uuid.UUID(m["previous"]) for m in merge.moved if m["previous"]}
    seen = {str(i) for i in visible_persons(viewer).filter(id__in=ids).values_list("id", flat=True)}
    moved = [
        {"person": m["person"], "previous": m["previous"] if m["previous"] in seen else None}
        for m in merge.moved
        if m["person"] in seen
    ]
    primary = merge.primary_id if str(merge.primary_id) in seen else None
    return MergeShown(merge.id, primary, moved, merge.automatic, merge.decided_at)


def _require_job_reader(viewer: Viewer) -> None:
    if not viewer.is_platform_admin:
        viewer.require_organisation_manager()


def _visible_jobs(viewer: Viewer) -> QuerySet[DedupeJob]:
    """A job exists within its scope only: an organisation's jobs for that organisation's
    admins and coordinators, every job (a whole crisis's too) for platform administrators."""
    _require_job_reader(viewer)
    if viewer.is_platform_admin:
        return DedupeJob.objects.all()
    return DedupeJob.objects.filter(
        scope=JobScope.ORGANISATION, started_by_organisation_id=viewer.organisation_id
    )


def job_get(viewer: Viewer, *, job_id: uuid.UUID) -> DedupeJob:
    job = _visible_jobs(viewer).filter(id=job_id).first()
    if job is None:
        raise NotFoundError("No such deduplication job.", field="job_id")
    return job


def job_list(viewer: Viewer, *, crisis_id: uuid.UUID | None = None) -> QuerySet[DedupeJob]:
    jobs = _visible_jobs(viewer)
    return jobs.filter(crisis_id=crisis_id) if crisis_id else jobs


def _visible_pairs(viewer: Viewer) -> QuerySet[CandidatePair]:
    visible = visible_persons(viewer).values("id")
    return CandidatePair.objects.filter(person_a__in=visible, person_b__in=visible)


def pair_list(
    viewer: Viewer,
    *,
    crisis_id: uuid.UUID | None = None,
    status: str = PairStatus.PENDING,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[CandidatePair]]:
    """Pairs of the status, strongest first. Pending pairs whose two persons have meanwhile been
    merged into one (through other pairs) are left out: nothing is left to decide."""
    pairs = _visible_pairs(viewer).filter(status=status)
    if crisis_id:
        pairs = pairs.filter(crisis_id=crisis_id)
    if status == PairStatus.PENDING:
        pairs = pairs.annotate(
            root_a=Coalesce("person_a__merged_into_id", "person_a_id"),
            root_b=Coalesce("person_b__merged_into_id", "person_b_id"),
        ).exclude(root_a=F("root_b"))
    count = pairs.count()
    page = list(
        pairs.select_related("person_a", "person_b").order_by("-probability", "id")[
            offset : offset + limit
        ]
    )
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.LIST,
            object_type="candidate_pair",
            details={"status": status, "count": count, "returned": len(page)},
        )
    return count, page


def _shown(person: Person, name: str) -> str:
    value = getattr(person, name)
    if name == "birth_date" and value is not None:
        pattern = {"year": "%Y", "month": "%Y-%m"}.get(person.birth_date_precision, "%Y-%m-%d")
        return str(value.strftime(pattern))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if name == "sex" and value == "unknown":
        return ""
    return str(value or "")


def compare(pair: CandidatePair, a: Person, b: Person) -> list[FieldComparison]:
    """Each field side by side: agree, disagree or missing (on either side). The engine's levels
    judge the fields it compares (names across scripts, partial dates, phones); the rest are
    compared as written."""
    fields = []
    for name, engine_field in COMPARED:
        left, right = _shown(a, name), _shown(b, name)
        level = pair.agreements.get(engine_field) if engine_field else None
        if not left or not right:
            state = "missing"
        elif level is not None and level >= 0:
            state = "agree" if level > 0 else "disagree"
        else:
            state = "agree" if left.casefold() == right.casefold() else "disagree"
        if name in pair.conflicts or (name == "birth_date" and "birth_year" in pair.conflicts):
            state = "disagree"
        fields.append(FieldComparison(name, left, right, state))
    return fields


def _groups_of(a: uuid.UUID, b: uuid.UUID) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    heads = dict(Person.objects.filter(id__in=[a, b]).values_list("id", "merged_into_id"))
    root_a, root_b = heads.get(a) or a, heads.get(b) or b
    if root_a == root_b:
        return set(), set()
    groups: dict[uuid.UUID, set[uuid.UUID]] = {root_a: {root_a}, root_b: {root_b}}
    for person, head in Person.objects.filter(merged_into_id__in=[root_a, root_b]).values_list(
        "id", "merged_into_id"
    ):
        groups[head].add(person)
    return groups[root_a], groups[root_b]


def decisions_across(viewer: Viewer, pair: CandidatePair) -> list[DecisionAcross]:
    """The kept-apart, undone and hard-conflicting pairs between the current groups of the
    pair's two persons, the pair itself left out (it is the one being decided: merging a pair
    kept apart is the reviewer reversing that decision). Empty once the two are one person."""
    group_a, group_b = _groups_of(pair.person_a_id, pair.person_b_id)
    if not group_a:
        return []
    across = (
        CandidatePair.objects.filter(
            Q(person_a_id__in=group_a, person_b_id__in=group_b)
            | Q(person_a_id__in=group_b, person_b_id__in=group_a)
        )
        .exclude(id=pair.id)
        .order_by("id")
    )
    undone = set(
        Merge.objects.filter(pair__in=across, undone_at__isnull=False).values_list(
            "pair_id", flat=True
        )
    )
    seen = set(
        visible_persons(viewer).filter(id__in=group_a | group_b).values_list("id", flat=True)
    )
    found = []
    for other in across:
        kept_apart = other.status == PairStatus.KEPT_APART
        was_undone = other.id in undone and other.status == PairStatus.PENDING
        if kept_apart or was_undone or other.conflicts:
            visible = other.person_a_id in seen and other.person_b_id in seen
            found.append(
                DecisionAcross(other.id, visible, kept_apart, was_undone, list(other.conflicts))
            )
    return found


def pair_get(viewer: Viewer, *, pair_id: uuid.UUID) -> PairDetail:
    pair = _visible_pairs(viewer).select_related("person_a", "person_b").filter(id=pair_id).first()
    if pair is None:
        raise NotFoundError("No such candidate pair.", field="pair_id")
    merge = pair.merges.filter(undone_at__isnull=True).order_by("-decided_at").first()
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.READ,
            object_type="candidate_pair",
            object_id=pair.id,
            details={"persons": [str(pair.person_a_id), str(pair.person_b_id)]},
        )
    shown = _shown_merge(viewer, merge) if merge is not None else None
    return PairDetail(
        pair,
        pair.person_a,
        pair.person_b,
        compare(pair, pair.person_a, pair.person_b),
        shown,
        decisions_across(viewer, pair),
    )
