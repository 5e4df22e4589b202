"""Every write of the tracing app: requests, matching and re-checks, answers, closing.

Matching runs outside any transaction (the engine takes a moment and must not hold the database's
write lock); what it finds is stored in a short transaction of its own, with its audit entries.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from compatriot.core.audit import audit_record
from compatriot.core.errors import ConflictError, InvalidInputError
from compatriot.core.models import STATE_OF_ORIGIN_KINDS, AuditAction, Crisis
from compatriot.core.renormalise import Column, Fixed, fixed_numbers
from compatriot.core.viewer import Viewer
from compatriot.normalise.names import to_latin
from compatriot.normalise.phones import to_e164_digits
from compatriot.people.models import Person, PersonCategory
from compatriot.people.names_again import previous_latin
from compatriot.people.selectors import visible_persons
from compatriot.tracing import matching
from compatriot.tracing.models import (
    ACTIVE_STATUSES,
    Answer,
    MatchStatus,
    NotificationKind,
    Outcome,
    RequestStatus,
    TracingMatch,
    TracingNotification,
    TracingRequest,
)
from compatriot.tracing.schemas import (
    AnswerIn,
    TracingCloseIn,
    TracingRequestIn,
    request_phone_regions,
)
from compatriot.tracing.sealing import seal
from compatriot.tracing.selectors import (
    live_matches,
    match_for_answer,
    request_for_write,
    require_tracing_role,
    searchable_persons,
)

logger = logging.getLogger(__name__)
SYSTEM = Viewer(None, None, None, None, purpose="tracing re-check")


def _threshold() -> float:
    return float(getattr(settings, "TRACING_MATCH_THRESHOLD", 0.5))


def _top() -> int:
    return int(getattr(settings, "TRACING_CANDIDATES", 3))


def _reference() -> str:
    return "TR-" + secrets.token_hex(4).upper()


def _birth_date(data: TracingRequestIn) -> tuple[str, bool]:
    if data.birth_date is not None:
        return str(data.birth_date), False
    if data.age is not None:
        return f"{timezone.now().year - data.age:04d}", True
    return "", False


def _seeker(actor: Viewer, data: TracingRequestIn) -> uuid.UUID | None:
    if data.seeker_person_id is None:
        return None
    seeker = visible_persons(actor).filter(id=data.seeker_person_id).first()
    if seeker is None:
        raise InvalidInputError("No such person.", field="seeker_person_id")
    if seeker.crisis_id != data.crisis_id:
        raise InvalidInputError("The seeker belongs to another crisis.", field="seeker_person_id")
    return seeker.id


@transaction.atomic
def _create(actor: Viewer, data: TracingRequestIn) -> TracingRequest:
    require_tracing_role(actor)
    if not Crisis.objects.filter(id=data.crisis_id).exists():
        raise InvalidInputError("No such crisis.", field="crisis_id")
    birth_date, approximate = _birth_date(data)
    request = TracingRequest(
        reference=_reference(),
        crisis_id=data.crisis_id,
        organisation_id=actor.acting_organisation_id,
        caseworker_id=actor.user_id,
        given_name=data.given_name,
        family_name=data.family_name,
        sex=data.sex,
        birth_date=birth_date,
        birth_year_is_approximate=approximate,
        nationality=data.nationality or "",
        phones=data.phones,
        last_known_country=data.last_known_country or "",
        last_known_place=data.last_known_place,
        relationship=data.relationship,
        circumstances=data.circumstances,
        seeker_person_id=_seeker(actor, data),
        seeker_name=data.seeker_name,
        seeker_contact_sealed=seal(data.seeker_contact),
    )
    request.save(force_insert=True)
    audit_record(
        actor,
        action=AuditAction.CREATE,
        object_type="tracing_request",
        object_id=request.id,
        details={
            "relationship": request.relationship,
            "seeker_registered": bool(request.seeker_person_id),
        },
    )
    return request


def tracing_request_create(actor: Viewer, *, data: TracingRequestIn) -> TracingRequest:
    """Store the request, then look for it among the persons already registered. Should the
    search fail, the request stays open and the next re-check searches again."""
    request = _create(actor, data)
    try:
        _search(request.crisis_id, [request], full=True)
    except Exception:  # the engine failing must not lose a stored request
        logger.exception("tracing: first search for request %s failed", request.id)
    request.refresh_from_db(fields=["status", "checked_until"])
    return request


@dataclass
class RecheckReport:
    requests: int = 0
    persons_compared: int = 0
    new_matches: int = 0
    lapsed: int = 0

    def add(self, other: RecheckReport) -> None:
        self.requests += other.requests
        self.persons_compared += other.persons_compared
        self.new_matches += other.new_matches
        self.lapsed += other.lapsed


def tracing_recheck(*, crisis_id: uuid.UUID | None = None, full: bool = False) -> RecheckReport:
    """Compare the active requests (of one crisis, or of all) with the persons registered, or
    changed, since each was last checked (`full`: with every searchable person), record new
    possible matches and notify, and let lapse the matches whose person withdrew consent.
    Safe to run twice: a person is matched to a request at most once."""
    report = RecheckReport()
    active = TracingRequest.objects.active()
    if crisis_id is not None:
        active = active.filter(crisis_id=crisis_id)
    for crisis in active.values_list("crisis_id", flat=True).distinct().order_by():
        requests = list(TracingRequest.objects.active().filter(crisis_id=crisis))
        report.add(_search(crisis, requests, full=full))
    report.lapsed += _lapse_withdrawn()
    return report


def tracing_request_recheck(actor: Viewer) -> RecheckReport:
    """Re-check the actor's organisation's active requests now, against every searchable person."""
    require_tracing_role(actor)
    report = RecheckReport()
    mine = TracingRequest.objects.active().filter(organisation_id=actor.acting_organisation_id)
    for crisis in mine.values_list("crisis_id", flat=True).distinct().order_by():
        report.add(_search(crisis, list(mine.filter(crisis_id=crisis)), full=True))
    with transaction.atomic():
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="tracing_request",
            details={"recheck": report.requests, "new_matches": report.new_matches},
        )
    return report


def _search(crisis_id: uuid.UUID, requests: list[TracingRequest], *, full: bool) -> RecheckReport:
    started = timezone.now()
    population = searchable_persons(crisis_id)
    watermarks = [r.checked_until for r in requests]
    persons = population
    if not full and all(watermarks):
        since = min(w for w in watermarks if w is not None)
        persons = population.filter(updated_at__gt=since)
    persons_list = list(persons)
    found = matching.rank(
        requests,
        persons_list,
        population=population.count(),
        top=_top(),
        threshold=_threshold(),
    )
    created = _store(crisis_id, requests, found, checked_at=started)
    return RecheckReport(len(requests), len(persons_list), created, 0)


@transaction.atomic
def _store(
    crisis_id: uuid.UUID,
    requests: list[TracingRequest],
    found: list[matching.Candidate],
    *,
    checked_at: dt.datetime,
) -> int:
    by_request: dict[uuid.UUID, list[matching.Candidate]] = defaultdict(list)
    for candidate in found:
        by_request[candidate.request_id].append(candidate)
    # One statement for every request searched; only those with candidates are locked one by one.
    TracingRequest.objects.filter(
        id__in=[r.id for r in requests], status__in=ACTIVE_STATUSES
    ).update(checked_until=checked_at)
    created = 0
    for request_id in sorted(by_request):
        locked = (
            TracingRequest.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(id=request_id)
        )
        if locked.status not in ACTIVE_STATUSES:
            continue
        new = _new_matches(locked, by_request[request_id])
        if not new:
            continue
        created += len(new)
        if locked.status == RequestStatus.OPEN:
            locked.status = RequestStatus.POSSIBLE_MATCH
            locked.save(update_fields=["status", "updated_at"])
        _notify_new(locked, new)
        audit_record(
            SYSTEM,
            action=AuditAction.UPDATE,
            object_type="tracing_request",
            object_id=locked.id,
            details={"new_matches": [str(m.id) for m in new]},
        )
    return created


def _new_matches(
    request: TracingRequest, candidates: list[matching.Candidate]
) -> list[TracingMatch]:
    known = set(TracingMatch.objects.filter(request=request).values_list("person_id", flat=True))
    if request.organisation.kind in STATE_OF_ORIGIN_KINDS:
        # Protection first: a consulate or government of origin is never told that a refugee or
        # asylum seeker is registered, not even as an anonymous possible match.
        known |= set(
            Person.objects.filter(
                id__in=[c.person_id for c in candidates],
                category=PersonCategory.REFUGEE_OR_ASYLUM_SEEKER,
            ).values_list("id", flat=True)
        )
    new = [
        TracingMatch(request=request, person_id=c.person_id, probability=c.probability, rank=c.rank)
        for c in candidates
        if c.person_id not in known and c.person_id != request.seeker_person_id
    ]
    return TracingMatch.objects.bulk_create(new)


def _notify_new(request: TracingRequest, new: list[TracingMatch]) -> None:
    registered_by = dict(
        searchable_persons(request.crisis_id)
        .filter(id__in=[m.person_id for m in new])
        .values_list("id", "registered_by_id")
    )
    notes = [
        TracingNotification(
            organisation_id=request.organisation_id,
            user_id=request.caseworker_id,
            kind=NotificationKind.POSSIBLE_MATCH,
            request=request,
        )
    ]
    notes += [
        TracingNotification(
            organisation_id=registered_by[m.person_id],
            kind=NotificationKind.ANSWER_NEEDED,
            match=m,
        )
        for m in new
        if m.person_id in registered_by
    ]
    TracingNotification.objects.bulk_create(notes)


@transaction.atomic
def _lapse_withdrawn() -> int:
    """Matches waiting for an answer whose person withdrew consent are no longer candidates;
    a request left with none goes back to searching. (Reads already hide them at once; this
    keeps the stored status in step.)"""
    waiting = TracingMatch.objects.filter(status=MatchStatus.AWAITING_ANSWER)
    gone = list(waiting.exclude(id__in=live_matches().values("id")).values_list("id", "request_id"))
    if not gone:
        return 0
    TracingMatch.objects.filter(id__in=[m for m, _ in gone]).update(status=MatchStatus.LAPSED)
    for request_id in {r for _, r in gone}:
        _reopen_if_no_candidate(request_id)
        audit_record(
            SYSTEM,
            action=AuditAction.UPDATE,
            object_type="tracing_request",
            object_id=request_id,
            details={"lapsed_matches": sum(1 for _, r in gone if r == request_id)},
        )
    return len(gone)


def _reopen_if_no_candidate(request_id: uuid.UUID) -> None:
    waiting = live_matches().filter(request_id=request_id, status=MatchStatus.AWAITING_ANSWER)
    if not waiting.exists():
        TracingRequest.objects.filter(id=request_id, status=RequestStatus.POSSIBLE_MATCH).update(
            status=RequestStatus.OPEN, updated_at=timezone.now()
        )


def _close(request: TracingRequest, outcome: str, *, lapse_waiting: bool = True) -> None:
    request.status = (
        RequestStatus.WITHDRAWN if outcome == Outcome.SEEKER_WITHDREW else RequestStatus.CLOSED
    )
    request.outcome = outcome
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
    if lapse_waiting:
        TracingMatch.objects.filter(request=request, status=MatchStatus.AWAITING_ANSWER).update(
            status=MatchStatus.LAPSED
        )


@transaction.atomic
def tracing_match_answer(actor: Viewer, *, match_id: uuid.UUID, data: AnswerIn) -> TracingMatch:
    """The person found, asked by the organisation that registered them, agrees to contact,
    refuses it, or says they are not the person sought."""
    match = match_for_answer(actor, match_id=match_id)
    request = TracingRequest.objects.select_for_update().get(id=match.request_id)
    if match.status != MatchStatus.AWAITING_ANSWER or not request.is_active:
        raise ConflictError("This possible match has been answered or closed.", field="answer")
    match.status = {
        Answer.CONSENT: MatchStatus.CONSENTED,
        Answer.REFUSE: MatchStatus.REFUSED,
        Answer.NOT_THE_PERSON: MatchStatus.NOT_THE_PERSON,
    }[data.answer]
    match.answered_at = timezone.now()
    match.answered_by_id = actor.user_id
    match.answer_method = data.method
    match.answer_note = data.note
    match.save(
        update_fields=["status", "answered_at", "answered_by", "answer_method", "answer_note"]
    )
    notify = None
    if data.answer == Answer.CONSENT:
        request.status = RequestStatus.CONTACT_CONSENTED
        request.save(update_fields=["status", "updated_at"])
        TracingMatch.objects.filter(request=request, status=MatchStatus.AWAITING_ANSWER).update(
            status=MatchStatus.LAPSED
        )
        notify = NotificationKind.CONTACT_CONSENTED
    elif data.answer == Answer.REFUSE:
        # Restoring Family Links: a refusal closes the request and nothing is disclosed.
        _close(request, Outcome.NO_RESULT)
        notify = NotificationKind.REQUEST_CLOSED
    else:
        _reopen_if_no_candidate(request.id)
    if notify:
        TracingNotification.objects.create(
            organisation_id=request.organisation_id,
            user_id=request.caseworker_id,
            kind=notify,
            request=request,
        )
    audit_record(
        actor,
        action=AuditAction.UPDATE,
        object_type="tracing_match",
        object_id=match.id,
        details={
            "answer": str(data.answer),
            "method": str(data.method),
            "request": str(request.id),
        },
    )
    return match


@transaction.atomic
def tracing_request_close(
    actor: Viewer, *, request_id: uuid.UUID, data: TracingCloseIn
) -> TracingRequest:
    request = request_for_write(actor, request_id=request_id)
    if request.status in (RequestStatus.CLOSED, RequestStatus.WITHDRAWN):
        raise ConflictError("This tracing request is already closed.", field="outcome")
    if data.outcome == Outcome.REUNITED and request.status != RequestStatus.CONTACT_CONSENTED:
        raise InvalidInputError(
            "reunited needs the person found to have agreed to contact first.", field="outcome"
        )
    _close(request, data.outcome)
    audit_record(
        actor,
        action=AuditAction.UPDATE,
        object_type="tracing_request",
        object_id=request.id,
        details={"fields": ["status", "outcome"], "outcome": str(data.outcome)},
    )
    return request


@transaction.atomic
def notification_mark_read(actor: Viewer, *, notification_ids: list[uuid.UUID]) -> int:
    require_tracing_role(actor)
    return TracingNotification.objects.filter(
        id__in=notification_ids, organisation_id=actor.acting_organisation_id, read_at__isnull=True
    ).update(read_at=timezone.now())


def _renormalised_phones(request: TracingRequest) -> Fixed:
    regions = request_phone_regions(request.nationality, request.last_known_country)
    return fixed_numbers(
        request.phones or [], lambda raw: to_e164_digits(raw, default_regions=regions)
    )


# For `compatriot phones normalise`: numbers stored as written before 71aaa80.
PHONE_COLUMNS = (
    Column(
        "tracing.TracingRequest.phones",
        TracingRequest,
        "phones",
        "tracing_request",
        _renormalised_phones,
        # `_search` compares a request with the persons changed since `checked_until` only: its
        # numbers changed, the next re-check compares it with every person.
        reset=(("checked_until", None),),
    ),
)


def names_recheck_reset(*, dry_run: bool) -> int:
    """For `compatriot names normalise`: the active requests whose sought names transliterate
    otherwise since the change of 8 December 2026 (`people.names_again`) have their
    `checked_until` cleared, so that the next re-check compares them with every person (the
    match keys are read from the names then, never stored). How many."""
    ids = [
        pk
        for pk, given, family in TracingRequest.objects.filter(
            status__in=ACTIVE_STATUSES, checked_until__isnull=False
        ).values_list("pk", "given_name", "family_name")
        if any(previous_latin(name) != to_latin(name) for name in (given, family))
    ]
    if not dry_run:
        TracingRequest.objects.filter(pk__in=ids).update(checked_until=None)
    return len(ids)
