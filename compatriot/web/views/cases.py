"""Screens of the cases app: the inbox of concerns, cases and referrals, the concern, case and
referral pages with their actions, and the monitoring page. Thin: reads through the cases
selectors (scoped and audited), writes through its services."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from pydantic import BaseModel, ValidationError

from compatriot.cases import monitoring, selectors, services
from compatriot.cases.models import CaseStatus, ConcernStatus, ReferralStatus
from compatriot.cases.schemas import (
    AssessmentIn,
    CaseCloseIn,
    CaseFilter,
    CaseNoteIn,
    CaseOpenIn,
    CaseReopenIn,
    CaseTransferIn,
    ConcernFilter,
    MonitoringFilter,
    ReferralAnswerIn,
    ReferralCompleteIn,
    ReferralIn,
    TriageIn,
)
from compatriot.core.selectors import organisation_list
from compatriot.core.viewer import Viewer
from compatriot.directory import selectors as directory_selectors
from compatriot.people.schemas import PersonFilter
from compatriot.people.selectors import person_list
from compatriot.web.cases_forms import (
    ACTION_FORMS,
    AnswerForm,
    CompleteForm,
    ReferralForm,
    TransferForm,
    TriageForm,
)
from compatriot.web.validation import FORM_ERRORS, apply_domain_error, apply_schema_errors
from compatriot.web.workspace import workspace_view


def _viewer(request: HttpRequest) -> Viewer:
    return request.workspace.viewer  # type: ignore[attr-defined]


def _crisis_id(request: HttpRequest) -> uuid.UUID | None:
    crisis = request.workspace.crisis  # type: ignore[attr-defined]
    return crisis.id if crisis else None


def _submit(form: forms.Form, build: Any, call: Any) -> Any:
    """Validate `form`, build the schema from it, call the service; errors go on the form."""
    if not form.is_valid():
        return None
    try:
        return call(build(form.cleaned_data))
    except ValidationError as error:
        apply_schema_errors(form, error)
    except FORM_ERRORS as error:
        apply_domain_error(form, error)
    return None


@workspace_view
def inbox(request: HttpRequest) -> HttpResponse:
    viewer, crisis_id = _viewer(request), _crisis_id(request)
    _, concerns = selectors.concern_list(
        viewer, filters=ConcernFilter(status=ConcernStatus.RECEIVED, crisis=crisis_id), limit=50
    )
    _, cases = selectors.case_list(viewer, filters=CaseFilter(crisis=crisis_id), limit=200)
    _, received = selectors.referral_list(viewer, direction="received", status=None, limit=50)
    _, sent = selectors.referral_list(viewer, direction="sent", status=None, limit=50)
    now = timezone.now()
    return render(
        request,
        "web/cases/inbox.html",
        {
            "concerns": concerns,
            "open_cases": [c for c in cases if c.status != CaseStatus.CLOSED],
            "closed_cases": [c for c in cases if c.status == CaseStatus.CLOSED][:20],
            "received": received,
            "sent": sent,
            "now": now,
        },
    )


def _person_choices(viewer: Viewer, crisis_id: uuid.UUID | None) -> list[tuple[str, str]]:
    _, persons = person_list(viewer, filters=PersonFilter(crisis=crisis_id), limit=200)
    return [("", "—")] + [
        (str(p.id), f"{p.given_name} {p.family_name} ({p.nationality or '—'})") for p in persons
    ]


@workspace_view
def concern(request: HttpRequest, concern_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    found = selectors.concern_get(viewer, concern_id=concern_id)
    form = TriageForm(request.POST or None)
    form.fields["person"].choices = _person_choices(viewer, found.crisis_id)  # type: ignore[attr-defined]
    if request.method == "POST":

        def build(data: dict[str, Any]) -> TriageIn:
            cases = []
            if data["person"]:
                cases = [
                    CaseOpenIn(
                        person_id=data["person"],
                        priority=data["priority"],
                        summary=data["summary"] or _("Opened from a concern"),
                    )
                ]
            return TriageIn(
                cases=cases, close_reason=data["close_reason"], public_note=data["public_note"]
            )

        opened = _submit(
            form,
            build,
            lambda data: services.concern_triage(viewer, concern_id=found.id, data=data),
        )
        if opened is not None:
            messages.success(request, _("The concern has been triaged."))
            if opened:
                return redirect("cases:case", opened[0].id)
            return redirect("cases:list")
    return render(request, "web/cases/concern.html", {"concern": found, "form": form})


@workspace_view  # type: ignore[arg-type]  # a file is a streaming response
def attachment(request: HttpRequest, attachment_id: uuid.UUID) -> FileResponse:
    found, path = selectors.attachment_for_download(_viewer(request), attachment_id=attachment_id)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=found.original_name,
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def _organisation_choices(viewer: Viewer) -> list[tuple[str, str]]:
    return [
        (str(o.id), o.name)
        for o in organisation_list(viewer)
        .exclude(id=viewer.acting_organisation_id)
        .order_by("name")
    ]


def _service_choices() -> list[tuple[str, str]]:
    """Active directory services that a platform organisation receives referrals for."""
    found = (
        directory_selectors.services()
        .filter(status="active", organization__managed_by__isnull=False)
        .order_by("name")[:300]
    )
    return [("", "—")] + [(str(s.id), f"{s.name} ({s.organization.name})") for s in found]


def _case_forms(viewer: Viewer, data: Any = None, action: str = "") -> dict[str, forms.Form]:
    built: dict[str, forms.Form] = {}
    for name, form_class in ACTION_FORMS.items():
        form = form_class(data if name == action else None, prefix=name)
        if isinstance(form, ReferralForm | TransferForm):
            form.fields["to_organisation_id"].choices = _organisation_choices(viewer)  # type: ignore[attr-defined]
        if isinstance(form, ReferralForm):
            form.fields["to_service_id"].choices = _service_choices()  # type: ignore[attr-defined]
        built[name] = form
    return built


def _render_case(
    request: HttpRequest, case_id: uuid.UUID, case_forms: dict[str, forms.Form], status: int = 200
) -> HttpResponse:
    viewer = _viewer(request)
    case = selectors.case_get(viewer, case_id=case_id)
    team = viewer.role in services.TEAM_ROLES
    context = {
        "case": case,
        "is_overdue": case.is_open and case.deadline < timezone.now(),
        "events": selectors.case_events(viewer, case_id=case_id),
        "referrals": selectors.case_referrals(viewer, case_id=case_id),
        "team": team,
        "notes": selectors.case_notes(viewer, case_id=case_id) if team else [],
        "subject": selectors.case_subject(viewer, case_id=case_id) if team else None,
        "forms": case_forms,
    }
    return render(request, "web/cases/case.html", context, status=status)


@workspace_view
def case(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _render_case(request, case_id, _case_forms(_viewer(request)))


# Each action of the case page: its schema, its service and what is said when it is done.
_ACTIONS: dict[str, tuple[type[BaseModel], Any, Promise]] = {
    "assess": (AssessmentIn, services.case_assess, gettext_lazy("The assessment is saved.")),
    "note": (CaseNoteIn, services.case_note_add, gettext_lazy("The note is saved.")),
    "close": (CaseCloseIn, services.case_close, gettext_lazy("The case is closed.")),
    "reopen": (CaseReopenIn, services.case_reopen, gettext_lazy("The case is reopened.")),
    "refer": (ReferralIn, services.referral_create, gettext_lazy("The referral is sent.")),
    "transfer": (CaseTransferIn, services.case_transfer, gettext_lazy("The case is transferred.")),
}


@require_POST
@workspace_view
def case_action(request: HttpRequest, case_id: uuid.UUID, action: str) -> HttpResponse:
    viewer = _viewer(request)
    if action not in _ACTIONS:
        return redirect("cases:case", case_id)
    schema, service, done_message = _ACTIONS[action]
    case_forms = _case_forms(viewer, request.POST, action)
    done = _submit(
        case_forms[action],
        lambda data: schema(**{k: v for k, v in data.items() if v not in ("", None)}),
        lambda data: service(viewer, case_id=case_id, data=data),
    )
    if done is None:
        return _render_case(request, case_id, case_forms, status=422)
    messages.success(request, str(done_message))
    if action == "transfer":
        return redirect("cases:list")
    return redirect("cases:case", case_id)


@workspace_view
def referral(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    answer, complete = AnswerForm(prefix="answer"), CompleteForm(prefix="complete")
    status = 200
    if request.method == "POST":
        if "answer-accept" in request.POST:
            answer = AnswerForm(request.POST, prefix="answer")
            done = _submit(
                answer,
                lambda data: ReferralAnswerIn(**data),
                lambda data: services.referral_answer(viewer, referral_id=referral_id, data=data),
            )
        elif "complete-outcome" in request.POST:
            complete = CompleteForm(request.POST, prefix="complete")
            done = _submit(
                complete,
                lambda data: ReferralCompleteIn(**data),
                lambda data: services.referral_complete(viewer, referral_id=referral_id, data=data),
            )
        elif "cancel" in request.POST:
            done = services.referral_cancel(viewer, referral_id=referral_id)
        elif "withdraw" in request.POST:
            done = services.referral_withdraw_consent(viewer, referral_id=referral_id)
        else:
            done = None
        if done is not None:
            messages.success(request, _("The referral is updated."))
            return redirect("cases:referral", referral_id)
        status = 422
    found, person = selectors.referral_get(viewer, referral_id=referral_id)
    return render(
        request,
        "web/cases/referral.html",
        {
            "referral": found,
            "person": person,
            "is_receiver": found.to_organisation_id == viewer.organisation_id,
            "pending": found.status == ReferralStatus.PENDING,
            "accepted": found.status == ReferralStatus.ACCEPTED,
            "answer": answer,
            "complete": complete,
        },
        status=status,
    )


@workspace_view
def referral_form(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    """The printable inter-agency referral form."""
    found, person = selectors.referral_get(_viewer(request), referral_id=referral_id)
    found.case_reference = found.case.reference  # type: ignore[attr-defined]
    html = render_to_string("cases/referral_form.html", {"referral": found, "person": person})
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    return response


def _month(value: str) -> str | None:
    """A YYYY-MM month from the query string, or None for all time."""
    try:
        monitoring.month_bounds(value)
    except ValueError:
        return None
    return value if 2000 <= int(value[:4]) <= 2999 else None


@workspace_view
def monitoring_page(request: HttpRequest) -> HttpResponse:
    """The figures for all time, or for one month (`?month=2026-10`): the printable monthly
    report is this page for a month, printed."""
    viewer, crisis_id = _viewer(request), _crisis_id(request)
    month = _month(request.GET.get("month", ""))
    since, until = monitoring.month_bounds(month) if month else (None, None)
    figures = monitoring.monitoring(
        viewer, filters=MonitoringFilter(crisis=crisis_id, since=since, until=until)
    )
    names = {str(o.id): o.name for o in organisation_list(viewer)}
    for row in figures["by_organisation"]:  # type: ignore[attr-defined]
        row["name"] = names.get(row["key"], "—")
    return render(
        request,
        "web/cases/monitoring.html",
        {
            "figures": figures,
            "month": month,
            "this_month": timezone.now().strftime("%Y-%m"),
        },
    )


@workspace_view
def monthly_csv(request: HttpRequest) -> HttpResponse:
    month = _month(request.GET.get("month", "")) or timezone.now().strftime("%Y-%m")
    body = monitoring.monthly_report_csv(_viewer(request), month=month, crisis=_crisis_id(request))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="monitoring-{month}.csv"'
    return response
