"""Screens of the directory: diaspora profiles (list, page, create and edit with capacities,
confirm, verify) and the gap map of capacities against registered needs. Thin: reads through
the directory selectors and operators module (scoped), writes through its services."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from compatriot.core.errors import NotFoundError
from compatriot.core.viewer import Viewer
from compatriot.directory import operators, selectors, services
from compatriot.directory.models import CONTACT_FIELDS, DiasporaProfile
from compatriot.directory.schemas import ProfileFilter, ProfileIn
from compatriot.people.models import NeedCategory
from compatriot.web.directory_forms import (
    GapForm,
    ProfileFilterForm,
    ProfileForm,
    apply_errors,
    capacity_formset,
    yes_no,
)
from compatriot.web.labels import label
from compatriot.web.validation import FORM_ERRORS, apply_domain_error
from compatriot.web.workspace import workspace_view

LIST_LIMIT = 200


def _viewer(request: HttpRequest) -> Viewer:
    return request.workspace.viewer  # type: ignore[attr-defined]


@workspace_view
def index(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form = ProfileFilterForm(request.GET or None)
    found = None
    if form.is_bound and not form.is_valid():
        found = []
    else:
        data = form.cleaned_data if form.is_bound else {}
        filters = ProfileFilter(
            kind=data.get("kind") or None,
            country=data.get("country") or None,
            origin_country=data.get("origin_country") or None,
            is_stale=yes_no(data.get("stale", "")),
            verified=yes_no(data.get("verified", "")),
            mine=bool(data.get("mine")),
        )
        found = list(
            operators.profile_table(
                viewer,
                filters=filters,
                origin_community=data.get("origin_community", ""),
                published=yes_no(data.get("published", "")),
            )[: LIST_LIMIT + 1]
        )
    return render(
        request,
        "web/directory/index.html",
        {
            "form": form,
            "profiles": found[:LIST_LIMIT],
            "truncated": len(found) > LIST_LIMIT,
            "can_write": viewer.can_write_people,
        },
    )


def _profile_initial(profile: DiasporaProfile) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    initial = {
        name: getattr(profile, name)
        for name in ProfileForm.base_fields
        if name not in {"languages"} and hasattr(profile, name)
    }
    initial["languages"] = ", ".join(profile.languages)
    capacities = [
        {
            "kind": c.kind,
            "quantity": c.quantity,
            "language": c.language,
            "unit": c.unit,
            "note": c.note,
        }
        for c in profile.capacities.all()
    ]
    return initial, capacities


def _save_profile(
    request: HttpRequest, viewer: Viewer, profile: DiasporaProfile | None
) -> HttpResponse:
    if not viewer.can_write_people:
        raise PermissionDenied(_("Your role may read but not change the directory."))
    if request.method == "POST":
        form = ProfileForm(request.POST)
        capacities = capacity_formset(request.POST)
    elif profile is not None:
        initial, existing = _profile_initial(profile)
        form = ProfileForm(initial=initial)
        capacities = capacity_formset(initial=existing)
    else:
        form, capacities = ProfileForm(), capacity_formset()
    if request.method == "POST" and form.is_valid() and capacities.is_valid():
        rows: list[int] = []
        items: list[dict[str, Any]] = []
        for index, row in enumerate(capacities.forms):
            values = row.values()
            if values is not None:
                rows.append(index)
                items.append(values)
        saved = None
        try:
            data = ProfileIn(**form.values(), capacities=items)
            if profile is None:
                saved = services.profile_create(viewer, data=data)
            else:
                saved = services.profile_replace(viewer, profile_id=profile.id, data=data)
        except ValidationError as error:
            apply_errors(form, {"capacities": (capacities, rows)}, error)
        except FORM_ERRORS as error:
            apply_domain_error(form, error)
        if saved is not None:
            messages.success(request, _("The profile has been saved."))
            return redirect("directory:profile", saved.id)
    return render(
        request,
        "web/directory/profile_form.html",
        {"form": form, "capacities": capacities, "profile": profile},
    )


@workspace_view
def profile_new(request: HttpRequest) -> HttpResponse:
    return _save_profile(request, _viewer(request), None)


def _own(viewer: Viewer, profile_id: uuid.UUID) -> DiasporaProfile:
    profile = selectors.profile_get(viewer, profile_id=profile_id)
    if profile.owner_id != viewer.organisation_id:
        raise NotFoundError("No such profile.")
    return profile


@workspace_view
def profile_edit(request: HttpRequest, profile_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    return _save_profile(request, viewer, _own(viewer, profile_id))


@workspace_view
def profile(request: HttpRequest, profile_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    found = selectors.profile_get(viewer, profile_id=profile_id)
    is_owner = found.owner_id == viewer.organisation_id
    published = set(found.published_contact_fields)
    contacts = [
        (name, getattr(found, name), name in published)
        for name in CONTACT_FIELDS
        if getattr(found, name)
    ]
    return render(
        request,
        "web/directory/profile.html",
        {
            "profile": found,
            "contacts": contacts,
            "is_owner": is_owner,
            "can_edit": is_owner and viewer.can_write_people,
            "can_verify": services.can_verify_profiles(viewer),
            "stale_after_days": services.stale_after_days(),
        },
    )


@require_POST
@workspace_view
def profile_confirm(request: HttpRequest, profile_id: uuid.UUID) -> HttpResponse:
    services.profile_confirm(_viewer(request), profile_id=profile_id)
    messages.success(request, _("Thank you: the profile is confirmed as still accurate."))
    return redirect("directory:profile", profile_id)


@require_POST
@workspace_view
def profile_verify(request: HttpRequest, profile_id: uuid.UUID) -> HttpResponse:
    services.profile_verify(_viewer(request), profile_id=profile_id)
    messages.success(request, _("The profile is verified."))
    return redirect("directory:profile", profile_id)


@workspace_view
def gaps(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    form = GapForm(request.GET or {"need": NeedCategory.SHELTER, "radius_km": 50})
    rows: list[operators.AreaGap] = []
    if workspace.crisis is not None and form.is_valid():
        rows = operators.capacity_gaps(
            workspace.viewer,
            crisis_id=workspace.crisis.id,
            need=form.cleaned_data["need"],
            radius_km=form.cleaned_data["radius_km"],
        )
    need = form.cleaned_data.get("need", NeedCategory.SHELTER) if form.is_valid() else None
    kind = operators.NEED_SUPPLY[need][0] if need else None
    markers = [
        {
            "area": row.admin_area or row.country,
            "persons": row.persons,
            "capacity": row.capacity,
            "services": row.services,
            "gap": row.is_gap,
            "lat": row.latitude,
            "lon": row.longitude,
        }
        for row in rows
        if row.located
    ]
    return render(
        request,
        "web/directory/gaps.html",
        {
            "form": form,
            "crisis": workspace.crisis,
            "rows": rows,
            "need_label": label(NeedCategory, need) if need else "",
            "capacity_kind": kind,
            "markers": markers,
            "map_settings": {
                "tiles": settings.WEB_MAP_TILE_URL,
                "attribution": settings.WEB_MAP_TILE_ATTRIBUTION,
                "labels": {
                    "persons": _("people in need"),
                    "capacity": _("capacity nearby"),
                    "services": _("services nearby"),
                },
            },
        },
    )
