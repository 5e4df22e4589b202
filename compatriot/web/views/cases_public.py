"""Public pages of the cases app: report a protection concern, and follow it.

No sign-in; the forms work without JavaScript. The receipt shows only what the platform made
(the reference and the private key), never what the visitor wrote; the status page shows progress,
never anyone's personal data. Rate limits, CSRF and a honeypot, as on the other public pages.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from pydantic import ValidationError

from compatriot.cases import selectors, services
from compatriot.cases.schemas import ConcernFollowIn, ConcernIn
from compatriot.core.errors import NotFoundError
from compatriot.core.ratelimit import TooManyRequestsError, limit
from compatriot.core.selectors import crisis_get
from compatriot.core.viewer import Viewer
from compatriot.web.cases_forms import ConcernForm, FollowForm
from compatriot.web.validation import FORM_ERRORS, apply_domain_error, apply_schema_errors

PUBLIC = Viewer(None, None, None, None, False, "public page")


def _limited(request: HttpRequest, scope: str) -> bool:
    try:
        limit(
            request,
            scope=f"web-{scope}",
            per_window=settings.CASES_PUBLIC_REPORTS_PER_HOUR,
            window_seconds=3600,
        )
    except TooManyRequestsError:
        return True
    return False


@never_cache
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, crisis_id: uuid.UUID) -> HttpResponse:
    try:
        crisis = crisis_get(PUBLIC, crisis_id=crisis_id)
    except NotFoundError as error:
        raise Http404(error.message) from error
    form = ConcernForm(request.POST or None)
    if request.method == "POST":
        if _limited(request, "concern"):
            return render(request, "web/public/limited.html", status=429)
        if form.is_valid():
            if form.cleaned_data["website"]:  # only robots fill in the hidden field
                return render(request, "web/public/thanks.html")
            values = {k: v for k, v in form.cleaned_data.items() if k != "website"}
            try:
                concern, key = services.concern_report(
                    None, data=ConcernIn(crisis_id=crisis.id, **values)
                )
            except ValidationError as error:
                apply_schema_errors(form, error)
            except FORM_ERRORS as error:
                apply_domain_error(form, error)
            else:
                return render(
                    request,
                    "web/cases/public_receipt.html",
                    {"reference": concern.reference, "follow_key": key},
                )
    return render(request, "web/cases/public_report.html", {"crisis": crisis, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest) -> HttpResponse:
    """The reporter's status page: reference and key are typed in (or filled in from the private
    link's #fragment by a line of script), and sent by POST, never in the URL."""
    form = FollowForm(request.POST or None)
    status = None
    if request.method == "POST":
        if _limited(request, "concern-status"):
            return render(request, "web/public/limited.html", status=429)
        if form.is_valid():
            try:
                data = ConcernFollowIn(**form.cleaned_data)
                status = selectors.concern_public_status(
                    services.concern_by_follow_key(data.reference, data.follow_key)
                )
            except ValidationError as error:
                apply_schema_errors(form, error)
            except NotFoundError:
                form.add_error(None, _("No concern matches this reference and key."))
    return render(request, "web/cases/public_status.html", {"form": form, "status": status})
