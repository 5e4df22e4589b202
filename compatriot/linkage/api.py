"""Deduplication under /api/v1/linkage: start a job and follow it, the review queue, decisions."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Query, Router, Status

from compatriot.core.api import viewer_of
from compatriot.linkage import selectors, services, tasks
from compatriot.linkage.schemas import JobIn, JobOut, PairDetailOut, PairFilter, PairOut
from compatriot.pagination import Page, PageParams, paginate

router = Router(tags=["linkage"])


@router.post("/jobs", response={202: JobOut})
def start_job(request: HttpRequest, data: JobIn) -> Status:
    """Start deduplicating a crisis (admin or coordinator); follow it with GET /jobs/{id}."""
    viewer = viewer_of(request)
    job = services.dedupe_job_create(
        viewer, crisis_id=data.crisis, lower=data.lower_threshold, upper=data.upper_threshold
    )
    tasks.enqueue(job)
    return Status(202, selectors.job_get(viewer, job_id=job.id))


@router.get("/jobs", response=Page[JobOut])
def list_jobs(
    request: HttpRequest, page: Query[PageParams], crisis: uuid.UUID | None = None
) -> dict[str, object]:
    return paginate(selectors.job_list(viewer_of(request), crisis_id=crisis), page)


@router.get("/jobs/{job_id}", response=JobOut)
def get_job(request: HttpRequest, job_id: uuid.UUID) -> object:
    return selectors.job_get(viewer_of(request), job_id=job_id)


@router.get("/pairs", response=Page[PairOut])
def list_pairs(
    request: HttpRequest, filters: Query[PairFilter], page: Query[PageParams]
) -> dict[str, object]:
    """The review queue: pairs of persons you may both see, strongest first."""
    count, pairs = selectors.pair_list(
        viewer_of(request),
        crisis_id=filters.crisis,
        status=filters.status,
        offset=page.offset,
        limit=page.limit,
    )
    return {"count": count, "offset": page.offset, "limit": page.limit, "items": pairs}


def _detail(detail: selectors.PairDetail) -> dict[str, object]:
    pair = detail.pair
    return {
        **{name: getattr(pair, name) for name in PairOut.model_fields},
        "person_a": detail.person_a,
        "person_b": detail.person_b,
        "fields": [
            {"field": f.field, "a": f.value_a, "b": f.value_b, "state": f.state}
            for f in detail.fields
        ],
        "merge": detail.merge,
        "across": [
            {
                "pair_id": d.pair_id if d.visible else None,
                "kept_apart": d.kept_apart,
                "undone": d.undone,
                "conflicts": d.conflicts,
            }
            for d in detail.across
        ],
    }


@router.get("/pairs/{pair_id}", response=PairDetailOut)
def get_pair(request: HttpRequest, pair_id: uuid.UUID) -> dict[str, object]:
    """The two records side by side, with the fields that agree and disagree."""
    return _detail(selectors.pair_get(viewer_of(request), pair_id=pair_id))


@router.post("/pairs/{pair_id}/merge", response=PairDetailOut)
def merge_pair(request: HttpRequest, pair_id: uuid.UUID) -> dict[str, object]:
    """Merge the pair's two groups. 409 (code LINKAGE_DECIDED_APART, naming the pair) when a
    reviewer kept two records across them apart or undid their merge; differing hard
    identifiers across them (GET's `across`) a reviewer may override, and the audit records it."""
    viewer = viewer_of(request)
    services.pair_merge(viewer, pair_id=pair_id)
    return _detail(selectors.pair_get(viewer, pair_id=pair_id))


@router.post("/pairs/{pair_id}/keep-apart", response=PairDetailOut)
def keep_apart(request: HttpRequest, pair_id: uuid.UUID) -> dict[str, object]:
    viewer = viewer_of(request)
    services.pair_keep_apart(viewer, pair_id=pair_id)
    return _detail(selectors.pair_get(viewer, pair_id=pair_id))


@router.post("/pairs/{pair_id}/unmerge", response=PairDetailOut)
def unmerge_pair(request: HttpRequest, pair_id: uuid.UUID) -> dict[str, object]:
    viewer = viewer_of(request)
    services.pair_unmerge(viewer, pair_id=pair_id)
    return _detail(selectors.pair_get(viewer, pair_id=pair_id))
