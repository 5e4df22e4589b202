"""The person registry: search, person page, and the forms that register and edit people."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from compatriot.core.selectors import audit_history
from compatriot.people.models import NeedStatus
from compatriot.people.schemas import HouseholdPatch, PersonFilter, PersonIn, PersonPatch
from compatriot.people.selectors import household_get, person_get, person_group, person_list
from compatriot.people.services import household_update, person_register, person_update
from compatriot.web.forms import PersonEditForm, PersonForm, SearchForm, consents, person_values
from compatriot.web.labels import choices
from compatriot.web.validation import FORM_ERRORS, apply_domain_error, apply_schema_errors
from compatriot.web.views.details import NeedForm, VulnerabilityForm
from compatriot.web.workspace import workspace_view

PAGE_SIZE = 25


def _filters(form: SearchForm, crisis_id: uuid.UUID | None) -> PersonFilter | None:
    values = {name: value for name, value in form.cleaned_data.items() if value and name != "page"}
    try:
        return PersonFilter(crisis=crisis_id, **values)
    except ValidationError as error:
        apply_schema_errors(form, error)
        return None


@workspace_view
def registry(request: HttpRequest) -> HttpResponse:
    """GET shows the newest people; a search is a POST (names never go in the URL)."""
    workspace = request.workspace  # type: ignore[attr-defined]
    form = SearchForm(request.POST if request.method == "POST" else None)
    crisis_id = workspace.crisis.id if workspace.crisis else None
    filters = PersonFilter(crisis=crisis_id)
    page_number = 1
    if form.is_bound and form.is_valid():
        page_number = form.cleaned_data.get("page") or 1
        filters = _filters(form, crisis_id) or filters
    total, persons = person_list(
        workspace.viewer, filters=filters, offset=(page_number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    page = Paginator(range(total), PAGE_SIZE).get_page(page_number)
    template = (
        "web/partials/results.html" if request.headers.get("HX-Request") else "web/registry.html"
    )
    return render(
        request, template, {"form": form, "persons": persons, "total": total, "page": page}
    )


@workspace_view
def person_detail(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    viewer = request.workspace.viewer  # type: ignore[attr-defined]
    person = person_get(viewer, person_id=person_id)
    household, members = (
        household_get(viewer, household_id=person.household_id)
        if person.household_id
        else (None, [])
    )
    history = audit_history(viewer, object_type="person", object_id=person.id)
    group = person_group(viewer, person=person)
    return render(
        request,
        "web/person.html",
        {
            "person": person,
            "household": household,
            "members": members,
            "history": history,
            "group": group,
            "can_edit": person.registered_by_id == viewer.organisation_id
            and viewer.can_write_people,
            "need_form": NeedForm(auto_id="need_%s"),
            "vulnerability_form": VulnerabilityForm(auto_id="vulnerability_%s"),
            "statuses": choices(NeedStatus),
        },
    )


def _household_id(request: HttpRequest) -> uuid.UUID | None:
    """The household a new person joins: its id may travel in the URL (it names nobody)."""
    try:
        return uuid.UUID(request.GET.get("household", ""))
    except ValueError:
        return None


@workspace_view
def person_new(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    household_id = _household_id(request)
    household = (
        household_get(workspace.viewer, household_id=household_id)[0] if household_id else None
    )
    form = PersonForm(request.POST or None, joins_household=household is not None)
    if request.method == "POST" and form.is_valid() and workspace.crisis:
        values = person_values(form.cleaned_data)
        try:
            data = PersonIn(
                crisis_id=household.crisis_id if household else workspace.crisis.id,
                household_id=household.id if household else None,
                relationship=form.cleaned_data.get("relationship") if household else None,
                source="diaspora_volunteer",
                consents=consents(form.cleaned_data, method="verbal"),
                **values,
            )
            person = person_register(workspace.viewer, data=data)
        except ValidationError as error:
            apply_schema_errors(form, error)
        except FORM_ERRORS as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The person is registered."))
            return redirect("web:person", person_id=person.id)
    return render(
        request, "web/person_form.html", {"form": form, "is_new": True, "household": household}
    )


@require_POST
@workspace_view
def household_rename(request: HttpRequest, household_id: uuid.UUID) -> HttpResponse:
    viewer = request.workspace.viewer  # type: ignore[attr-defined]
    try:
        household_update(
            viewer,
            household_id=household_id,
            data=HouseholdPatch(label=request.POST.get("label", "")),
        )
    except ValidationError:
        messages.error(request, _("Choose a value from the list."))
    else:
        messages.success(request, _("The changes are saved."))
    try:
        return redirect("web:person", person_id=uuid.UUID(request.POST.get("person", "")))
    except ValueError:
        return redirect("web:registry")


@workspace_view
def person_edit(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    viewer = request.workspace.viewer  # type: ignore[attr-defined]
    person = person_get(viewer, person_id=person_id)
    initial = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "sex": person.sex,
        "birth_date": _birth_date_text(person),
        "nationality": ", ".join(person.nationalities),
        "country": person.country,
        "admin_area": person.admin_area,
        "place_name": person.place_name,
        "phone": person.phones[0] if person.phones else "",
        "email": person.email,
        "journey_stage": person.journey_stage,
        "category": person.category,
        "version": person.version,
    }
    form = PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = person_values(form.cleaned_data)
        for name in ("vulnerabilities", "needs"):
            values.pop(name)
        values.setdefault("country", None)
        try:
            data = PersonPatch(version=form.cleaned_data["version"], **values)
            person_update(viewer, person_id=person.id, data=data)
        except ValidationError as error:
            apply_schema_errors(form, error)
        except FORM_ERRORS as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("web:person", person_id=person.id)
    return render(request, "web/person_form.html", {"form": form, "person": person})


def _birth_date_text(person: object) -> str:
    birth_date = getattr(person, "birth_date", None)
    if birth_date is None:
        return ""
    width = {"year": 4, "month": 7}.get(getattr(person, "birth_date_precision", ""), 10)
    return birth_date.isoformat()[:width]
