"""Run matching for an organisation's open requests against the active offers of the crisis.

Live allocations stay as they are (their people are already held on the offers); the engine
sees only the free places. Each proposal is then written through the same locked path as a
manual allocation, so a place taken meanwhile by another operator is never allocated twice:
that proposal is dropped and counted.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from compatriot.assistance.convert import engine_offer, engine_request
from compatriot.assistance.engine import match
from compatriot.assistance.models import (
    AllocationKind,
    AssistanceRequest,
    MatchingRun,
    MatchingRunStatus,
    Offer,
    OfferStatus,
    RequestStatus,
)
from compatriot.assistance.services import allocate_locked
from compatriot.core.audit import audit_record
from compatriot.core.errors import ConflictError, NotFoundError
from compatriot.core.models import AuditAction, Crisis, Organisation
from compatriot.core.selectors import viewer_for_membership
from compatriot.core.viewer import Viewer

logger = logging.getLogger(__name__)


def start_matching(
    viewer: Viewer, *, crisis_id: uuid.UUID, time_limit: float = 20.0
) -> MatchingRun:
    """Queue a matching run for the caller's organisation (an admin or coordinator). One run at a
    time per organisation and crisis: a second answers 409 while the first is queued or running,
    unless the first was abandoned (older than MATCHING_RUN_TIMEOUT_MINUTES)."""
    viewer.require_organisation_manager()
    organisation_id = viewer.organisation_id
    if organisation_id is None or not Crisis.objects.filter(id=crisis_id).exists():
        raise NotFoundError("No such crisis.", field="crisis_id")
    with transaction.atomic():
        # The organisation's row serialises two operators pressing "Run matching" together.
        Organisation.objects.select_for_update().filter(id=organisation_id).first()
        cutoff = timezone.now() - timedelta(minutes=settings.MATCHING_RUN_TIMEOUT_MINUTES)
        active = MatchingRun.objects.filter(
            crisis_id=crisis_id,
            organisation_id=organisation_id,
            status__in=[MatchingRunStatus.QUEUED, MatchingRunStatus.RUNNING],
        )
        if active.filter(started_at__gte=cutoff).exists():
            raise ConflictError("Matching is already running for this crisis.", field="crisis_id")
        active.update(
            status=MatchingRunStatus.FAILED,
            finished_at=timezone.now(),
            error=f"abandoned: not finished within {settings.MATCHING_RUN_TIMEOUT_MINUTES} minutes",
        )
        run = MatchingRun.objects.create(
            crisis_id=crisis_id,
            organisation_id=organisation_id,
            started_by_id=viewer.user_id,
            status=MatchingRunStatus.QUEUED,
            time_limit=time_limit,
        )
        audit_record(
            viewer,
            action=AuditAction.CREATE,
            object_type="matching_run",
            object_id=run.id,
            details={"time_limit": time_limit},
        )
    return run


def perform_matching(*, run_id: uuid.UUID) -> MatchingRun:
    """Run a queued matching run (in the worker) as the person who started it, with their
    current rights: a member who lost the role meanwhile makes the run fail, not act."""
    with transaction.atomic():
        run = MatchingRun.objects.select_for_update().get(id=run_id)
        if run.status != MatchingRunStatus.QUEUED:
            raise ConflictError("This matching run has already run.", field="run_id")
        run.status = MatchingRunStatus.RUNNING
        run.save(update_fields=["status"])
    try:
        if run.started_by_id is None:
            raise NotFoundError("The person who started this run no longer exists.")
        viewer = viewer_for_membership(
            user_id=run.started_by_id, organisation_id=run.organisation_id, purpose="matching"
        )
        _match(viewer, run)
    except Exception as error:
        logger.exception("assistance: matching run %s failed", run.id)
        run.status, run.error = MatchingRunStatus.FAILED, type(error).__name__
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    return run


def run_matching(viewer: Viewer, *, crisis_id: uuid.UUID, time_limit: float = 20.0) -> MatchingRun:
    """Start a run and perform it here and now (CLI, tests)."""
    run = start_matching(viewer, crisis_id=crisis_id, time_limit=time_limit)
    return perform_matching(run_id=run.id)


def _match(viewer: Viewer, run: MatchingRun) -> None:
    viewer.require_organisation_manager()
    organisation_id, crisis_id = run.organisation_id, run.crisis_id
    requests = list(
        AssistanceRequest.objects.filter(
            crisis_id=crisis_id, organisation_id=organisation_id, status=RequestStatus.OPEN
        )
    )
    now = timezone.now()
    offers = list(
        Offer.objects.filter(
            crisis_id=crisis_id, status=OfferStatus.ACTIVE, held__lt=F("capacity")
        ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )
    result = match(
        [engine_request(r) for r in requests],
        [engine_offer(o, free=o.free) for o in offers],
        time_limit=run.time_limit,
    )
    by_request = {str(r.id): r for r in requests}
    dropped = 0
    with transaction.atomic():
        for proposal in sorted(result.allocations, key=lambda a: a.offer_id):
            request = by_request[proposal.request_id]
            offer = Offer.objects.select_for_update().get(id=proposal.offer_id)
            try:
                with transaction.atomic():
                    allocate_locked(
                        viewer,
                        request,
                        offer,
                        kind=AllocationKind.MATCHED,
                        reason=proposal.reason,
                        distance_km=proposal.distance_km,
                    )
            except ConflictError:
                dropped += 1  # taken meanwhile by another operator
        for unmatched in result.unmatched:
            request = by_request[unmatched.request_id]
            request.blocker, request.blocker_reason = unmatched.blocker, unmatched.reason[:300]
        AssistanceRequest.objects.bulk_update(
            [by_request[u.request_id] for u in result.unmatched], ["blocker", "blocker_reason"]
        )
        s = result.summary
        summary = {
            "requests": s.requests,
            "offers": s.offers,
            "proposed": len(result.allocations) - dropped,
            "dropped_taken_meanwhile": dropped,
            "unmatched": len(result.unmatched),
            "people_served": s.people_served,
            "weighted_served": s.weighted_served,
            "lp_bound": s.lp_bound,
            "people_km": round(s.people_km, 1),
            "seconds": round(s.seconds, 3),
        }
        audit_record(
            viewer,
            action=AuditAction.UPDATE,
            object_type="matching_run",
            object_id=run.id,
            details={"proposed": summary["proposed"]},
        )
        # Done in the same transaction as the allocations: a run is done exactly when they exist.
        run.summary, run.status, run.finished_at = summary, MatchingRunStatus.DONE, timezone.now()
        run.save(update_fields=["summary", "status", "finished_at"])
