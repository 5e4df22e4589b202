"""Every write to requests, offers and allocations, each in one transaction.

No over-allocation, ever: an allocation is written only while its offer row is locked
(SELECT ... FOR UPDATE), and `Offer.held` (the people of its live allocations) can never exceed
`capacity` (a database check constraint). Operators allocating at once queue on the offer row.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from compatriot.assistance.convert import compatibility, engine_offer, engine_request
from compatriot.assistance.models import (
    LIVE_STATUSES,
    Allocation,
    AllocationKind,
    AllocationStatus,
    AssistanceRequest,
    Notification,
    Offer,
    OfferStatus,
    RequestStatus,
)
from compatriot.assistance.schemas import OfferIn, OfferPatch, PriorityIn, RequestIn, RequestPatch
from compatriot.assistance.selectors import request_for_write
from compatriot.core.audit import audit_record
from compatriot.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from compatriot.core.models import AuditAction, Crisis
from compatriot.core.viewer import Viewer
from compatriot.people.models import Need, Person
from compatriot.people.selectors import visible_persons

URGENCY_PRIORITY = {"low": 1, "medium": 2, "high": 3, "critical": 4}
# Vulnerabilities that move a request up one step.
SEVERE = frozenset(
    {
        "unaccompanied_child",
        "separated_child",
        "disability",
        "serious_medical_condition",
        "pregnant",
        "older_person",
        "trafficking",
        "gbv_risk",
        "detained",
    }
)


def derive_priority(urgency: str | None, vulnerabilities: set[str]) -> int:
    """1 to 5: the urgency's step (low 1 ... critical 4), one more for a severe vulnerability."""
    base = URGENCY_PRIORITY.get(urgency or "medium", 2)
    return min(5, base + (1 if vulnerabilities & SEVERE else 0))


def _organisation_of(viewer: Viewer) -> uuid.UUID:
    if viewer.organisation_id is None:
        raise PermissionDeniedError("Act for an organisation to do this.")
    return viewer.organisation_id


def _crisis(crisis_id: uuid.UUID) -> Crisis:
    crisis = Crisis.objects.filter(id=crisis_id).first()
    if crisis is None:
        raise NotFoundError("No such crisis.", field="crisis_id")
    return crisis


def _from_person(viewer: Viewer, data: RequestIn, person_id: uuid.UUID) -> dict[str, object]:
    person = visible_persons(viewer).filter(id=person_id).first()
    if person is None:
        raise NotFoundError("No such person.", field="person_id")
    members = [person]
    if person.household_id:
        members = list(Person.objects.filter(household_id=person.household_id))
    codes = {v.code for m in members for v in m.vulnerabilities.all()}
    urgency: str | None = data.urgency
    need = None
    if data.need_id:
        need = Need.objects.filter(id=data.need_id, person_id=person.id).first()
        if need is None:
            raise NotFoundError("No such need of this person.", field="need_id")
        urgency = urgency or need.urgency
    if data.latitude is None and person.latitude is None:
        raise InvalidInputError("The person has no location: give one.", field="latitude")
    languages = data.languages or sorted({code for m in members for code in m.languages})
    return {
        "person": person,
        "household_id": person.household_id,
        "need": need,
        "people": data.people or len(members),
        "latitude": data.latitude if data.latitude is not None else person.latitude,
        "longitude": data.longitude if data.longitude is not None else person.longitude,
        "languages": languages,
        "derived_priority": derive_priority(urgency, codes),
    }


