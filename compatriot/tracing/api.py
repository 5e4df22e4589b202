"""Family tracing under /api/v1/tracing: requests, their candidates, the found side's incoming
matches and answers, notifications and re-checks."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Query, Router, Status

from compatriot.core.api import viewer_of
from compatriot.pagination import Page, PageParams
from compatriot.tracing import selectors, services
from compatriot.tracing.models import MatchStatus, TracingMatch, TracingRequest
from compatriot.tracing.schemas import (
    AnswerIn,
    CandidateOut,
    IncomingMatchOut,
    NotificationOut,
    NotificationReadIn,
    RecheckOut,
    TracingCloseIn,
    TracingFilter,
    TracingRequestIn,
    TracingRequestOut,
)
from compatriot.tracing.sealing import unseal

router = Router(tags=["tracing"])


def request_out(found: TracingRequest) -> dict[str, object]:
    computed = {
        "seeker_contact": unseal(found.seeker_contact_sealed),
        "possible_matches": getattr(found, "possible_matches", 0),
    }
    fields = TracingRequestOut.model_fields.keys() - computed.keys()
    return {**{name: getattr(found, name) for name in fields}, **computed}


def incoming_out(match: TracingMatch) -> dict[str, object]:
    request = match.request
    return {
        "id": match.id,
        "request_reference": request.reference,
        "handling_organisation": request.organisation.name,
        "person_id": match.person_id,
        "probability": round(match.probability, 3),
        "status": match.status,
        "found_at": match.found_at,
        "answered_at": match.answered_at,
        "answer_note": match.answer_note,
        "sought": request,
    }


@router.post("/requests", response={201: TracingRequestOut})
def create_request(request: HttpRequest, data: TracingRequestIn) -> Status:
    viewer = viewer_of(request)
    created = services.tracing_request_create(viewer, data=data)
    return Status(201, request_out(selectors.request_get(viewer, request_id=created.id)))


@router.get("/requests", response=Page[TracingRequestOut])
def list_requests(
    request: HttpRequest, filters: Query[TracingFilter], page: Query[PageParams]
) -> dict[str, object]:
    count, found = selectors.request_list(
        viewer_of(request), filters=filters, offset=page.offset, limit=page.limit
    )
    items = [request_out(r) for r in found]
    return {"count": count, "offset": page.offset, "limit": page.limit, "items": items}


@router.get("/requests/{request_id}", response=TracingRequestOut)
def get_request(request: HttpRequest, request_id: uuid.UUID) -> dict[str, object]:
    return request_out(selectors.request_get(viewer_of(request), request_id=request_id))


@router.get("/requests/{request_id}/candidates", response=list[CandidateOut])
def list_candidates(request: HttpRequest, request_id: uuid.UUID) -> list[object]:
    """Possible matches, best first: that they exist and how strong; the found person's names
    and contact details only once they have agreed to contact."""
    return list(selectors.candidate_list(viewer_of(request), request_id=request_id))


@router.post("/requests/{request_id}/close", response=TracingRequestOut)
def close_request(
    request: HttpRequest, request_id: uuid.UUID, data: TracingCloseIn
) -> dict[str, object]:
    viewer = viewer_of(request)
    services.tracing_request_close(viewer, request_id=request_id, data=data)
    return request_out(selectors.request_get(viewer, request_id=request_id))


@router.get("/matches", response=Page[IncomingMatchOut])
def list_incoming(
    request: HttpRequest, page: Query[PageParams], status: MatchStatus | None = None
) -> dict[str, object]:
    """Possible matches among the persons your organisation registered: ask them."""
    count, found = selectors.incoming_list(
        viewer_of(request), status=status, offset=page.offset, limit=page.limit
    )
    items = [incoming_out(m) for m in found]
    return {"count": count, "offset": page.offset, "limit": page.limit, "items": items}


@router.get("/matches/{match_id}", response=IncomingMatchOut)
def get_incoming(request: HttpRequest, match_id: uuid.UUID) -> dict[str, object]:
    return incoming_out(selectors.incoming_get(viewer_of(request), match_id=match_id))


@router.post("/matches/{match_id}/answer", response=IncomingMatchOut)
def answer_match(request: HttpRequest, match_id: uuid.UUID, data: AnswerIn) -> dict[str, object]:
    viewer = viewer_of(request)
    services.tracing_match_answer(viewer, match_id=match_id, data=data)
    return incoming_out(selectors.incoming_get(viewer, match_id=match_id))


@router.get("/notifications", response=list[NotificationOut])
def list_notifications(request: HttpRequest, unread: bool = False) -> list[object]:
    return list(selectors.notification_list(viewer_of(request), unread_only=unread))


@router.post("/notifications/read", response=dict[str, int])
def read_notifications(request: HttpRequest, data: NotificationReadIn) -> dict[str, int]:
    marked = services.notification_mark_read(viewer_of(request), notification_ids=data.ids)
    return {"marked": marked}


@router.post("/recheck", response=RecheckOut)
def recheck(request: HttpRequest) -> object:
    """Re-check your organisation's open requests now against every searchable person."""
    return services.tracing_request_recheck(viewer_of(request))
