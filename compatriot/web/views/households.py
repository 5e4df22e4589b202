"""Register a whole household in one form: shared place and consent, one row per member."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from pydantic import ValidationError

from compatriot.core.viewer import Viewer
from compatriot.people.models import Household
from compatriot.people.schemas import HouseholdIn
from compatriot.people.selectors import household_get
from compatriot.people.services import household_register
from compatriot.web.forms import HouseholdForm, MemberFormSet, consents, person_values
from compatriot.web.validation import FORM_ERRORS, apply_domain_error, apply_schema_errors
from compatriot.web.workspace import workspace_view

SHARED = ("country", "admin_area", "place_name", "journey_stage", "category")


def filled_members(members: forms.BaseFormSet) -> list[tuple[int, dict[str, Any]]]:
    """The rows someone wrote in (blank rows of the no-JavaScript form are skipped)."""
    return [
        (index, form.cleaned_data)
        for index, form in enumerate(members.forms)
        if form.cleaned_data
        and (form.cleaned_data.get("given_name") or form.cleaned_data.get("family_name"))
    ]


def register_household(
    viewer: Viewer,
    *,
    crisis_id: object,
    form: forms.Form,
    members: forms.BaseFormSet,
    source: str,
    consent_method: str,
) -> Household | None:
    """Build the API's HouseholdIn from the form and call the service; errors go on the form."""
    rows = filled_members(members)
    if not rows:
        form.add_error(None, _("Write the name of at least one person."))
        return None
    shared = {name: form.cleaned_data.get(name) for name in SHARED}
    given = consents(form.cleaned_data, method=consent_method)
    member_data = []
    for index, row in rows:
        values = {**person_values({**row, **shared}), "relationship": row["relationship"]}
        if index == rows[0][0] and form.cleaned_data.get("phone"):
            values["phones"] = [form.cleaned_data["phone"]]
        member_data.append({**values, "source": source, "consents": given})
    positions = [index for index, _ in rows]
    try:
        data = HouseholdIn(
            crisis_id=crisis_id, label=form.cleaned_data.get("label", ""), members=member_data
        )
        return household_register(viewer, data=data)
    except ValidationError as error:
        apply_schema_errors(form, error, members=members, member_index=positions)
    except FORM_ERRORS as error:
        apply_domain_error(form, error, members=members, member_index=positions)
    return None


@workspace_view
def household_new(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    form = HouseholdForm(request.POST or None)
    members = MemberFormSet(request.POST or None, prefix="members")
    if request.method == "POST" and form.is_valid() and members.is_valid() and workspace.crisis:
        household = register_household(
            workspace.viewer,
            crisis_id=workspace.crisis.id,
            form=form,
            members=members,
            source="diaspora_volunteer",
            consent_method="verbal",
        )
        if household is not None:
            messages.success(request, _("The household is registered."))
            _household, registered = household_get(workspace.viewer, household_id=household.id)
            return redirect("web:person", person_id=registered[0].id)
    return render(request, "web/household_form.html", {"form": form, "members": members})
