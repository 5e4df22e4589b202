"""Run matching for an organisation's open requests against the active offers of the crisis.

Live allocations stay as they are (their people are already held on the offers); the engine
sees only the free places. Each proposal is then written through the same locked path as a
manual allocation, so a place taken meanwhile by another operator is never allocated twice:
that proposal is dropped and counted.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from compatriot.assistance.convert import engine_offer, engine_request
from compatriot.assistance.engine import match
from compatriot.assistance.models import (
    AllocationKind,
    AssistanceRequest,
    MatchingRun,
    Offer,
    OfferStatus,
    RequestStatus,
)
from compatriot.assistance.services import allocate_locked
from compatriot.core.audit import audit_record
from compatriot.core.errors import ConflictError, NotFoundError
from compatriot.core.models import AuditAction, Crisis
from compatriot.core.viewer import Viewer


def run_matching(viewer: Viewer, *, crisis_id: uuid.UUID, time_limit: float = 20.0) -> MatchingRun:
    viewer.require_organisation_manager()
    organisation_id = viewer.organisation_id
    if organisation_id is None:
        raise NotFoundError("No such crisis.", field="crisis_id")
    crisis = Crisis.objects.filter(id=crisis_id).first()
    if crisis is None:
        raise NotFoundError("No such crisis.", field="crisis_id")
    requests = list(
        AssistanceRequest.objects.filter(
            crisis=crisis, organisation_id=organisation_id, status=RequestStatus.OPEN
        )
    )
    now = timezone.now()
    offers = list(
        Offer.objects.filter(
            crisis=crisis, status=OfferStatus.ACTIVE, held__lt=F("capacity")
        ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )
    result = match(
        [engine_request(r) for r in requests],
        [engine_offer(o, free=o.free) for o in offers],
        time_limit=time_limit,
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
        run = MatchingRun.objects.create(
            crisis=crisis,
            organisation_id=organisation_id,
            started_by_id=viewer.user_id,
            summary={
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
            },
        )
        audit_record(
            viewer,
            action=AuditAction.CREATE,
            object_type="matching_run",
            object_id=run.id,
            details={"proposed": run.summary["proposed"]},
        )
    return run
