"""Creating and editing requests and offers. Each form builds the API's own schema (`RequestIn`,
`RequestPatch`, `OfferIn`, `OfferPatch`) and calls the assistance service, so the screen and the
API validate the same way; every error comes back on the field it names."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from compatriot.assistance import selectors, services
from compatriot.assistance.models import Offer, RequestStatus
from compatriot.assistance.schemas import OfferIn, OfferPatch, RequestIn, RequestPatch
from compatriot.core.errors import NotFoundError
from compatriot.core.viewer import Viewer
from compatriot.people.models import NeedCategory, NeedStatus, Urgency
from compatriot.people.schemas import PersonFilter
from compatriot.people.selectors import person_get, person_list
from compatriot.web.assistance_forms import (
    NEED_TO_CATEGORY,
    OfferEditForm,
    OfferForm,
    RequestEditForm,
    RequestForm,
)
from compatriot.web.labels import label
from compatriot.web.validation import FORM_ERRORS, apply_domain_error, apply_schema_errors
from compatriot.web.workspace import workspace_view


def _viewer(request: HttpRequest) -> Viewer:
    return request.workspace.viewer  # type: ignore[attr-defined]


def _crisis_id(request: HttpRequest) -> uuid.UUID:
    crisis = request.workspace.crisis  # type: ignore[attr-defined]
    if crisis is None:
        raise NotFoundError("No crisis chosen.")
    return crisis.id


def _save(form: forms.Form, build: Callable[[dict[str, Any]], Any], call: Any) -> Any:
    """Validate, build the schema, call the service; errors go on the named fields. A person
    or need that is not found (or not in scope) is an error on its field, as absent."""
    if not form.is_valid():
        return None
    try:
        return call(build(form.schema_data()))  # type: ignore[attr-defined]
    except ValidationError as error:
        apply_schema_errors(form, error)
    except FORM_ERRORS as error:
        apply_domain_error(form, error)
    except NotFoundError as error:
        if error.field not in {"person_id", "need_id"}:
            raise
        form.add_error(error.field, _("Not found."))
    return None


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


def _person_choices(
    viewer: Viewer, crisis_id: uuid.UUID, person_id: uuid.UUID | None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, Any]]:
    """(person choices, need choices, initial values). With a person given (from the person
    page), only that person, their open needs, and the first need's category and urgency."""
    initial: dict[str, Any] = {}
    if person_id is not None:
        person = person_get(viewer, person_id=person_id)  # 404 outside the caller's scope
        needs = [
            n for n in person.needs.all() if n.status in (NeedStatus.OPEN, NeedStatus.IN_PROGRESS)
        ]
        persons = [(str(person.id), f"{person.given_name} {person.family_name}")]
        need_choices = [("", "—")] + [
            (str(n.id), f"{label_of_need(n.category)} ({label_of_urgency(n.urgency)})")
            for n in needs
        ]
        initial["person_id"] = str(person.id)
        if needs:
            initial.update(
                need_id=str(needs[0].id),
                category=NEED_TO_CATEGORY.get(needs[0].category, ""),
                urgency=needs[0].urgency,
            )
        return persons, need_choices, initial
    _, found = person_list(viewer, filters=PersonFilter(crisis=crisis_id), limit=200)
    persons = [("", "—")] + [
        (str(p.id), f"{p.given_name} {p.family_name} ({p.nationality or '—'})") for p in found
    ]
    return persons, [("", "—")], initial


def label_of_need(code: str) -> str:
    return str(label(NeedCategory, code))


def label_of_urgency(code: str) -> str:
    return str(label(Urgency, code))


