"""Organisations and their members: invite a user, change roles, verify organisations."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from compatriot.core.models import Role
from compatriot.core.schemas import MembershipIn, MembershipPatch
from compatriot.core.selectors import membership_list, organisation_list
from compatriot.core.services import membership_add, membership_update, organisation_verify
from compatriot.web.labels import choices
from compatriot.web.validation import FORM_ERRORS, apply_domain_error, apply_schema_errors
from compatriot.web.workspace import workspace_view


class InviteForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=choices(Role))


@workspace_view
def organisation(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    viewer = workspace.viewer
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership_add(
                viewer,
                organisation_id=viewer.organisation_id,
                data=MembershipIn(**form.cleaned_data),
            )
        except ValidationError as error:
            apply_schema_errors(form, error)
        except FORM_ERRORS as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The user is now a member."))
            return redirect("web:organisation")
    return render(
        request,
        "web/organisation.html",
        {
            "form": form,
            "organisation": workspace.membership.organisation,
            "members": membership_list(viewer, organisation_id=viewer.organisation_id),
            "organisations": organisation_list(viewer) if viewer.is_platform_admin else [],
            "roles": choices(Role),
            "can_admin": viewer.role == Role.ADMIN,
        },
    )


@require_POST
@workspace_view
def member_role(request: HttpRequest, membership_id: uuid.UUID) -> HttpResponse:
    viewer = request.workspace.viewer  # type: ignore[attr-defined]
    try:
        membership_update(
            viewer,
            organisation_id=viewer.organisation_id,
            membership_id=membership_id,
            data=MembershipPatch(role=request.POST.get("role")),
        )
    except ValidationError:
        messages.error(request, _("Choose a role from the list."))
    else:
        messages.success(request, _("The role is changed."))
    return redirect("web:organisation")


@require_POST
@workspace_view
def organisation_verification(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    viewer = request.workspace.viewer  # type: ignore[attr-defined]
    organisation_verify(
        viewer, organisation_id=organisation_id, is_verified=request.POST.get("verified") == "1"
    )
    messages.success(request, _("The verification is saved."))
    return redirect("web:organisation")