@transaction.atomic
def request_create(viewer: Viewer, *, data: RequestIn) -> AssistanceRequest:
    viewer.require_people_write()
    crisis = _crisis(data.crisis_id)
    if data.person_id is not None:
        values = _from_person(viewer, data, data.person_id)
    else:
        if data.latitude is None or data.longitude is None:
            raise InvalidInputError("A location is needed (latitude, longitude).", field="latitude")
        values = {
            "people": data.people or 1,
            "latitude": data.latitude,
            "longitude": data.longitude,
            "languages": data.languages,
            "derived_priority": derive_priority(data.urgency, set()),
        }
    request = AssistanceRequest.objects.create(
        crisis=crisis,
        organisation_id=_organisation_of(viewer),
        category=data.category,
        destination_latitude=data.destination_latitude,
        destination_longitude=data.destination_longitude,
        earliest=data.earliest,
        latest=data.latest,
        requirements=sorted(set(data.requirements)),
        created_by_id=viewer.user_id,
        **values,
    )
    audit_record(
        viewer, action=AuditAction.CREATE, object_type="assistance_request", object_id=request.id
    )
    return request


@transaction.atomic
def request_update(
    viewer: Viewer, *, request_id: uuid.UUID, data: RequestPatch
) -> AssistanceRequest:
    """Changes an open request of the caller's organisation (an allocated one is changed by
    cancelling its allocation first, so that a confirmed place never silently stops fitting)."""
    viewer.require_people_write()
    request = request_for_write(viewer, request_id=request_id)
    if request.status != RequestStatus.OPEN:
        raise ConflictError(
            "Only an open request can be changed: cancel its allocation first.", field="status"
        )
    changes = data.model_dump(exclude_unset=True)
    clearable = {"destination_latitude", "destination_longitude", "earliest", "latest"}
    for name, value in changes.items():
        if value is None and name not in clearable:
            continue
        setattr(request, name, sorted(set(value)) if name == "requirements" else value)
    if (request.destination_latitude is None) != (request.destination_longitude is None):
        raise InvalidInputError(
            "latitude and longitude come together", field="destination_latitude"
        )
    if request.earliest and request.latest and request.latest < request.earliest:
        raise InvalidInputError("latest: latest is before earliest", field="latest")
    request.blocker = request.blocker_reason = ""  # the last run's verdict no longer holds
    request.save()
    audit_record(
        viewer,
        action=AuditAction.UPDATE,
        object_type="assistance_request",
        object_id=request.id,
        details={"fields": sorted(changes)},
    )
    return request


@transaction.atomic
def request_set_priority(
    viewer: Viewer, *, request_id: uuid.UUID, data: PriorityIn
) -> AssistanceRequest:
    viewer.require_organisation_manager()
    request = request_for_write(viewer, request_id=request_id)
    request.priority_override, request.priority_reason = data.priority, data.reason.strip()
    request.save(update_fields=["priority_override", "priority_reason", "updated_at"])
    audit_record(
        viewer,
        action=AuditAction.UPDATE,
        object_type="assistance_request",
        object_id=request.id,
        details={"fields": ["priority_override"]},
    )
    return request


@transaction.atomic
def offer_create(viewer: Viewer, *, data: OfferIn) -> Offer:
    viewer.require_people_write()
    crisis = _crisis(data.crisis_id)
    offer = Offer.objects.create(
        crisis=crisis,
        organisation_id=_organisation_of(viewer),
        offered_by_id=viewer.user_id,
        **data.model_dump(exclude={"crisis_id"}),
    )
    audit_record(viewer, action=AuditAction.CREATE, object_type="offer", object_id=offer.id)
    return offer


def _own_offer(viewer: Viewer, offer_id: uuid.UUID, field: str = "offer_id") -> Offer:
    offer = (
        Offer.objects.select_for_update()
        .filter(id=offer_id, organisation_id=_organisation_of(viewer))
        .first()
    )
    if offer is None:
        raise NotFoundError("No such offer.", field=field)
    return offer


