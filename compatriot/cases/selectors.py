"""Scoped, audited reads of concerns, cases, notes and referrals.

- A concern is seen by the organisation it was routed to, by the organisation that reported it,
  and (while it is routed to nobody) by platform administrators.
- A case, its history and its person are seen by the owner organisation; its notes only by the
  case team (caseworkers, coordinators, admins of the owner organisation).
- A referral is seen by both ends; the receiver sees of the person only what the consent covers,
  and nothing once the referral is declined or cancelled or the consent withdrawn.
Out of scope is 404, as everywhere.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from compatriot.cases import attachments
from compatriot.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Concern,
    Disclosure,
    Referral,
    ReferralStatus,
)
from compatriot.cases.schemas import CaseFilter, ConcernFilter
from compatriot.cases.services import TEAM_ROLES
from compatriot.core.audit import audit_record
from compatriot.core.errors import NotFoundError, PermissionDeniedError
from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer
from compatriot.people.models import NeedStatus, Person


def _audit(viewer: Viewer, action: AuditAction, object_type: str, **kwargs: Any) -> None:
    with transaction.atomic():
        audit_record(viewer, action=action, object_type=object_type, **kwargs)


# Concerns -----------------------------------------------------------------------------------


def visible_concerns(viewer: Viewer) -> QuerySet[Concern]:
    if viewer.organisation_id is None:
        return Concern.objects.none()
    scope = Q(receiving_organisation_id=viewer.organisation_id) | Q(
        reported_by_organisation_id=viewer.organisation_id
    )
    if viewer.is_platform_admin:
        scope |= Q(receiving_organisation__isnull=True)
    return Concern.objects.filter(scope)


def concern_list(
    viewer: Viewer, *, filters: ConcernFilter, offset: int = 0, limit: int = 50
) -> tuple[int, list[Concern]]:
    concerns = visible_concerns(viewer)
    if filters.status:
        concerns = concerns.filter(status=filters.status)
    if filters.kind:
        concerns = concerns.filter(kind=filters.kind)
    if filters.crisis:
        concerns = concerns.filter(crisis_id=filters.crisis)
    count = concerns.count()
    page = list(concerns.prefetch_related("attachments")[offset : offset + limit])
    _audit(
        viewer,
        AuditAction.LIST,
        "concern",
        details={"filters": filters.model_dump(mode="json", exclude_none=True), "count": count},
    )
    return count, page


def concern_get(viewer: Viewer, *, concern_id: uuid.UUID) -> Concern:
    concern = visible_concerns(viewer).prefetch_related("attachments").filter(id=concern_id).first()
    if concern is None:
        raise NotFoundError("No such concern.", field="concern_id")
    _audit(viewer, AuditAction.READ, "concern", object_id=concern.id)
    return concern


def concern_public_status(concern: Concern) -> dict[str, object]:
    """What the reporter's private link shows: progress, never anyone's personal data."""
    cases = list(concern.cases.values_list("status", flat=True))
    return {
        "reference": concern.reference,
        "kind": concern.kind,
        "status": concern.status,
        "received_at": concern.created_at,
        "first_response_at": concern.first_response_at,
        "cases_opened": len(cases),
        "cases_closed": sum(status == CaseStatus.CLOSED for status in cases),
        "public_note": concern.public_note,
    }


def attachment_for_download(viewer: Viewer, *, attachment_id: uuid.UUID) -> tuple[Attachment, Path]:
    """Only the organisation that triages the concern downloads what was sent with it."""
    attachment = (
        Attachment.objects.select_related("concern")
        .filter(
            id=attachment_id,
            concern__in=visible_concerns(viewer).filter(
                Q(receiving_organisation_id=viewer.organisation_id)
                | Q(receiving_organisation__isnull=True)
            ),
        )
        .first()
    )
    if attachment is None:
        raise NotFoundError("No such attachment.", field="attachment_id")
    if viewer.role not in TEAM_ROLES:
        raise PermissionDeniedError("Only caseworkers and coordinators open attachments.")
    _audit(viewer, AuditAction.READ, "attachment", object_id=attachment.id)
    return attachment, attachments.path_of(attachment.stored_name)


# Cases --------------------------------------------------------------------------------------


def visible_cases(viewer: Viewer) -> QuerySet[Case]:
    if viewer.organisation_id is None:
        return Case.objects.none()
    return Case.objects.filter(owner_organisation_id=viewer.organisation_id)


def case_list(
    viewer: Viewer, *, filters: CaseFilter, offset: int = 0, limit: int = 50
) -> tuple[int, list[Case]]:
    cases = visible_cases(viewer)
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.crisis:
        cases = cases.filter(crisis_id=filters.crisis)
    if filters.overdue is not None:
        late = Q(deadline__lt=timezone.now()) & ~Q(status=CaseStatus.CLOSED)
        cases = cases.filter(late if filters.overdue else ~late)
    count = cases.count()
    page = list(cases.order_by("deadline", "id")[offset : offset + limit])
    _audit(
        viewer,
        AuditAction.LIST,
        "case",
        details={"filters": filters.model_dump(mode="json", exclude_none=True), "count": count},
    )
    return count, page


def case_get(viewer: Viewer, *, case_id: uuid.UUID) -> Case:
    case = visible_cases(viewer).filter(id=case_id).first()
    if case is None:
        raise NotFoundError("No such case.", field="case_id")
    _audit(viewer, AuditAction.READ, "case", object_id=case.id)
    return case


def _team_case(viewer: Viewer, case_id: uuid.UUID) -> Case:
    case = visible_cases(viewer).filter(id=case_id).first()
    if case is None:
        raise NotFoundError("No such case.", field="case_id")
    if viewer.role not in TEAM_ROLES:
        raise PermissionDeniedError("Case notes are for the case team only.")
    return case


def case_notes(viewer: Viewer, *, case_id: uuid.UUID) -> list[CaseNote]:
    case = _team_case(viewer, case_id)
    notes = list(case.notes.all())
    _audit(viewer, AuditAction.LIST, "case_note", details={"case": str(case.id)})
    return notes


def case_events(viewer: Viewer, *, case_id: uuid.UUID) -> list[CaseEvent]:
    return list(case_get(viewer, case_id=case_id).events.all())


def case_subject(viewer: Viewer, *, case_id: uuid.UUID) -> dict[str, object]:
    """The person (or household) of a case, in full, for the owner's team: the consent given when
    the case was opened or transferred covers its owner."""
    case = _team_case(viewer, case_id)
    return disclosed_person(viewer, case, list(Disclosure.values))


# Referrals ----------------------------------------------------------------------------------


def visible_referrals(viewer: Viewer) -> QuerySet[Referral]:
    if viewer.organisation_id is None:
        return Referral.objects.none()
    return Referral.objects.filter(
        Q(from_organisation_id=viewer.organisation_id)
        | Q(to_organisation_id=viewer.organisation_id)
    ).select_related("case")


def referral_list(
    viewer: Viewer, *, direction: str, status: str | None, offset: int = 0, limit: int = 50
) -> tuple[int, list[Referral]]:
    referrals = visible_referrals(viewer)
    if direction == "received":
        referrals = referrals.filter(to_organisation_id=viewer.organisation_id)
    elif direction == "sent":
        referrals = referrals.filter(from_organisation_id=viewer.organisation_id)
    if status:
        referrals = referrals.filter(status=status)
    count = referrals.count()
    return count, list(referrals[offset : offset + limit])


def _members(case: Case) -> list[Person]:
    if case.person_id is not None:
        return list(
            Person.objects.filter(id=case.person_id).prefetch_related("needs", "vulnerabilities")
        )
    if case.household_id is None:
        return []
    return list(
        Person.objects.filter(household_id=case.household_id)
        .prefetch_related("needs", "vulnerabilities")
        .order_by("created_at")
    )


def disclosed_person(viewer: Viewer, case: Case, disclosures: list[str]) -> dict[str, object]:
    """The case's person (or its household's first member) reduced to what may be disclosed.
    Reading it is audited as a read of the person's data."""
    members = _members(case)
    out: dict[str, object] = {"disclosures": sorted(disclosures)}
    if not members:
        return out
    person = members[0]
    if Disclosure.IDENTITY in disclosures:
        out |= {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "given_name_latin": person.given_name_latin,
            "family_name_latin": person.family_name_latin,
            "sex": person.sex,
            "birth_year": person.birth_date.year if person.birth_date else None,
            "household_size": len(members),
        }
    if Disclosure.CONTACT in disclosures:
        out |= {"phones": list(person.phones), "email": person.email}
    if Disclosure.LOCATION in disclosures:
        out |= {
            "country": person.country,
            "admin_area": person.admin_area,
            "place_name": person.place_name,
        }
    if Disclosure.NEEDS in disclosures:
        out["needs"] = [
            {"category": need.category, "urgency": need.urgency}
            for member in members
            for need in member.needs.all()
            if need.status in (NeedStatus.OPEN, NeedStatus.IN_PROGRESS)
        ]
    if Disclosure.VULNERABILITIES in disclosures:
        out["vulnerabilities"] = sorted(
            {v.code for member in members for v in member.vulnerabilities.all()}
        )
    if Disclosure.ASSESSMENT in disclosures:
        out["assessment"] = case.assessment
    _audit(
        viewer,
        AuditAction.READ,
        "person",
        object_id=person.id,
        details={
            "through": "case"
            if case.owner_organisation_id == viewer.organisation_id
            else "referral",
            "disclosures": sorted(disclosures),
        },
    )
    return out


def referral_get(
    viewer: Viewer, *, referral_id: uuid.UUID
) -> tuple[Referral, dict[str, object] | None]:
    referral = visible_referrals(viewer).filter(id=referral_id).first()
    if referral is None:
        raise NotFoundError("No such referral.", field="referral_id")
    person: dict[str, object] | None = None
    is_receiver = referral.to_organisation_id == viewer.organisation_id
    live = referral.status in (
        ReferralStatus.PENDING,
        ReferralStatus.ACCEPTED,
        ReferralStatus.COMPLETED,
    )
    if is_receiver and live and referral.consent_withdrawn_at is None:
        person = disclosed_person(viewer, referral.case, list(referral.disclosures))
    else:
        _audit(viewer, AuditAction.READ, "referral", object_id=referral.id)
    return referral, person


def case_referrals(viewer: Viewer, *, case_id: uuid.UUID) -> list[Referral]:
    """The referrals of a case, for its owner."""
    case = case_get(viewer, case_id=case_id)
    return list(
        Referral.objects.filter(case=case).select_related("to_organisation").order_by("created_at")
    )
