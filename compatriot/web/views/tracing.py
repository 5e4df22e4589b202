"""Screens of family tracing: the requests an organisation handles and the possible matches among
the persons it registered, a new request, a request with its candidates, and a possible match to
ask the person found about. Thin: reads through the tracing selectors (scoped and audited),
writes through its services; the disclosure rules live there, not here."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from pydantic import ValidationError

from compatriot.core.viewer import Viewer
from compatriot.people.schemas import PersonFilter
from compatriot.people.selectors import person_list
from compatriot.tracing import selectors, services
from compatriot.tracing.models import MatchStatus, RequestStatus
from compatriot.tracing.schemas import AnswerIn, TracingCloseIn, TracingFilter, TracingRequestIn
from compatriot.tracing.sealing import unseal
from compatriot.web.tracing_forms import TracingAnswerForm, TracingCloseForm, TracingRequestForm
from compatriot.web.validation import FORM_ERRORS, apply_domain_error, apply_schema_errors
from compatriot.web.workspace import workspace_view


def _viewer(request: HttpRequest) -> Viewer:
    return request.workspace.viewer  # type: ignore[attr-defined]


def _crisis_id(request: HttpRequest) -> uuid.UUID | None:
    crisis = request.workspace.crisis  # type: ignore[attr-defined]
    return crisis.id if crisis else None


def _submit(form: Any, build: Any, call: Any) -> Any:
    if not form.is_valid():
        return None
    try:
        return call(build(form))
    except ValidationError as error:
        apply_schema_errors(form, error)
    except FORM_ERRORS as error:
        apply_domain_error(form, error)
    return None


@workspace_view
def index(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    _, requests = selectors.request_list(
        viewer, filters=TracingFilter(crisis=_crisis_id(request)), limit=100
    )
    _, incoming = selectors.incoming_list(viewer, status=MatchStatus.AWAITING_ANSWER, limit=100)
    notifications = selectors.notification_list(viewer, unread_only=True, limit=20)
    return render(
        request,
        "web/tracing/index.html",
        {"requests": requests, "incoming": incoming, "notifications": notifications},
    )


def _mark_read(
    viewer: Viewer, *, request_id: uuid.UUID | None = None, match_id: uuid.UUID | None = None
) -> None:
    """Opening a request or a match reads the notifications about it."""
    unread = selectors.notification_list(viewer, unread_only=True, limit=200)
    ids = [
        note.id
        for note in unread
        if (request_id and note.request_id == request_id)
        or (match_id and note.match_id == match_id)
    ]
    if ids:
        services.notification_mark_read(viewer, notification_ids=ids)


def _seeker_choices(viewer: Viewer, crisis_id: uuid.UUID | None) -> list[tuple[str, str]]:
    _, persons = person_list(viewer, filters=PersonFilter(crisis=crisis_id), limit=200)
    return [(str(p.id), f"{p.given_name} {p.family_name}".strip()) for p in persons]


@workspace_view
def new(request: HttpRequest) -> HttpResponse:
    viewer, crisis_id = _viewer(request), _crisis_id(request)
    persons = _seeker_choices(viewer, crisis_id) if crisis_id else []
    form = TracingRequestForm(request.POST or None, persons=persons)
    status = 200
    if request.method == "POST":
        created = _submit(
            form,
            lambda f: TracingRequestIn(crisis_id=crisis_id, **f.schema_values()),
            lambda data: services.tracing_request_create(viewer, data=data),
        )
        if created is not None:
            messages.success(request, _("The tracing request is saved."))
            return redirect("tracing:detail", created.id)
        status = 422
    return render(request, "web/tracing/new.html", {"form": form}, status=status)


@workspace_view
def detail(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    form = TracingCloseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if "recheck" in request.POST:
            services.tracing_request_recheck(viewer)
            return redirect("tracing:detail", request_id)
        done = _submit(
            form,
            lambda f: TracingCloseIn(**f.cleaned_data),
            lambda data: services.tracing_request_close(viewer, request_id=request_id, data=data),
        )
        if done is not None:
            messages.success(request, _("The tracing request is closed."))
            return redirect("tracing:detail", request_id)
        status = 422
    found = selectors.request_get(viewer, request_id=request_id)
    _mark_read(viewer, request_id=found.id)
    context = {
        "tracing": found,
        "seeker_contact": unseal(found.seeker_contact_sealed),
        "candidates": selectors.candidate_list(viewer, request_id=request_id),
        "is_active": found.status in (RequestStatus.OPEN, RequestStatus.POSSIBLE_MATCH),
        "can_close": found.status not in (RequestStatus.CLOSED, RequestStatus.WITHDRAWN),
        "form": form,
    }
    return render(request, "web/tracing/detail.html", context, status=status)


@workspace_view
def match(request: HttpRequest, match_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    form = TracingAnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        done = _submit(
            form,
            lambda f: AnswerIn(**f.cleaned_data),
            lambda data: services.tracing_match_answer(viewer, match_id=match_id, data=data),
        )
        if done is not None:
            messages.success(request, _("The answer is recorded."))
            return redirect("tracing:match", match_id)
        status = 422
    found = selectors.incoming_get(viewer, match_id=match_id)
    _mark_read(viewer, match_id=found.id)
    context = {
        "match": found,
        "sought": found.request,
        "awaiting": found.status == MatchStatus.AWAITING_ANSWER and found.request.is_active,
        "form": form,
    }
    return render(request, "web/tracing/match.html", context, status=status)