@transaction.atomic
def offer_update(viewer: Viewer, *, offer_id: uuid.UUID, data: OfferPatch) -> Offer:
    viewer.require_people_write()
    offer = _own_offer(viewer, offer_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("capacity") is not None and changes["capacity"] < offer.held:
        raise ConflictError(
            f"{offer.held} places are allocated: cancel allocations before lowering capacity "
            "below that.",
            field="capacity",
        )
    for name, value in changes.items():
        if value is not None or name in {"available_from", "available_until", "expires_at"}:
            setattr(offer, name, value)
    offer.save()
    audit_record(
        viewer,
        action=AuditAction.UPDATE,
        object_type="offer",
        object_id=offer.id,
        details={"fields": sorted(changes)},
    )
    return offer


@transaction.atomic
def offer_set_status(viewer: Viewer, *, offer_id: uuid.UUID, status: str) -> Offer:
    """Pause, resume or withdraw. Withdrawing cancels the allocations not yet fulfilled."""
    viewer.require_people_write()
    offer = _own_offer(viewer, offer_id)
    if offer.status == OfferStatus.WITHDRAWN:
        raise ConflictError("This offer was withdrawn.", field="status")
    if status == OfferStatus.WITHDRAWN:
        live = offer.allocations.select_for_update().filter(
            status__in=[AllocationStatus.PROPOSED, AllocationStatus.CONFIRMED]
        )
        for allocation in live:
            _release(viewer, allocation, offer, "The offer was withdrawn.")
    offer.status = status
    offer.save(update_fields=["status", "held", "updated_at"])
    audit_record(
        viewer,
        action=AuditAction.UPDATE,
        object_type="offer",
        object_id=offer.id,
        details={"fields": ["status"], "status": status},
    )
    return offer


def _notify(request: AssistanceRequest, allocation: Allocation | None, message: str) -> None:
    Notification.objects.create(
        request=request, allocation=allocation, person_id=request.person_id, message=message
    )


def allocate_locked(
    viewer: Viewer,
    request: AssistanceRequest,
    offer: Offer,
    *,
    kind: str,
    reason: str,
    distance_km: float | None,
) -> Allocation:
    """Allocates with the offer row already locked (select_for_update) by the caller."""
    if offer.status != OfferStatus.ACTIVE:
        raise ConflictError("This offer is not active.", field="offer_id")
    if offer.expires_at and offer.expires_at <= timezone.now():
        raise ConflictError("This offer has expired.", field="offer_id")
    if offer.free < request.people:
        raise ConflictError(
            f"The offer has {offer.free} free places; this household needs {request.people} "
            "and is never split.",
            field="offer_id",
        )
    try:
        with transaction.atomic():
            allocation = Allocation.objects.create(
                request=request,
                offer=offer,
                people=request.people,
                kind=kind,
                reason=reason[:500],
                distance_km=distance_km,
                created_by_id=viewer.user_id,
            )
    except IntegrityError as error:
        raise ConflictError(
            "This request already has a live allocation.", field="request_id"
        ) from error
    offer.held += request.people
    offer.save(update_fields=["held", "updated_at"])
    request.status = RequestStatus.ALLOCATED
    request.blocker = request.blocker_reason = ""
    request.save(update_fields=["status", "blocker", "blocker_reason", "updated_at"])
    audit_record(
        viewer,
        action=AuditAction.CREATE,
        object_type="allocation",
        object_id=allocation.id,
        details={"kind": kind, "people": request.people},
    )
    return allocation


@transaction.atomic
def allocation_create(
    viewer: Viewer, *, request_id: uuid.UUID, offer_id: uuid.UUID, override: bool, reason: str
) -> Allocation:
    """A manual allocation. A coordinator may override the soft checks (distance, window,
    requirements, language) with a reason; never the category, nor the capacity."""
    viewer.require_people_write()
    request = request_for_write(viewer, request_id=request_id)
    offer = (
        Offer.objects.select_for_update().filter(id=offer_id, crisis_id=request.crisis_id).first()
    )
    if offer is None:
        raise NotFoundError("No such offer.", field="offer_id")
    if offer.category != request.category:
        raise InvalidInputError("The offer is for another category.", field="offer_id")
    blocker, km = compatibility(engine_request(request), engine_offer(offer))
    kind = AllocationKind.MANUAL
    if blocker is not None and blocker != "household_too_large":
        if not override:
            raise ConflictError(
                f"Not compatible: {blocker}. A coordinator may override this.", field="offer_id"
            )
        viewer.require_organisation_manager()
        if len(reason.strip()) < 3:
            raise InvalidInputError("An override needs a reason.", field="reason")
        kind = AllocationKind.OVERRIDE
    text = reason.strip() or "allocated by hand"
    return allocate_locked(viewer, request, offer, kind=kind, reason=text, distance_km=km)


def _release(viewer: Viewer, allocation: Allocation, offer: Offer, message: str) -> None:
    """Cancels a live allocation and frees its places (offer row locked by the caller)."""
    allocation.status = AllocationStatus.CANCELLED
    allocation.save(update_fields=["status", "updated_at"])
    offer.held -= allocation.people
    request = allocation.request
    request.status = RequestStatus.OPEN
    request.save(update_fields=["status", "updated_at"])
    _notify(request, allocation, message)
    audit_record(
        viewer,
        action=AuditAction.UPDATE,
        object_type="allocation",
        object_id=allocation.id,
        details={"status": "cancelled"},
    )


TRANSITIONS = {
    "confirm": ({AllocationStatus.PROPOSED}, AllocationStatus.CONFIRMED),
    "fulfil": ({AllocationStatus.CONFIRMED}, AllocationStatus.FULFILLED),
    "no_show": ({AllocationStatus.CONFIRMED}, AllocationStatus.NO_SHOW),
    "cancel": ({AllocationStatus.PROPOSED, AllocationStatus.CONFIRMED}, AllocationStatus.CANCELLED),
}


@transaction.atomic
def allocation_transition(viewer: Viewer, *, allocation_id: uuid.UUID, action: str) -> Allocation:
    """confirm (the offerer), fulfil / no_show (the offerer), cancel (either side)."""
    viewer.require_people_write()
    found = (
        Allocation.objects.filter(id=allocation_id)
        .values_list("offer_id", "request__organisation_id", "offer__organisation_id")
        .first()
    )
    if found is None or viewer.organisation_id not in found[1:]:
        raise NotFoundError("No such allocation.", field="allocation_id")
    offer = Offer.objects.select_for_update().get(id=found[0])  # lock order: offer, then rest
    allocation = (
        Allocation.objects.select_for_update().select_related("request").get(id=allocation_id)
    )
    sources, target = TRANSITIONS[action]
    if action != "cancel" and offer.organisation_id != viewer.organisation_id:
        raise NotFoundError("No such allocation.", field="allocation_id")
    if allocation.status not in sources:
        raise ConflictError(f"A {allocation.status} allocation cannot be {target}.", field="status")
    if action == "cancel":
        _release(viewer, allocation, offer, "Your allocation was cancelled.")
        offer.save(update_fields=["held", "updated_at"])
        return allocation
    allocation.status = target
    allocation.save(update_fields=["status", "updated_at"])
    request = allocation.request
    if target == AllocationStatus.NO_SHOW:
        offer.held -= allocation.people  # the places go back to others
        offer.save(update_fields=["held", "updated_at"])
        request.status = RequestStatus.OPEN
    elif target == AllocationStatus.FULFILLED:
        request.status = RequestStatus.CLOSED
    request.save(update_fields=["status", "updated_at"])
    if target == AllocationStatus.CONFIRMED:
        _notify(request, allocation, f"Your {request.category.replace('_', ' ')} is confirmed.")
    audit_record(
        viewer,
        action=AuditAction.UPDATE,
        object_type="allocation",
        object_id=allocation.id,
        details={"status": str(target)},
    )
    return allocation


__all__ = [
    "LIVE_STATUSES",
    "allocation_create",
    "allocation_transition",
    "derive_priority",
    "offer_create",
    "offer_set_status",
    "offer_update",
    "request_create",
    "request_set_priority",
    "request_update",
]
