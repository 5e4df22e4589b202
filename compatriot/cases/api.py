"""Protection concerns (public and internal), cases, notes, referrals and monitoring."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, field_validator

from compatriot.cases import monitoring, selectors, services
from compatriot.cases.models import Case, Concern, Referral
from compatriot.cases.schemas import (
    AssessmentIn,
    AttachmentOut,
    CaseCloseIn,
    CaseDirectIn,
    CaseEventOut,
    CaseFilter,
    CaseNoteIn,
    CaseNoteOut,
    CaseOut,
    CaseReopenIn,
    CaseStatusIn,
    CaseTransferIn,
    ConcernFilter,
    ConcernFollowIn,
    ConcernIn,
    ConcernOut,
    ConcernPublicStatus,
    ConcernReceipt,
    FollowKey,
    MonitoringFilter,
    MonitoringOut,
    PublicConcernIn,
    Reference,
    ReferralAnswerIn,
    ReferralCompleteIn,
    ReferralDetailOut,
    ReferralIn,
    ReferralOut,
    ReferredPerson,
    TriageIn,
)
from compatriot.core.api import viewer_of
from compatriot.core.errors import InvalidInputError
from compatriot.core.ratelimit import limit
from compatriot.pagination import Page, PageParams

router = Router(tags=["cases"])


def concern_out(concern: Concern) -> dict[str, object]:
    out = {
        name: getattr(concern, name) for name in ConcernOut.model_fields if hasattr(concern, name)
    }
    out["anonymous"] = concern.reported_by_user_id is None
    out["attachments"] = list(concern.attachments.all())
    return out


def case_out(case: Case) -> Case:
    case.is_overdue = case.is_open and case.deadline < timezone.now()  # type: ignore[attr-defined]
    return case


def referral_out(referral: Referral) -> Referral:
    referral.case_reference = referral.case.reference  # type: ignore[attr-defined]
    return referral


# Public: no login ---------------------------------------------------------------------------


def _public_limit(request: HttpRequest, scope: str) -> None:
    per_hour = settings.CASES_PUBLIC_REPORTS_PER_HOUR
    limit(request, scope=scope, per_window=per_hour, window_seconds=3600)


@router.post("/public/concerns", auth=None, response={201: ConcernReceipt})
def report_concern_publicly(request: HttpRequest, data: PublicConcernIn) -> Status:
    """Anyone may report a concern. Keep the receipt: its reference and key are the only way to
    follow it, and they are shown once."""
    if data.website:
        raise InvalidInputError("leave this field empty", field="website")
    _public_limit(request, "concern")
    fields = data.model_dump(exclude={"website"})
    concern, key = services.concern_report(None, data=ConcernIn(**fields))
    return Status(
        201, {"reference": concern.reference, "follow_key": key, "status": concern.status}
    )


@router.post("/public/concerns/status", auth=None, response=ConcernPublicStatus)
def follow_concern(request: HttpRequest, data: ConcernFollowIn) -> dict[str, object]:
    _public_limit(request, "concern-status")
    concern = services.concern_by_follow_key(data.reference, data.follow_key)
    return selectors.concern_public_status(concern)


class AttachmentForm(Schema):
    reference: Reference
    follow_key: FollowKey = Field(repr=False)


@router.post("/public/concerns/attachments", auth=None, response={201: AttachmentOut})
def attach_to_concern(
    request: HttpRequest, form: Form[AttachmentForm], file: File[UploadedFile]
) -> Status:
    _public_limit(request, "concern-attachment")
    attachment = services.attachment_add(
        reference=form.reference,
        follow_key=form.follow_key,
        name=file.name or "",
        stream=file,
        size=file.size,
    )
    return Status(201, attachment)


# Concerns -----------------------------------------------------------------------------------


@router.post("/concerns", response={201: ConcernReceipt})
def report_concern(request: HttpRequest, data: ConcernIn) -> Status:
    concern, key = services.concern_report(viewer_of(request), data=data)
    return Status(
        201, {"reference": concern.reference, "follow_key": key, "status": concern.status}
    )


@router.get("/concerns", response=Page[ConcernOut])
def list_concerns(
    request: HttpRequest, filters: Query[ConcernFilter], page: Query[PageParams]
) -> dict[str, object]:
    count, items = selectors.concern_list(
        viewer_of(request), filters=filters, offset=page.offset, limit=page.limit
    )
    return {
        "count": count,
        "offset": page.offset,
        "limit": page.limit,
        "items": [concern_out(c) for c in items],
    }


@router.get("/concerns/{concern_id}", response=ConcernOut)
def get_concern(request: HttpRequest, concern_id: uuid.UUID) -> dict[str, object]:
    return concern_out(selectors.concern_get(viewer_of(request), concern_id=concern_id))


@router.post("/concerns/{concern_id}/triage", response=list[CaseOut])
def triage_concern(request: HttpRequest, concern_id: uuid.UUID, data: TriageIn) -> list[Case]:
    cases = services.concern_triage(viewer_of(request), concern_id=concern_id, data=data)
    return [case_out(case) for case in cases]


@router.get("/attachments/{attachment_id}/download", response={200: None})
def download_attachment(request: HttpRequest, attachment_id: uuid.UUID) -> FileResponse:
    attachment, path = selectors.attachment_for_download(
        viewer_of(request), attachment_id=attachment_id
    )
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# Cases --------------------------------------------------------------------------------------


@router.post("/cases", response={201: CaseOut})
def open_case(request: HttpRequest, data: CaseDirectIn) -> Status:
    return Status(201, case_out(services.case_open(viewer_of(request), data=data)))


@router.get("/cases", response=Page[CaseOut])
def list_cases(
    request: HttpRequest, filters: Query[CaseFilter], page: Query[PageParams]
) -> dict[str, object]:
    count, items = selectors.case_list(
        viewer_of(request), filters=filters, offset=page.offset, limit=page.limit
    )
    return {
        "count": count,
        "offset": page.offset,
        "limit": page.limit,
        "items": [case_out(c) for c in items],
    }


@router.get("/cases/{case_id}", response=CaseOut)
def get_case(request: HttpRequest, case_id: uuid.UUID) -> Case:
    return case_out(selectors.case_get(viewer_of(request), case_id=case_id))


@router.get("/cases/{case_id}/events", response=list[CaseEventOut])
def case_history(request: HttpRequest, case_id: uuid.UUID) -> list[object]:
    return list(selectors.case_events(viewer_of(request), case_id=case_id))


@router.get("/cases/{case_id}/subject", response=ReferredPerson)
def case_subject(request: HttpRequest, case_id: uuid.UUID) -> dict[str, object]:
    return selectors.case_subject(viewer_of(request), case_id=case_id)


@router.post("/cases/{case_id}/assess", response=CaseOut)
def assess_case(request: HttpRequest, case_id: uuid.UUID, data: AssessmentIn) -> Case:
    return case_out(services.case_assess(viewer_of(request), case_id=case_id, data=data))


@router.post("/cases/{case_id}/status", response=CaseOut)
def set_case_status(request: HttpRequest, case_id: uuid.UUID, data: CaseStatusIn) -> Case:
    return case_out(services.case_set_status(viewer_of(request), case_id=case_id, data=data))


@router.post("/cases/{case_id}/close", response=CaseOut)
def close_case(request: HttpRequest, case_id: uuid.UUID, data: CaseCloseIn) -> Case:
    return case_out(services.case_close(viewer_of(request), case_id=case_id, data=data))


@router.post("/cases/{case_id}/reopen", response=CaseOut)
def reopen_case(request: HttpRequest, case_id: uuid.UUID, data: CaseReopenIn) -> Case:
    return case_out(services.case_reopen(viewer_of(request), case_id=case_id, data=data))


@router.post("/cases/{case_id}/transfer", response=CaseOut)
def transfer_case(request: HttpRequest, case_id: uuid.UUID, data: CaseTransferIn) -> Case:
    return case_out(services.case_transfer(viewer_of(request), case_id=case_id, data=data))


@router.get("/cases/{case_id}/notes", response=list[CaseNoteOut])
def list_case_notes(request: HttpRequest, case_id: uuid.UUID) -> list[object]:
    return list(selectors.case_notes(viewer_of(request), case_id=case_id))


@router.post("/cases/{case_id}/notes", response={201: CaseNoteOut})
def add_case_note(request: HttpRequest, case_id: uuid.UUID, data: CaseNoteIn) -> Status:
    return Status(201, services.case_note_add(viewer_of(request), case_id=case_id, data=data))


# Referrals ----------------------------------------------------------------------------------


@router.post("/cases/{case_id}/referrals", response={201: ReferralOut})
def refer_case(request: HttpRequest, case_id: uuid.UUID, data: ReferralIn) -> Status:
    referral = services.referral_create(viewer_of(request), case_id=case_id, data=data)
    return Status(201, referral_out(referral))


class ReferralListFilter(Schema):
    direction: str = Field(default="all", pattern="^(all|sent|received)$")
    status: str | None = Field(
        default=None, pattern="^(pending|accepted|declined|completed|cancelled)$"
    )


@router.get("/referrals", response=Page[ReferralOut])
def list_referrals(
    request: HttpRequest, filters: Query[ReferralListFilter], page: Query[PageParams]
) -> dict[str, object]:
    count, items = selectors.referral_list(
        viewer_of(request),
        direction=filters.direction,
        status=filters.status,
        offset=page.offset,
        limit=page.limit,
    )
    return {
        "count": count,
        "offset": page.offset,
        "limit": page.limit,
        "items": [referral_out(r) for r in items],
    }


@router.get("/referrals/{referral_id}", response=ReferralDetailOut)
def get_referral(request: HttpRequest, referral_id: uuid.UUID) -> dict[str, object]:
    referral, person = selectors.referral_get(viewer_of(request), referral_id=referral_id)
    out = ReferralOut.model_validate(referral_out(referral)).model_dump()
    out["person"] = person
    return out


@router.get("/referrals/{referral_id}/form", response={200: None})
def referral_form(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    """The referral as a printable inter-agency referral form (HTML, print to PDF)."""
    referral, person = selectors.referral_get(viewer_of(request), referral_id=referral_id)
    html = render_to_string(
        "cases/referral_form.html", {"referral": referral_out(referral), "person": person}
    )
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@router.post("/referrals/{referral_id}/answer", response=ReferralOut)
def answer_referral(
    request: HttpRequest, referral_id: uuid.UUID, data: ReferralAnswerIn
) -> Referral:
    referral = services.referral_answer(viewer_of(request), referral_id=referral_id, data=data)
    return referral_out(referral)


@router.post("/referrals/{referral_id}/complete", response=ReferralOut)
def complete_referral(
    request: HttpRequest, referral_id: uuid.UUID, data: ReferralCompleteIn
) -> Referral:
    referral = services.referral_complete(viewer_of(request), referral_id=referral_id, data=data)
    return referral_out(referral)


@router.post("/referrals/{referral_id}/cancel", response=ReferralOut)
def cancel_referral(request: HttpRequest, referral_id: uuid.UUID) -> Referral:
    return referral_out(services.referral_cancel(viewer_of(request), referral_id=referral_id))


@router.post("/referrals/{referral_id}/withdraw-consent", response=ReferralOut)
def withdraw_referral_consent(request: HttpRequest, referral_id: uuid.UUID) -> Referral:
    referral = services.referral_withdraw_consent(viewer_of(request), referral_id=referral_id)
    return referral_out(referral)


# Monitoring ---------------------------------------------------------------------------------


@router.get("/monitoring", response=MonitoringOut)
def monitoring_figures(request: HttpRequest, filters: Query[MonitoringFilter]) -> dict[str, object]:
    return monitoring.monitoring(viewer_of(request), filters=filters)


class MonthlyReportQuery(Schema):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    crisis: uuid.UUID | None = None

    @field_validator("month")
    @classmethod
    def _real_month(cls, value: str) -> str:
        if not 2000 <= int(value[:4]) <= 2999:
            raise ValueError("must be a month from 2000-01 to 2999-12")
        return value


@router.get("/monitoring/monthly.csv", response={200: None})
def monthly_report(request: HttpRequest, query: Query[MonthlyReportQuery]) -> HttpResponse:
    body = monitoring.monthly_report_csv(viewer_of(request), month=query.month, crisis=query.crisis)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="monitoring-{query.month}.csv"'
    return response
