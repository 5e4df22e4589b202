"""Changes to a person's needs, vulnerabilities and consent, from the person page.

Each is a small POST form that redirects back to the person page (works without JavaScript)."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from compatriot.people.models import NeedCategory, NeedStatus, Urgency, VulnerabilityCode
from compatriot.people.schemas import NeedIn, NeedPatch, VulnerabilityIn
from compatriot.people.services import (
    consent_withdraw,
    need_add,
    need_update,
    vulnerability_add,
    vulnerability_remove,
)
from compatriot.web.labels import choices
from compatriot.web.validation import FORM_ERRORS
from compatriot.web.workspace import workspace_view


class NeedForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Need"), choices=choices(NeedCategory))
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"), choices=choices(Urgency), initial=Urgency.MEDIUM
    )


class VulnerabilityForm(forms.Form):
    code = forms.ChoiceField(
        label=gettext_lazy("Vulnerability"), choices=choices(VulnerabilityCode)
    )


def _back(
    request: HttpRequest, person_id: uuid.UUID, done: str, error: Exception | None
) -> HttpResponse:
    if error is None:
        messages.success(request, done)
    else:
        messages.error(
            request, getattr(error, "message", None) or _("Choose a value from the list.")
        )
    return redirect("web:person", person_id=person_id)


@require_POST
@workspace_view
def need_new(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    viewer = request.workspace.viewer  # type: ignore[attr-defined]
    form = NeedForm(request.POST)
    error: Exception | None = None
    if not form.is_valid():
        return _back(request, person_id, "", ValueError())
    try:
        need_add(viewer, person_id=person_id, data=NeedIn(**form.cleaned_data))
    except (ValidationError, *FORM_ERRORS) as caught:
        error = caught
    return _back(request, person_id, _("The need is added."), error)


@require_POST
@workspace_view
def need_status(request: HttpRequest, person_id: uuid.UUID, need_id: uuid.UUID) -> HttpResponse:
    viewer = request.workspace.viewer  # type: ignore[attr-defined]
    error: Exception | None = None
    try:
        data = NeedPatch(status=NeedStatus(request.POST.get("status", "")))
        need_update(viewer, person_id=person_id, need_id=need_id, data=data)
    except (ValueError, *FORM_ERRORS) as caught:
        error = caught
    return _back(request, person_id, _("The changes are saved."), error)


@require_POST
@workspace_view
def vulnerability_new(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    viewer = request.workspace.viewer  # type: ignore[attr-defined]
    form = VulnerabilityForm(request.POST)
    error: Exception | None = None
    if not form.is_valid():
        return _back(request, person_id, "", ValueError())
    try:
        vulnerability_add(viewer, person_id=person_id, data=VulnerabilityIn(**form.cleaned_data))
    except (ValidationError, *FORM_ERRORS) as caught:
        error = caught
    return _back(request, person_id, _("The vulnerability is added."), error)


@require_POST
@workspace_view
def vulnerability_delete(request: HttpRequest, person_id: uuid.UUID, code: str) -> HttpResponse:
    viewer = request.workspace.viewer  # type: ignore[attr-defined]
    vulnerability_remove(viewer, person_id=person_id, code=code)
    return _back(request, person_id, _("The vulnerability is removed."), None)


@require_POST
@workspace_view
def consent_end(request: HttpRequest, person_id: uuid.UUID, consent_id: uuid.UUID) -> HttpResponse:
    viewer = request.workspace.viewer  # type: ignore[attr-defined]
    consent_withdraw(viewer, person_id=person_id, consent_id=consent_id)
    return _back(request, person_id, _("The consent is withdrawn."), None)
