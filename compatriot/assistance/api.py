"""Requests for help, offers, allocations and matching runs under /api/v1/assistance."""

from __future__ import annotations

import uuid
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from compatriot.assistance import matching, selectors, services, tasks
from compatriot.assistance.models import (
    AllocationStatus,
    AssistanceRequest,
    MatchingRunStatus,
    OfferStatus,
)
from compatriot.assistance.schemas import (
    AllocationIn,
    AllocationOut,
    MatchingRunIn,
    MatchingRunOut,
    OfferIn,
    OfferOut,
    OfferPatch,
    PriorityIn,
    RequestIn,
    RequestOut,
    RequestPatch,
)
from compatriot.core.api import viewer_of
from compatriot.pagination import Page, PageParams, paginate

router = Router(tags=["assistance"])


class RequestFilter(Schema):
    crisis: uuid.UUID | None = None
    status: Literal["open", "allocated", "closed", "cancelled"] | None = None


class OfferFilter(Schema):
    crisis: uuid.UUID | None = None
    mine: bool = False
    status: Literal["active", "paused", "withdrawn"] | None = None


class AllocationFilter(Schema):
    offer: uuid.UUID | None = None
    status: Literal["proposed", "confirmed", "fulfilled", "no_show", "cancelled"] | None = None


def request_out(request: AssistanceRequest) -> dict[str, object]:
    return {name: getattr(request, name) for name in RequestOut.model_fields}


@router.post("/requests", response={201: RequestOut})
def create_request(request: HttpRequest, data: RequestIn) -> Status:
    created = services.request_create(viewer_of(request), data=data)
    return Status(201, request_out(created))


@router.get("/requests", response=Page[RequestOut])
def list_requests(
    request: HttpRequest, filters: Query[RequestFilter], page: Query[PageParams]
) -> dict[str, object]:
    found = selectors.request_list(
        viewer_of(request), crisis_id=filters.crisis, status=filters.status
    )
    result = paginate(found, page)
    result["items"] = [request_out(r) for r in result["items"]]
    return result


@router.get("/requests/{request_id}", response=RequestOut)
def get_request(request: HttpRequest, request_id: uuid.UUID) -> dict[str, object]:
    return request_out(selectors.request_get(viewer_of(request), request_id=request_id))


@router.patch("/requests/{request_id}", response=RequestOut)
def update_request(
    request: HttpRequest, request_id: uuid.UUID, data: RequestPatch
) -> dict[str, object]:
    changed = services.request_update(viewer_of(request), request_id=request_id, data=data)
    return request_out(changed)


@router.post("/requests/{request_id}/priority", response=RequestOut)
def set_priority(
    request: HttpRequest, request_id: uuid.UUID, data: PriorityIn
) -> dict[str, object]:
    changed = services.request_set_priority(viewer_of(request), request_id=request_id, data=data)
    return request_out(changed)


@router.post("/offers", response={201: OfferOut})
def create_offer(request: HttpRequest, data: OfferIn) -> Status:
    return Status(201, services.offer_create(viewer_of(request), data=data))


@router.get("/offers", response=Page[OfferOut])
def list_offers(
    request: HttpRequest, filters: Query[OfferFilter], page: Query[PageParams]
) -> dict[str, object]:
    offers = selectors.offer_list(
        viewer_of(request), crisis_id=filters.crisis, mine=filters.mine, status=filters.status
    )
    return paginate(offers, page)


@router.get("/offers/{offer_id}", response=OfferOut)
def get_offer(request: HttpRequest, offer_id: uuid.UUID) -> object:
    return selectors.offer_get(viewer_of(request), offer_id=offer_id)


@router.patch("/offers/{offer_id}", response=OfferOut)
def update_offer(request: HttpRequest, offer_id: uuid.UUID, data: OfferPatch) -> object:
    return services.offer_update(viewer_of(request), offer_id=offer_id, data=data)


def _status_route(action: str, status: str) -> None:
    @router.post(
        f"/offers/{{offer_id}}/{action}", response=OfferOut, operation_id=f"offer_{action}"
    )
    def change(request: HttpRequest, offer_id: uuid.UUID) -> object:
        return services.offer_set_status(viewer_of(request), offer_id=offer_id, status=status)


_status_route("pause", OfferStatus.PAUSED)
_status_route("resume", OfferStatus.ACTIVE)
_status_route("withdraw", OfferStatus.WITHDRAWN)


@router.post("/allocations", response={201: AllocationOut})
def create_allocation(request: HttpRequest, data: AllocationIn) -> Status:
    allocation = services.allocation_create(
        viewer_of(request),
        request_id=data.request_id,
        offer_id=data.offer_id,
        override=data.override,
        reason=data.reason,
    )
    return Status(201, allocation)


@router.get("/allocations", response=Page[AllocationOut])
def list_allocations(
    request: HttpRequest, filters: Query[AllocationFilter], page: Query[PageParams]
) -> dict[str, object]:
    found = selectors.allocation_list(
        viewer_of(request), offer_id=filters.offer, status=filters.status
    )
    return paginate(found, page)


def _transition_route(path: str, action: str) -> None:
    @router.post(
        f"/allocations/{{allocation_id}}/{path}",
        response=AllocationOut,
        operation_id=f"allocation_{action}",
    )
    def change(request: HttpRequest, allocation_id: uuid.UUID) -> object:
        return services.allocation_transition(
            viewer_of(request), allocation_id=allocation_id, action=action
        )


for _path, _action in (
    ("confirm", "confirm"),
    ("fulfil", "fulfil"),
    ("no-show", "no_show"),
    ("cancel", "cancel"),
):
    _transition_route(_path, _action)


@router.post("/matching-runs", response={201: MatchingRunOut, 202: MatchingRunOut})
def create_matching_run(request: HttpRequest, data: MatchingRunIn) -> Status:
    """Start matching (admin or coordinator): 201 with the summary when it ran at once (no
    broker), else 202; follow it with GET /matching-runs/{id}. 409 while one is running."""
    viewer = viewer_of(request)
    run = matching.start_matching(viewer, crisis_id=data.crisis_id, time_limit=data.time_limit)
    tasks.enqueue(run)
    run = selectors.matching_run_get(viewer, run_id=run.id)
    return Status(201 if run.status == MatchingRunStatus.DONE else 202, run)


@router.get("/matching-runs", response=Page[MatchingRunOut])
def list_matching_runs(
    request: HttpRequest, page: Query[PageParams], crisis_id: uuid.UUID | None = None
) -> dict[str, object]:
    """The caller's organisation's runs, newest first."""
    return paginate(selectors.matching_run_list(viewer_of(request), crisis_id=crisis_id), page)


@router.get("/matching-runs/{run_id}", response=MatchingRunOut)
def get_matching_run(request: HttpRequest, run_id: uuid.UUID) -> object:
    return selectors.matching_run_get(viewer_of(request), run_id=run_id)


__all__ = ["AllocationStatus", "router"]
