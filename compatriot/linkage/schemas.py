"""Input and output shapes of the deduplication API."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Schema
from pydantic import Field

from compatriot.linkage.models import JobKind, JobScope, JobStatus, PairStatus


class JobIn(Schema):
    crisis: uuid.UUID
    lower_threshold: float | None = Field(default=None, gt=0, lt=1)
    upper_threshold: float | None = Field(default=None, gt=0, le=1)


class JobOut(Schema):
    id: uuid.UUID
    crisis_id: uuid.UUID
    scope: JobScope
    kind: JobKind
    status: JobStatus
    lower_threshold: float
    upper_threshold: float
    records: int
    pairs_scored: int
    pairs_kept: int
    auto_merged: int
    queued_for_review: int
    blocked_by_conflict: int
    blocked_by_group: int
    stage_seconds: dict[str, float]
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class PairFilter(Schema):
    crisis: uuid.UUID | None = None
    status: PairStatus = PairStatus.PENDING


class PairOut(Schema):
    id: uuid.UUID
    crisis_id: uuid.UUID
    person_a_id: uuid.UUID
    person_b_id: uuid.UUID
    probability: float
    agreements: dict[str, int]
    conflicts: list[str]
    status: PairStatus
    decided_at: dt.datetime | None


class SideOut(Schema):
    id: uuid.UUID
    registered_by_id: uuid.UUID
    source: str
    merged_into_id: uuid.UUID | None
    created_at: dt.datetime


class FieldOut(Schema):
    field: str
    a: str
    b: str
    state: str


class MergeOut(Schema):
    """A merge as the viewer may see it: records they may not see are left out (a primary
    record they may not see is null)."""

    id: uuid.UUID
    primary_id: uuid.UUID | None
    moved: list[dict[str, str | None]]
    automatic: bool
    decided_at: dt.datetime


class AcrossOut(Schema):
    """A pair between the two groups a merge would join: kept apart or unmerged by a reviewer
    (a merge is refused: 409), or with differing hard identifiers (a reviewer may merge anyway).
    pair_id is null for a pair the viewer may not see both records of."""

    pair_id: uuid.UUID | None
    kept_apart: bool
    undone: bool
    conflicts: list[str]


class PairDetailOut(PairOut):
    person_a: SideOut
    person_b: SideOut
    fields: list[FieldOut]
    merge: MergeOut | None
    across: list[AcrossOut]
