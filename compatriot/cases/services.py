"""Every write of concerns, cases, notes and referrals, each in one transaction and audited.

Who may do what:
- anyone (anonymous included) reports a concern; the receiving organisation triages it;
- the case team (the owner organisation's caseworkers, coordinators and admins) works the case,
  writes notes, refers and transfers it (a transfer and a referral need the person's consent);
- the receiving organisation of a referral accepts or declines it, then completes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import IO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from compatriot.cases import attachments
from compatriot.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseNote,
    CaseStatus,
    Concern,
    ConcernKind,
    ConcernStatus,
    Referral,
    ReferralStatus,
)
from compatriot.cases.schemas import (
    AssessmentIn,
    CaseCloseIn,
    CaseDirectIn,
    CaseNoteIn,
    CaseOpenIn,
    CaseReopenIn,
    CaseStatusIn,
    CaseTransferIn,
    ConcernIn,
    ReferralAnswerIn,
    ReferralCompleteIn,
    ReferralIn,
    TriageIn,
)
from compatriot.core.audit import audit_record
from compatriot.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from compatriot.core.models import (
    AuditAction,
    Crisis,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from compatriot.core.viewer import Viewer
from compatriot.directory.models import Service, ServiceStatus
from compatriot.people.models import Household, Person
from compatriot.people.selectors import visible_persons

TEAM_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.CASEWORKER})
# Reference letters without 0/O, 1/I/L: read over a phone line without mistakes.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ANONYMOUS = Viewer(None, None, None, None, purpose="public concern report")


def hash_follow_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_reference(prefix: str) -> str:
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def deadline_hours(priority: str) -> int:
    return int(settings.CASE_DEADLINE_HOURS[priority])


def _require_team(actor: Viewer, case: Case) -> None:
    if case.owner_organisation_id != actor.organisation_id:
        raise NotFoundError("No such case.", field="case_id")
    if actor.role not in TEAM_ROLES:
        raise PermissionDeniedError("Only the case team (caseworkers, coordinators) may do this.")


def _case_for_write(actor: Viewer, case_id: uuid.UUID) -> Case:
    case = Case.objects.select_for_update().filter(id=case_id).first()
    if case is None:
        raise NotFoundError("No such case.", field="case_id")
    _require_team(actor, case)
    return case


def _check_version(case: Case, version: int | None) -> None:
    if version is not None and version != case.version:
        raise ConflictError("The case changed since you read it; reload it.", field="version")


def _event(actor: Viewer, case: Case, kind: CaseEventKind, **details: object) -> None:
    CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=timezone.now(),
        actor_user_id=actor.user_id,
        actor_organisation_id=actor.organisation_id,
        details=details,
    )


def _save(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


# Concerns -----------------------------------------------------------------------------------


def _route(data: ConcernIn) -> uuid.UUID | None:
    """The organisation that triages a concern: the one the reporter chose, else a referral
    mechanism operating in the country, else an international organisation there."""
    if data.receiving_organisation_id is not None:
        if not Organisation.objects.filter(id=data.receiving_organisation_id).exists():
            raise InvalidInputError("No such organisation.", field="receiving_organisation_id")
        return data.receiving_organisation_id
    for kind in (
        OrganisationKind.NATIONAL_REFERRAL_MECHANISM,
        OrganisationKind.INTERNATIONAL_ORGANISATION,
    ):
        candidates = Organisation.objects.filter(
            kind=kind, operating_countries__icontains=f'"{data.country}"'
        ).order_by("-verified_at", "name")
        chosen = candidates.values_list("id", flat=True).first()
        if chosen is not None:
            return chosen
    return None


def concern_report(actor: Viewer | None, *, data: ConcernIn) -> tuple[Concern, str]:
    """Record a concern; return it and the follow key of its private status link (shown once)."""
    actor = actor or ANONYMOUS
    if data.crisis_id and not Crisis.objects.filter(id=data.crisis_id).exists():
        raise InvalidInputError("No such crisis.", field="crisis_id")
    follow_key = secrets.token_urlsafe(24)
    with transaction.atomic():
        concern = Concern.objects.create(
            reference=_new_reference("PC"),
            follow_key_hash=hash_follow_key(follow_key),
            crisis_id=data.crisis_id,
            kind=data.kind,
            description=data.description,
            country=data.country,
            admin_area=data.admin_area,
            place_name=data.place_name,
            latitude=data.latitude,
            longitude=data.longitude,
            occurred_on=data.occurred_on,
            people_affected=data.people_affected,
            nationalities=data.nationalities,
            reporter_contact=data.reporter_contact,
            reported_by_user_id=actor.user_id,
            reported_by_organisation_id=actor.organisation_id,
            receiving_organisation_id=_route(data),
        )
        audit_record(
            actor,
            action=AuditAction.CREATE,
            object_type="concern",
            object_id=concern.id,
            details={"kind": concern.kind, "country": concern.country},
        )
    return concern, follow_key


def concern_by_follow_key(reference: str, follow_key: str) -> Concern:
    concern = Concern.objects.filter(reference=reference.strip().upper()).first()
    expected = concern.follow_key_hash if concern else hash_follow_key("")
    if not secrets.compare_digest(expected, hash_follow_key(follow_key)) or concern is None:
        raise NotFoundError("No concern with this reference and key.", field="reference")
    return concern


def attachment_add(
    *, reference: str, follow_key: str, name: str, stream: IO[bytes], size: int | None
) -> Attachment:
    """The reporter adds a file to their concern, proving it with the follow key."""
    checked = attachments.check_upload(name, stream, size)
    stored_name = attachments.store(checked)
    try:
        with transaction.atomic():
            concern = Concern.objects.select_for_update().get(
                id=concern_by_follow_key(reference, follow_key).id
            )
            if concern.status == ConcernStatus.CLOSED:
                raise ConflictError("This concern is closed.", field="reference")
            if concern.attachments.count() >= settings.CASES_ATTACHMENTS_PER_CONCERN:
                raise ConflictError(
                    f"A concern takes at most {settings.CASES_ATTACHMENTS_PER_CONCERN} files.",
                    field="file",
                )
            attachment = Attachment.objects.create(
                concern=concern,
                original_name=checked.original_name,
                stored_name=stored_name,
                content_type=checked.content_type,
                size=len(checked.content),
                sha256=checked.sha256,
            )
            audit_record(
                ANONYMOUS,
                action=AuditAction.CREATE,
                object_type="attachment",
                object_id=attachment.id,
                details={"concern": str(concern.id), "size": attachment.size},
            )
    except BaseException:
        attachments.remove(stored_name)  # nothing half-written: no file without its record
        raise
    return attachment


def _concern_for_triage(actor: Viewer, concern_id: uuid.UUID) -> Concern:
    concern = Concern.objects.select_for_update().filter(id=concern_id).first()
    if concern is None:
        raise NotFoundError("No such concern.", field="concern_id")
    routed_here = concern.receiving_organisation_id == actor.organisation_id
    unrouted = concern.receiving_organisation_id is None and actor.is_platform_admin
    if not (routed_here or unrouted):
        raise NotFoundError("No such concern.", field="concern_id")
    if actor.role not in TEAM_ROLES:
        raise PermissionDeniedError("Only caseworkers and coordinators triage concerns.")
    return concern


def concern_triage(actor: Viewer, *, concern_id: uuid.UUID, data: TriageIn) -> list[Case]:
    """Open cases from a concern, or close it with a reason. The first triage is the first
    response that monitoring measures."""
    with transaction.atomic():
        concern = _concern_for_triage(actor, concern_id)
        if concern.status == ConcernStatus.CLOSED:
            raise ConflictError("This concern is closed.", field="concern_id")
        now = timezone.now()
        concern.first_response_at = concern.first_response_at or now
        if data.public_note:
            concern.public_note = data.public_note
        cases: list[Case] = []
        if data.close_reason:
            if concern.status != ConcernStatus.RECEIVED:
                raise ConflictError(
                    "Cases were opened from this concern; close them instead.",
                    field="close_reason",
                )
            concern.status = ConcernStatus.CLOSED
            concern.closure_reason = data.close_reason
        else:
            for index, item in enumerate(data.cases):
                cases.append(
                    _open_case(
                        actor,
                        item,
                        crisis_id=concern.crisis_id,
                        concern=concern,
                        at=f"cases[{index}].",
                    )
                )
            concern.status = ConcernStatus.TRIAGED
        concern.save()
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="concern",
            object_id=concern.id,
            details={"status": concern.status, "cases": [str(c.id) for c in cases]},
        )
    return cases


# Cases --------------------------------------------------------------------------------------


def _subject(
    actor: Viewer, data: CaseOpenIn, at: str
) -> tuple[Person | None, Household | None, uuid.UUID]:
    """The person or household, if the actor may see them, and their crisis."""
    visible = visible_persons(actor)
    if data.person_id is not None:
        person = visible.filter(id=data.person_id).first()
        if person is None:
            raise NotFoundError("No such person.", field=f"{at}person_id")
        return person, None, person.crisis_id
    household = (
        Household.objects.filter(
            Q(registered_by_id=actor.organisation_id) | Q(members__in=visible),
            id=data.household_id,
        ).first()
        if data.household_id is not None
        else None
    )
    if household is None:
        raise NotFoundError("No such household.", field=f"{at}household_id")
    return None, household, household.crisis_id


def _nationality(person: Person | None, household: Household | None) -> str:
    if person is not None:
        return person.nationality
    first = Person.objects.filter(household=household).exclude(nationality="").first()
    return first.nationality if first else ""


def _require_caseworker(organisation_id: uuid.UUID, user_id: int | None, field: str) -> None:
    if user_id is None:
        return
    if not Membership.objects.filter(
        organisation_id=organisation_id, user_id=user_id, is_active=True, role__in=TEAM_ROLES
    ).exists():
        raise InvalidInputError(
            "is not a caseworker, coordinator or admin of the case's organisation", field=field
        )


def _open_case(
    actor: Viewer,
    data: CaseOpenIn,
    *,
    crisis_id: uuid.UUID | None,
    concern: Concern | None,
    at: str = "",
) -> Case:
    if actor.role not in TEAM_ROLES:
        raise PermissionDeniedError("Only caseworkers and coordinators open cases.")
    person, household, subject_crisis = _subject(actor, data, at)
    _require_caseworker(actor.acting_organisation_id, data.caseworker_id, f"{at}caseworker_id")
    kind = data.concern_kind or (concern.kind if concern else ConcernKind.OTHER)
    now = timezone.now()
    case = Case.objects.create(
        reference=_new_reference("CS"),
        crisis_id=crisis_id or subject_crisis,
        concern=concern,
        person=person,
        household=household,
        owner_organisation_id=actor.acting_organisation_id,
        caseworker_id=data.caseworker_id if data.caseworker_id is not None else actor.user_id,
        concern_kind=kind,
        nationality=_nationality(person, household),
        summary=data.summary,
        priority=data.priority,
        deadline=now + dt.timedelta(hours=deadline_hours(data.priority)),
    )
    _event(actor, case, CaseEventKind.OPENED, priority=case.priority)
    audit_record(actor, action=AuditAction.CREATE, object_type="case", object_id=case.id)
    return case


def case_open(actor: Viewer, *, data: CaseDirectIn) -> Case:
    """Open a case without a concern (a caseworker meets someone who needs one)."""
    if not Crisis.objects.filter(id=data.crisis_id).exists():
        raise InvalidInputError("No such crisis.", field="crisis_id")
    with transaction.atomic():
        return _open_case(actor, data, crisis_id=data.crisis_id, concern=None)


def case_assess(actor: Viewer, *, case_id: uuid.UUID, data: AssessmentIn) -> Case:
    with transaction.atomic():
        case = _case_for_write(actor, case_id)
        if not case.is_open:
            raise ConflictError("The case is closed; reopen it first.", field="case_id")
        case.assessment = data.assessment
        case.assessed_at = timezone.now()
        if data.priority and data.priority != case.priority:
            # The deadline keeps its starting point and takes the new priority's length.
            hours = deadline_hours(data.priority) - deadline_hours(case.priority)
            case.deadline += dt.timedelta(hours=hours)
            case.priority = data.priority
        if case.status == CaseStatus.OPEN:
            case.status = CaseStatus.ASSESSED
        _save(case, "assessment", "assessed_at", "priority", "deadline", "status")
        _event(actor, case, CaseEventKind.ASSESSED, priority=case.priority)
        audit_record(actor, action=AuditAction.UPDATE, object_type="case", object_id=case.id)
    return case


_MOVES = {
    CaseStatus.OPEN: {CaseStatus.ASSESSED, CaseStatus.IN_PROGRESS},
    CaseStatus.ASSESSED: {CaseStatus.IN_PROGRESS},
    CaseStatus.REFERRED: {CaseStatus.IN_PROGRESS},
    CaseStatus.IN_PROGRESS: {CaseStatus.ASSESSED},
}


def case_set_status(actor: Viewer, *, case_id: uuid.UUID, data: CaseStatusIn) -> Case:
    """Move an open case along (closing and referring have their own services)."""
    with transaction.atomic():
        case = _case_for_write(actor, case_id)
        _check_version(case, data.version)
        if data.status not in _MOVES.get(CaseStatus(case.status), set()):
            raise ConflictError(
                f"A case that is {case.status} cannot become {data.status} this way.",
                field="status",
            )
        before, case.status = case.status, data.status
        _save(case, "status")
        _event(actor, case, CaseEventKind.STATUS, before=before, after=case.status)
        audit_record(actor, action=AuditAction.UPDATE, object_type="case", object_id=case.id)
    return case


def case_close(actor: Viewer, *, case_id: uuid.UUID, data: CaseCloseIn) -> Case:
    with transaction.atomic():
        case = _case_for_write(actor, case_id)
        _check_version(case, data.version)
        if not case.is_open:
            raise ConflictError("The case is already closed.", field="case_id")
        if case.referrals.filter(status__in=[ReferralStatus.PENDING, ReferralStatus.ACCEPTED]):
            raise ConflictError(
                "A referral of this case is still pending or accepted: wait for its outcome or "
                "cancel it first.",
                field="case_id",
            )
        case.status, case.outcome, case.closed_at = CaseStatus.CLOSED, data.outcome, timezone.now()
        _save(case, "status", "outcome", "closed_at")
        within = case.closed_at <= case.deadline
        _event(actor, case, CaseEventKind.CLOSED, outcome=case.outcome, within_deadline=within)
        audit_record(actor, action=AuditAction.UPDATE, object_type="case", object_id=case.id)
    return case


def case_reopen(actor: Viewer, *, case_id: uuid.UUID, data: CaseReopenIn) -> Case:
    with transaction.atomic():
        case = _case_for_write(actor, case_id)
        if case.is_open:
            raise ConflictError("The case is open.", field="case_id")
        now = timezone.now()
        case.status, case.outcome, case.closed_at = CaseStatus.OPEN, "", None
        case.reopened_count += 1
        case.deadline = now + dt.timedelta(hours=deadline_hours(case.priority))
        _save(case, "status", "outcome", "closed_at", "reopened_count", "deadline")
        _event(actor, case, CaseEventKind.REOPENED, reason_length=len(data.reason))
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="case",
            object_id=case.id,
            details={"reopened": True},
        )
        CaseNote.objects.create(case=case, author_id=actor.user_id, text=f"Reopened: {data.reason}")
    return case


def case_transfer(actor: Viewer, *, case_id: uuid.UUID, data: CaseTransferIn) -> Case:
    """Hand the case to another organisation, with the person's consent: the new owner's team
    takes it over (notes included) and the old one no longer sees it."""
    with transaction.atomic():
        case = _case_for_write(actor, case_id)
        if not case.is_open:
            raise ConflictError("The case is closed.", field="case_id")
        if data.to_organisation_id == case.owner_organisation_id:
            raise InvalidInputError("The case already belongs here.", field="to_organisation_id")
        if not Organisation.objects.filter(id=data.to_organisation_id).exists():
            raise InvalidInputError("No such organisation.", field="to_organisation_id")
        before = case.owner_organisation_id
        case.owner_organisation_id, case.caseworker_id = data.to_organisation_id, None
        _save(case, "owner_organisation", "caseworker")
        _event(
            actor,
            case,
            CaseEventKind.TRANSFERRED,
            from_organisation=str(before),
            to_organisation=str(data.to_organisation_id),
            consent_method=data.consent_method,
        )
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="case",
            object_id=case.id,
            details={"transferred_to": str(data.to_organisation_id)},
        )
    return case


def case_note_add(actor: Viewer, *, case_id: uuid.UUID, data: CaseNoteIn) -> CaseNote:
    with transaction.atomic():
        case = _case_for_write(actor, case_id)
        note = CaseNote.objects.create(case=case, author_id=actor.user_id, text=data.text)
        audit_record(
            actor,
            action=AuditAction.CREATE,
            object_type="case_note",
            object_id=note.id,
            details={"case": str(case.id)},
        )
    return note


# Referrals ----------------------------------------------------------------------------------


def _receiver(data: ReferralIn) -> tuple[uuid.UUID, Service | None]:
    """The receiving organisation, and the directory service when one is named: a service is
    received by the platform organisation that manages its directory entry."""
    service = None
    receiver = data.to_organisation_id
    if data.to_service_id is not None:
        service = (
            Service.objects.select_related("organization")
            .filter(id=data.to_service_id, status=ServiceStatus.ACTIVE)
            .first()
        )
        if service is None:
            raise InvalidInputError("No such active service.", field="to_service_id")
        manager = service.organization.managed_by_id
        if manager is None:
            raise InvalidInputError(
                "This service is not managed by an organisation on the platform; refer the case "
                "to an organisation instead.",
                field="to_service_id",
            )
        if receiver is not None and receiver != manager:
            raise InvalidInputError(
                "The service belongs to another organisation.", field="to_organisation_id"
            )
        receiver = manager
    if receiver is None or not Organisation.objects.filter(id=receiver).exists():
        raise InvalidInputError("No such organisation.", field="to_organisation_id")
    return receiver, service


def referral_create(actor: Viewer, *, case_id: uuid.UUID, data: ReferralIn) -> Referral:
    with transaction.atomic():
        case = _case_for_write(actor, case_id)
        if not case.is_open:
            raise ConflictError("The case is closed.", field="case_id")
        receiver, service = _receiver(data)
        if receiver == case.owner_organisation_id:
            raise InvalidInputError(
                "A case is referred to another organisation.", field="to_organisation_id"
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                referral = Referral.objects.create(
                    case=case,
                    from_organisation_id=case.owner_organisation_id,
                    to_organisation_id=receiver,
                    to_service=service,
                    service_category=service.category if service else "",
                    reason=data.reason,
                    disclosures=sorted(set(data.disclosures)),
                    consent_method=data.consent_method,
                    consent_given_at=now,
                    created_by_id=actor.user_id,
                )
        except IntegrityError as error:
            raise ConflictError(
                "This case already has a live referral to that organisation.",
                field="to_organisation_id",
            ) from error
        if case.status != CaseStatus.REFERRED:
            case.status = CaseStatus.REFERRED
            _save(case, "status")
        _event(
            actor,
            case,
            CaseEventKind.REFERRED,
            referral=str(referral.id),
            to_organisation=str(referral.to_organisation_id),
        )
        audit_record(
            actor,
            action=AuditAction.CREATE,
            object_type="referral",
            object_id=referral.id,
            details={"case": str(case.id), "disclosures": referral.disclosures},
        )
    return referral


def _referral_for_write(actor: Viewer, referral_id: uuid.UUID, *, receiver: bool) -> Referral:
    referral = (
        Referral.objects.select_for_update().select_related("case").filter(id=referral_id).first()
    )
    side = referral and (referral.to_organisation_id if receiver else referral.from_organisation_id)
    if referral is None or side != actor.organisation_id:
        raise NotFoundError("No such referral.", field="referral_id")
    if actor.role not in TEAM_ROLES:
        raise PermissionDeniedError("Only caseworkers and coordinators handle referrals.")
    return referral


def _referral_event(actor: Viewer, referral: Referral, kind: CaseEventKind) -> None:
    _event(actor, referral.case, kind, referral=str(referral.id), status=referral.status)
    audit_record(
        actor,
        action=AuditAction.UPDATE,
        object_type="referral",
        object_id=referral.id,
        details={"status": referral.status},
    )


def referral_answer(actor: Viewer, *, referral_id: uuid.UUID, data: ReferralAnswerIn) -> Referral:
    with transaction.atomic():
        referral = _referral_for_write(actor, referral_id, receiver=True)
        if referral.status != ReferralStatus.PENDING:
            raise ConflictError(f"The referral is already {referral.status}.", field="accept")
        referral.status = ReferralStatus.ACCEPTED if data.accept else ReferralStatus.DECLINED
        referral.decline_reason = "" if data.accept else data.reason
        referral.answered_at = timezone.now()
        referral.save(update_fields=["status", "decline_reason", "answered_at"])
        _referral_event(actor, referral, CaseEventKind.REFERRAL_ANSWERED)
    return referral


def referral_complete(
    actor: Viewer, *, referral_id: uuid.UUID, data: ReferralCompleteIn
) -> Referral:
    with transaction.atomic():
        referral = _referral_for_write(actor, referral_id, receiver=True)
        if referral.status != ReferralStatus.ACCEPTED:
            raise ConflictError("Only an accepted referral can be completed.", field="outcome")
        referral.status, referral.outcome = ReferralStatus.COMPLETED, data.outcome
        referral.completed_at = timezone.now()
        referral.save(update_fields=["status", "outcome", "completed_at"])
        _referral_event(actor, referral, CaseEventKind.REFERRAL_COMPLETED)
    return referral


def referral_cancel(actor: Viewer, *, referral_id: uuid.UUID) -> Referral:
    with transaction.atomic():
        referral = _referral_for_write(actor, referral_id, receiver=False)
        if referral.status not in (ReferralStatus.PENDING, ReferralStatus.ACCEPTED):
            raise ConflictError(f"The referral is already {referral.status}.", field="referral_id")
        referral.status = ReferralStatus.CANCELLED
        referral.save(update_fields=["status"])
        _referral_event(actor, referral, CaseEventKind.REFERRAL_ANSWERED)
    return referral


def referral_withdraw_consent(actor: Viewer, *, referral_id: uuid.UUID) -> Referral:
    """The person withdrew consent: from now on the receiver sees nothing of them."""
    with transaction.atomic():
        referral = _referral_for_write(actor, referral_id, receiver=False)
        if referral.consent_withdrawn_at is None:
            referral.consent_withdrawn_at = timezone.now()
            referral.save(update_fields=["consent_withdrawn_at"])
            _referral_event(actor, referral, CaseEventKind.REFERRAL_ANSWERED)
    return referral
