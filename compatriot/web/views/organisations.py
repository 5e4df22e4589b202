"""Organisations and their members: invite a user, change roles, verify organisations."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from compatriot.core.models import Role
from compatriot.core.schemas import MembershipIn, MembershipInvite, MembershipPatch
from compatriot.core.selectors import membership_list, organisation_list
from compatriot.core.services import (
    membership_add,
    membership_invite,
    membership_update,
    organisation_verify,
)
from compatriot.web.labels import choices
from compatriot.web.validation import FORM_ERRORS, apply_domain_error, apply_schema_errors
from compatriot.web.workspace import workspace_view


class InviteForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=choices(Role))


class NewAccountForm(InviteForm):
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)


def invitation_link(request: HttpRequest, user: object) -> str:
    """A link on which the invited person chooses a password. Django's password-reset token:
    it stops working once a password is set, and after PASSWORD_RESET_TIMEOUT."""
    path = reverse(
        "web:invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),  # type: ignore[attr-defined]
            "token": default_token_generator.make_token(user),  # type: ignore[arg-type]
        },
    )
    return request.build_absolute_uri(path)


class InvitationView(PasswordResetConfirmView):
    template_name = "web/invitation.html"
    success_url = reverse_lazy("web:login")


@workspace_view
def organisation(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    viewer = workspace.viewer
    is_new_account = request.POST.get("action") == "invite"
    form = InviteForm(None if is_new_account else request.POST or None)
    new_account = NewAccountForm(request.POST if is_new_account else None, prefix="new")
    if is_new_account and new_account.is_valid():
        try:
            membership = membership_invite(
                viewer,
                organisation_id=viewer.organisation_id,
                data=MembershipInvite(**new_account.cleaned_data),
            )
        except ValidationError as error:
            apply_schema_errors(new_account, error)
        except FORM_ERRORS as error:
            apply_domain_error(new_account, error)
        else:
            return render(
                request,
                "web/invitation_created.html",
                {"link": invitation_link(request, membership.user), "membership": membership},
            )
    if request.method == "POST" and not is_new_account and form.is_valid():
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
            "new_account": new_account,
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
