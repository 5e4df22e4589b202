"""Sign-in, sign-out and the choice of organisation and crisis."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from compatriot.web.workspace import choose, workspace_view


@require_POST
@workspace_view
def choose_context(request: HttpRequest) -> HttpResponse:
    choose(
        request,
        organisation_id=request.POST.get("organisation", ""),
        crisis_id=request.POST.get("crisis", ""),
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "web:dashboard"
    return redirect(target)
