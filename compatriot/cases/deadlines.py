"""Escalation of overdue cases: a scheduled job brings every open case whose deadline has passed
to its owner organisation's coordinators, once per deadline however often it runs."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from compatriot.cases.models import Case, CaseEvent, CaseEventKind, CaseStatus, Escalation
from compatriot.core.audit import audit_record
from compatriot.core.models import AuditAction, Membership, Role
from compatriot.core.viewer import Viewer

SYSTEM = Viewer(None, None, None, None, purpose="scheduled deadline check")


def _coordinators(organisation_id: uuid.UUID) -> list[int]:
    """Coordinators first; an organisation without any escalates to its admins."""
    for roles in ([Role.COORDINATOR], [Role.ADMIN]):
        users = list(
            Membership.objects.filter(
                organisation_id=organisation_id, role__in=roles, is_active=True
            ).values_list("user_id", flat=True)
        )
        if users:
            return users
    return []


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Escalate every overdue open case not yet escalated for its current deadline."""
    now = now or timezone.now()
    overdue = (
        Case.objects.filter(deadline__lt=now)
        .exclude(status=CaseStatus.CLOSED)
        .exclude(escalations__deadline=F("deadline"))
        .values_list("id", flat=True)
    )
    escalated = 0
    for case_id in list(overdue):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(id=case_id)
            if case.status == CaseStatus.CLOSED or case.deadline >= now:
                continue
            escalation, created = Escalation.objects.get_or_create(
                case=case, deadline=case.deadline, defaults={"escalated_at": now}
            )
            if not created:
                continue
            recipients = _coordinators(case.owner_organisation_id)
            escalation.recipients.set(get_user_model().objects.filter(id__in=recipients))
            case.escalated_at = now
            case.save(update_fields=["escalated_at", "updated_at"])
            CaseEvent.objects.create(
                case=case,
                kind=CaseEventKind.ESCALATED,
                at=now,
                details={"deadline": case.deadline.isoformat(), "recipients": len(recipients)},
            )
            audit_record(
                SYSTEM,
                action=AuditAction.UPDATE,
                object_type="case",
                object_id=case.id,
                details={"escalated": True, "recipients": len(recipients)},
            )
            escalated += 1
    return escalated
