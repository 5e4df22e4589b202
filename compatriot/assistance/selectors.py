"""Scoped reads. An organisation sees the requests it entered (and, through them, the people it
may see under the people app's scope rules), the offers of its crisis (offers are published to
every coordinating organisation) and the allocations on its requests or its offers."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Q, QuerySet

from compatriot.assistance.models import Allocation, AssistanceRequest, Offer
from compatriot.core.audit import audit_record
from compatriot.core.errors import NotFoundError
from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer


def visible_requests(viewer: Viewer) -> QuerySet[AssistanceRequest]:
    if viewer.organisation_id is None:
        return AssistanceRequest.objects.none()
    return AssistanceRequest.objects.filter(organisation_id=viewer.organisation_id)


def request_for_write(viewer: Viewer, *, request_id: uuid.UUID) -> AssistanceRequest:
    request = visible_requests(viewer).select_for_update().filter(id=request_id).first()
    if request is None:
        raise NotFoundError("No such request.", field="request_id")
    return request


def request_list(
    viewer: Viewer, *, crisis_id: uuid.UUID | None, status: str | None
) -> QuerySet[AssistanceRequest]:
    requests = visible_requests(viewer)
    if crisis_id:
        requests = requests.filter(crisis_id=crisis_id)
    if status:
        requests = requests.filter(status=status)
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.LIST,
            object_type="assistance_request",
            details={"crisis": str(crisis_id or ""), "status": status or ""},
        )
    return requests.order_by("created_at", "id")


def request_get(viewer: Viewer, *, request_id: uuid.UUID) -> AssistanceRequest:
    request = visible_requests(viewer).filter(id=request_id).first()
    if request is None:
        raise NotFoundError("No such request.", field="request_id")
    with transaction.atomic():
        audit_record(
            viewer, action=AuditAction.READ, object_type="assistance_request", object_id=request.id
        )
    return request


def offer_list(
    viewer: Viewer, *, crisis_id: uuid.UUID | None, mine: bool, status: str | None
) -> QuerySet[Offer]:
    if viewer.organisation_id is None:
        return Offer.objects.none()
    offers = Offer.objects.all()
    if mine:
        offers = offers.filter(organisation_id=viewer.organisation_id)
    if crisis_id:
        offers = offers.filter(crisis_id=crisis_id)
    if status:
        offers = offers.filter(status=status)
    return offers.order_by("created_at", "id")


def offer_get(viewer: Viewer, *, offer_id: uuid.UUID) -> Offer:
    offer = Offer.objects.filter(id=offer_id).first() if viewer.organisation_id else None
    if offer is None:
        raise NotFoundError("No such offer.", field="offer_id")
    return offer


def visible_allocations(viewer: Viewer) -> QuerySet[Allocation]:
    if viewer.organisation_id is None:
        return Allocation.objects.none()
    return Allocation.objects.filter(
        Q(request__organisation_id=viewer.organisation_id)
        | Q(offer__organisation_id=viewer.organisation_id)
    )


def allocation_list(
    viewer: Viewer, *, offer_id: uuid.UUID | None, status: str | None
) -> QuerySet[Allocation]:
    allocations = visible_allocations(viewer)
    if offer_id:
        allocations = allocations.filter(offer_id=offer_id)
    if status:
        allocations = allocations.filter(status=status)
    return allocations.order_by("created_at", "id")
