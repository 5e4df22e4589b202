"""Public pages: a crisis's landing page, self-registration and "I need help".

No sign-in. Forms work without JavaScript. Nothing a visitor submits is ever shown back, to them
or to anyone: a successful submission redirects to a fixed thank-you page.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from pydantic import ValidationError

from compatriot.core.errors import NotFoundError
from compatriot.core.models import Crisis
from compatriot.core.selectors import (
    crisis_get,
    crisis_list,
    verified_organisation_list,
    viewer_for_public_intake,
)
from compatriot.core.viewer import Viewer
from compatriot.people.schemas import PersonIn
from compatriot.people.services import person_register
from compatriot.web.forms import (
    HelpRequestForm,
    PublicMemberFormSet,
    SelfRegistrationForm,
    person_values,
)
from compatriot.web.ratelimit import allow
from compatriot.web.validation import FORM_ERRORS, apply_domain_error, apply_schema_errors
from compatriot.web.views.households import register_household

PUBLIC = Viewer(None, None, None, None, False, "public page")


def _intake() -> Viewer | None:
    return viewer_for_public_intake(
        organisation_name=settings.WEB_PUBLIC_INTAKE_ORGANISATION, purpose="self-registration"
    )


def _crisis(crisis_id: uuid.UUID) -> Crisis:
    try:
        return crisis_get(PUBLIC, crisis_id=crisis_id)
    except NotFoundError as error:
        raise Http404(error.message) from error


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/public/index.html", {"crises": crisis_list(PUBLIC)})


def landing(request: HttpRequest, crisis_id: uuid.UUID) -> HttpResponse:
    crisis = _crisis(crisis_id)
    organisations = verified_organisation_list(countries=list(crisis.affected_countries))
    return render(
        request,
        "web/public/landing.html",
        {"crisis": crisis, "organisations": organisations, "is_open": _intake() is not None},
    )


def _limited(request: HttpRequest) -> HttpResponse:
    return render(request, "web/public/limited.html", status=429)


@require_http_methods(["GET", "POST"])
def self_register(request: HttpRequest, crisis_id: uuid.UUID) -> HttpResponse:
    crisis = _crisis(crisis_id)
    intake = _intake()
    form = SelfRegistrationForm(request.POST or None)
    members = PublicMemberFormSet(request.POST or None, prefix="members")
    if request.method == "POST" and intake is not None:
        if not allow(request, "register"):
            return _limited(request)
        if form.is_valid() and members.is_valid():
            if form.is_robot:
                return redirect("web:public_thanks")
            household = register_household(
                intake,
                crisis_id=crisis.id,
                form=form,
                members=members,
                source="self",
                consent_method="digital",
            )
            if household is not None:
                return redirect("web:public_thanks")
    return render(
        request,
        "web/public/register.html",
        {"crisis": crisis, "form": form, "members": members, "is_open": intake is not None},
    )


@require_http_methods(["GET", "POST"])
def need_help(request: HttpRequest, crisis_id: uuid.UUID) -> HttpResponse:
    crisis = _crisis(crisis_id)
    intake = _intake()
    form = HelpRequestForm(request.POST or None)
    if request.method == "POST" and intake is not None:
        if not allow(request, "help"):
            return _limited(request)
        if form.is_valid():
            if form.is_robot:
                return redirect("web:public_thanks")
            values = person_values(form.cleaned_data)
            values["needs"] = [
                {"category": form.cleaned_data["need"], "details": form.cleaned_data["details"]}
            ]
            try:
                data = PersonIn(
                    crisis_id=crisis.id,
                    source="self",
                    consents=[{"scope": "registration", "method": "digital"}],
                    **values,
                )
                person_register(intake, data=data)
            except ValidationError as error:
                apply_schema_errors(form, error)
            except FORM_ERRORS as error:
                apply_domain_error(form, error)
            else:
                return redirect("web:public_thanks")
    return render(
        request,
        "web/public/help.html",
        {"crisis": crisis, "form": form, "is_open": intake is not None},
    )


def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "web/public/thanks.html")