@workspace_view
def request_new(request: HttpRequest) -> HttpResponse:
    """A request entered directly, or for a registered person (`?person=<id>`: their household,
    from one of their needs)."""
    viewer, crisis_id = _viewer(request), _crisis_id(request)
    viewer.require_people_write()
    person_id = _uuid(request.GET.get("person") or request.POST.get("person_id"))
    persons, needs, initial = _person_choices(viewer, crisis_id, person_id)
    form = RequestForm(request.POST or None, initial=initial)
    form.fields["person_id"].choices = persons  # type: ignore[attr-defined]
    form.fields["need_id"].choices = needs  # type: ignore[attr-defined]
    if request.method == "POST":
        created = _save(
            form,
            lambda data: RequestIn(crisis_id=crisis_id, **data),
            lambda data: services.request_create(viewer, data=data),
        )
        if created is not None:
            messages.success(request, _("The request is saved."))
            return redirect("assistance:request", created.id)
    status = 422 if form.is_bound else 200
    return render(
        request,
        "web/assistance/request_form.html",
        {"form": form, "title": _("New request")},
        status=status,
    )


def _local(value: Any) -> Any:
    """A stored time as the datetime-local input shows it."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else None


@workspace_view
def request_edit(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    viewer.require_people_write()
    found = selectors.request_get(viewer, request_id=request_id)
    if found.status != RequestStatus.OPEN:
        messages.error(request, _("Only an open request can be changed: cancel its allocation."))
        return redirect("assistance:request", found.id)
    initial = {
        "category": found.category,
        "people": found.people,
        "latitude": found.latitude,
        "longitude": found.longitude,
        "destination_latitude": found.destination_latitude,
        "destination_longitude": found.destination_longitude,
        "languages": ", ".join(found.languages),
        "earliest": _local(found.earliest),
        "latest": _local(found.latest),
        "requirements": found.requirements,
    }
    form = RequestEditForm(request.POST or None, initial=initial)
    if request.method == "POST":
        changed = _save(
            form,
            lambda data: RequestPatch(**data),
            lambda data: services.request_update(viewer, request_id=found.id, data=data),
        )
        if changed is not None:
            messages.success(request, _("The request is saved."))
            return redirect("assistance:request", found.id)
    return render(
        request,
        "web/assistance/request_form.html",
        {"form": form, "title": _("Change the request"), "item": found},
        status=422 if form.is_bound else 200,
    )


@workspace_view
def offer_new(request: HttpRequest) -> HttpResponse:
    viewer, crisis_id = _viewer(request), _crisis_id(request)
    viewer.require_people_write()
    form = OfferForm(request.POST or None)
    if request.method == "POST":
        created = _save(
            form,
            lambda data: OfferIn(crisis_id=crisis_id, **data),
            lambda data: services.offer_create(viewer, data=data),
        )
        if created is not None:
            messages.success(request, _("The offer is saved."))
            return redirect("assistance:offer", created.id)
    return render(
        request,
        "web/assistance/offer_form.html",
        {"form": form, "title": _("New offer")},
        status=422 if form.is_bound else 200,
    )


def _own_offer(viewer: Viewer, offer_id: uuid.UUID) -> Offer:
    offer = selectors.offer_get(viewer, offer_id=offer_id)
    if offer.organisation_id != viewer.organisation_id:
        raise NotFoundError("No such offer.", field="offer_id")
    return offer


@workspace_view
def offer_edit(request: HttpRequest, offer_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    viewer.require_people_write()
    offer = _own_offer(viewer, offer_id)
    tags = [t for t in offer.tags if t in {"wheelchair", "women_only", "child_friendly", "pets"}]
    initial = {
        "capacity": offer.capacity,
        "radius_km": offer.radius_km,
        "languages": ", ".join(offer.languages),
        "available_from": _local(offer.available_from),
        "available_until": _local(offer.available_until),
        "tags": tags,
        "other_tags": ", ".join(t for t in offer.tags if t not in tags),
        "expires_at": _local(offer.expires_at),
    }
    form = OfferEditForm(request.POST or None, initial=initial)
    if request.method == "POST":
        changed = _save(
            form,
            lambda data: OfferPatch(**data),
            lambda data: services.offer_update(viewer, offer_id=offer.id, data=data),
        )
        if changed is not None:
            messages.success(request, _("The offer is saved."))
            return redirect("assistance:offer", offer.id)
    return render(
        request,
        "web/assistance/offer_form.html",
        {"form": form, "title": _("Change the offer"), "offer": offer},
        status=422 if form.is_bound else 200,
    )
