"""Scoped reads of tracing requests, possible matches and notifications.

A request is seen by the organisation handling it and by no one else (404 as if absent). A
possible match is seen by the handling organisation as a candidate (that it exists; contact
details once the person found consents) and by the organisation that registered the person found
(what it needs to ask them). A person who withdraws their family-tracing consent drops out of
both at once: the consent is checked inside every query.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from compatriot.core.audit import audit_record
from compatriot.core.errors import NotFoundError, PermissionDeniedError
from compatriot.core.models import AuditAction, Role
from compatriot.core.viewer import Viewer
from compatriot.people.models import Consent, ConsentScope, Person
from compatriot.tracing.models import (
    MatchStatus,
    RequestStatus,
    TracingMatch,
    TracingNotification,
    TracingRequest,
)
from compatriot.tracing.schemas import TracingFilter

TRACING_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.CASEWORKER})
# What the seeker's side may see of a match; refusals and mistakes are not disclosed.
SHOWN_TO_SEEKER_SIDE = (MatchStatus.AWAITING_ANSWER, MatchStatus.CONSENTED)


def require_tracing_role(viewer: Viewer) -> None:
    if viewer.organisation_id is None or viewer.role not in TRACING_ROLES:
        raise PermissionDeniedError("Family tracing is for caseworkers, coordinators and admins.")


def tracing_consent(person_ref: str = "pk") -> Exists:
    return Exists(
        Consent.objects.filter(
            person_id=OuterRef(person_ref),
            scope=ConsentScope.FAMILY_TRACING,
            withdrawn_at__isnull=True,
        )
    )


def searchable_persons(crisis_id: uuid.UUID) -> QuerySet[Person]:
    """The persons of a crisis whom tracing may find: those with active family-tracing consent.
    For the matching service only; never handed to a caller."""
    return Person.objects.filter(crisis_id=crisis_id).filter(tracing_consent())


def live_matches() -> QuerySet[TracingMatch]:
    """Matches whose person still consents to tracing."""
    return TracingMatch.objects.filter(tracing_consent("person_id"))


def _requests(viewer: Viewer) -> QuerySet[TracingRequest]:
    require_tracing_role(viewer)
    pending = Q(
        matches__status=MatchStatus.AWAITING_ANSWER,
        matches__in=live_matches().values("id"),
    )
    return TracingRequest.objects.filter(organisation_id=viewer.acting_organisation_id).annotate(
        possible_matches=Count("matches", filter=pending, distinct=True)
    )


def request_list(
    viewer: Viewer, *, filters: TracingFilter, offset: int = 0, limit: int = 50
) -> tuple[int, list[TracingRequest]]:
    found = _requests(viewer)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.crisis:
        found = found.filter(crisis_id=filters.crisis)
    count = found.count()
    page = list(found.order_by("-created_at", "id")[offset : offset + limit])
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.LIST,
            object_type="tracing_request",
            details={
                "filters": filters.model_dump(mode="json", exclude_none=True),
                "count": count,
                "returned": len(page),
            },
        )
    return count, page


def request_get(viewer: Viewer, *, request_id: uuid.UUID) -> TracingRequest:
    found = _requests(viewer).filter(id=request_id).first()
    if found is None:
        raise NotFoundError("No such tracing request.", field="request_id")
    with transaction.atomic():
        audit_record(
            viewer, action=AuditAction.READ, object_type="tracing_request", object_id=found.id
        )
    return found


def request_for_write(viewer: Viewer, *, request_id: uuid.UUID) -> TracingRequest:
    require_tracing_role(viewer)
    found = (
        TracingRequest.objects.select_for_update()
        .filter(id=request_id, organisation_id=viewer.acting_organisation_id)
        .first()
    )
    if found is None:
        raise NotFoundError("No such tracing request.", field="request_id")
    return found


@dataclass(frozen=True)
class Contact:
    given_name: str
    family_name: str
    phones: list[str]
    email: str


@dataclass(frozen=True)
class CandidateView:
    """What the handling organisation may know of a possible match."""

    id: uuid.UUID
    rank: int
    probability: float
    status: str
    found_at: object
    answered_at: object
    registered_by_you: bool
    person_id: uuid.UUID | None
    contact: Contact | None


def _candidate(viewer: Viewer, match: TracingMatch) -> CandidateView:
    person = match.person
    ours = person.registered_by_id == viewer.organisation_id
    contact = None
    if match.status == MatchStatus.CONSENTED:
        contact = Contact(
            person.given_name or person.given_name_latin,
            person.family_name or person.family_name_latin,
            list(person.phones or []),
            person.email,
        )
    return CandidateView(
        id=match.id,
        rank=match.rank,
        probability=round(match.probability, 3),
        status=match.status,
        found_at=match.found_at,
        answered_at=match.answered_at,
        registered_by_you=ours,
        person_id=person.id if ours else None,
        contact=contact,
    )


def candidate_list(viewer: Viewer, *, request_id: uuid.UUID) -> list[CandidateView]:
    """The ranked possible matches of a request, as much as the handling organisation may know:
    before consent, that they exist; after, the found person's names and contact details."""
    request = _requests(viewer).filter(id=request_id).first()
    if request is None:
        raise NotFoundError("No such tracing request.", field="request_id")
    matches = (
        live_matches()
        .filter(request=request, status__in=SHOWN_TO_SEEKER_SIDE)
        .select_related("person")
        .order_by("rank", "-probability", "id")
    )
    shown = [_candidate(viewer, match) for match in matches]
    disclosed = [str(c.id) for c in shown if c.contact is not None]
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.LIST,
            object_type="tracing_match",
            object_id=request.id,
            details={"count": len(shown), "contact_disclosed": disclosed},
        )
    return shown


def _incoming(viewer: Viewer) -> QuerySet[TracingMatch]:
    require_tracing_role(viewer)
    return (
        live_matches()
        .filter(person__registered_by_id=viewer.acting_organisation_id)
        .exclude(request__status=RequestStatus.WITHDRAWN)
        .select_related("request", "request__organisation", "person")
    )


def incoming_list(
    viewer: Viewer, *, status: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[int, list[TracingMatch]]:
    """Possible matches among the persons the viewer's organisation registered."""
    found = _incoming(viewer)
    if status:
        found = found.filter(status=status)
    count = found.count()
    page = list(found.order_by("-found_at", "id")[offset : offset + limit])
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.LIST,
            object_type="tracing_match",
            details={"direction": "incoming", "count": count, "returned": len(page)},
        )
    return count, page


def incoming_get(viewer: Viewer, *, match_id: uuid.UUID) -> TracingMatch:
    found = _incoming(viewer).filter(id=match_id).first()
    if found is None:
        raise NotFoundError("No such possible match.", field="match_id")
    with transaction.atomic():
        audit_record(
            viewer, action=AuditAction.READ, object_type="tracing_match", object_id=found.id
        )
    return found


def match_for_answer(viewer: Viewer, *, match_id: uuid.UUID) -> TracingMatch:
    found = _incoming(viewer).select_for_update(of=("self",)).filter(id=match_id).first()
    if found is None:
        raise NotFoundError("No such possible match.", field="match_id")
    return found


def notification_list(
    viewer: Viewer, *, unread_only: bool = False, limit: int = 50
) -> list[TracingNotification]:
    require_tracing_role(viewer)
    found = TracingNotification.objects.filter(
        organisation_id=viewer.acting_organisation_id
    ).filter(Q(user__isnull=True) | Q(user_id=viewer.user_id))
    if unread_only:
        found = found.filter(read_at__isnull=True)
    return list(found.order_by("-created_at", "id")[:limit])
