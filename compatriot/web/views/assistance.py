"""The matching board: open requests and offers in lists and on a map, the last matching run,
proposals to review with why each was chosen, and what blocked each unmatched request. Reads go
through the assistance selectors (scoped: a request of another organisation, or a person the
caller may not see, is never shown), writes through its services and `matching.run_matching`.
The request and offer forms are in assistance_edit.py."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from compatriot.assistance import matching, selectors, services, tasks
from compatriot.assistance.models import (
    Allocation,
    AllocationStatus,
    AssistanceRequest,
    MatchingRunStatus,
    Offer,
    OfferStatus,
    RequestStatus,
)
from compatriot.assistance.schemas import BoardFilter, PriorityIn
from compatriot.core.errors import ConflictError, InvalidInputError, NotFoundError
from compatriot.core.viewer import Viewer
from compatriot.web.assistance_forms import AllocateForm, BoardFilterForm, PriorityForm
from compatriot.web.assistance_labels import assistance_label
from compatriot.web.validation import FORM_ERRORS, apply_domain_error, apply_schema_errors
from compatriot.web.workspace import workspace_view

LIST_LIMIT = 300


def _viewer(request: HttpRequest) -> Viewer:
    return request.workspace.viewer  # type: ignore[attr-defined]


def _crisis_id(request: HttpRequest) -> uuid.UUID | None:
    crisis = request.workspace.crisis  # type: ignore[attr-defined]
    return crisis.id if crisis else None


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to the board page the form came from (only pages of the board)."""
    target = request.POST.get("next", "")
    if target.startswith("/workspace/assistance/") and "//" not in target:
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


def why(allocation: Allocation) -> list[str]:
    """Why this allocation: the parts of the engine's sentence, in the page's language."""
    request, offer = allocation.request, allocation.offer
    parts = [
        _("Priority %(priority)s (weight %(weight)s) × %(people)s people")
        % {
            "priority": request.priority,
            "weight": 1 << (request.priority - 1),  # 2^(p-1), as the engine
            "people": allocation.people,
        }
    ]
    if allocation.distance_km is not None:
        parts.append(
            _("%(km)s km from the offer (radius %(radius)s km)")
            % {"km": f"{allocation.distance_km:.1f}", "radius": f"{offer.radius_km:g}"}
        )
    shared = sorted(set(request.languages) & set(offer.languages))
    if shared:
        parts.append(_("Shared language: %(languages)s") % {"languages": ", ".join(shared)})
    if request.requirements:
        met = ", ".join(str(assistance_label(r, "requirement")) for r in request.requirements)
        parts.append(_("Requirements met: %(requirements)s") % {"requirements": met})
    parts.append(str(assistance_label(allocation.kind, "allocation_kind")))
    return parts


def _markers(
    requests: list[AssistanceRequest], offers: list[Offer], viewer: Viewer
) -> list[dict[str, Any]]:
    """Map markers: no names and no person, only what the lists show."""
    found: list[dict[str, Any]] = []
    for r in requests:
        if r.organisation_id != viewer.organisation_id:
            continue
        found.append(
            {
                "kind": "request",
                "lat": r.latitude,
                "lon": r.longitude,
                "label": _("Request: %(category)s, %(people)s people, priority %(priority)s")
                % {
                    "category": assistance_label(r.category, "category"),
                    "people": r.people,
                    "priority": r.priority,
                },
                "url": reverse("assistance:request", args=[r.id]),
                "open": r.status == RequestStatus.OPEN,
            }
        )
    found.extend(
        {
            "kind": "offer",
            "lat": o.latitude,
            "lon": o.longitude,
            "radius_km": o.radius_km,
            "label": _("Offer: %(category)s, %(free)s of %(capacity)s places free")
            % {
                "category": assistance_label(o.category, "category"),
                "free": o.free,
                "capacity": o.capacity,
            },
            "url": reverse("assistance:offer", args=[o.id]),
            "open": o.status == OfferStatus.ACTIVE,
        }
        for o in offers
    )
    return found


def _filters(request: HttpRequest, form: BoardFilterForm) -> tuple[BoardFilter, BoardFilter]:
    """(the requests' filter, the offers' filter); a bad filter is shown on its field and the
    board lists everything of the crisis."""
    crisis_id = _crisis_id(request)
    plain = BoardFilter(crisis=crisis_id)
    if not form.is_valid():
        return plain, plain
    data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
    offer_status = data.pop("offer_status", None)
    try:
        wanted = BoardFilter(crisis=crisis_id, **data)
    except ValidationError as error:
        apply_schema_errors(form, error)
        return plain, plain
    offers = wanted.model_copy(update={"status": offer_status, "priority": None})
    return wanted, offers


@workspace_view
def board(request: HttpRequest) -> HttpResponse:
    viewer, crisis_id = _viewer(request), _crisis_id(request)
    form = BoardFilterForm(request.GET or None)
    request_filter, offer_filter = _filters(request, form)
    if crisis_id is None:
        return render(request, "web/assistance/board.html", {"form": form, "crisis": None})
    requests = list(selectors.request_board(viewer, filters=request_filter)[:LIST_LIMIT])
    offers = list(selectors.offer_board(viewer, filters=offer_filter)[:LIST_LIMIT])
    live = list(
        selectors.allocation_board(
            viewer,
            crisis_id=crisis_id,
            statuses=[AllocationStatus.PROPOSED, AllocationStatus.CONFIRMED],
        )
    )
    names = selectors.request_person_names(viewer, requests=requests + [a.request for a in live])
    for allocation in live:
        allocation.why = why(allocation)  # type: ignore[attr-defined]
        allocation.person_name = names.get(allocation.request_id, "")  # type: ignore[attr-defined]
        allocation.is_offerer = allocation.offer.organisation_id == viewer.organisation_id  # type: ignore[attr-defined]
    for row in requests:
        row.person_name = names.get(row.id, "")  # type: ignore[attr-defined]
    open_requests = [r for r in requests if r.status == RequestStatus.OPEN]
    context = {
        "form": form,
        "crisis": request.workspace.crisis,  # type: ignore[attr-defined]
        "requests": requests,
        "offers": offers,
        "proposals": [a for a in live if a.status == AllocationStatus.PROPOSED],
        "confirmed": [a for a in live if a.status == AllocationStatus.CONFIRMED],
        "unmatched": [r for r in open_requests if r.blocker],
        "waiting": [r for r in open_requests if not r.blocker],
        "run": selectors.matching_run_latest(viewer, crisis_id=crisis_id),
        "can_write": viewer.can_write_people,
        "can_run": viewer.can_manage_organisation,
        "markers": _markers(requests, offers, viewer),
        "map_settings": {
            "tiles": settings.WEB_MAP_TILE_URL,
            "attribution": settings.WEB_MAP_TILE_ATTRIBUTION,
        },
        "limit": LIST_LIMIT,
        "here": request.get_full_path(),
    }
    return render(request, "web/assistance/board.html", context)


@require_POST
@workspace_view
def run(request: HttpRequest) -> HttpResponse:
    """Start matching for the crisis: the caller's open requests against the free places; live
    allocations (proposed, confirmed, fulfilled) are left as they are. It runs in the background
    (at once when there is no broker); the board follows it."""
    crisis_id = _crisis_id(request)
    if crisis_id is None:
        raise NotFoundError("No crisis chosen.")
    viewer = _viewer(request)
    try:
        started = matching.start_matching(viewer, crisis_id=crisis_id, time_limit=20.0)
    except ConflictError:
        messages.warning(request, _("Matching is already running for this crisis."))
        return redirect(reverse("assistance:board") + "#last-run")
    tasks.enqueue(started)
    done = selectors.matching_run_get(viewer, run_id=started.id)
    if done.status == MatchingRunStatus.DONE:
        summary = done.summary
        messages.success(
            request,
            _("Matching done: %(proposed)s proposals, %(unmatched)s requests unmatched.")
            % {"proposed": summary.get("proposed", 0), "unmatched": summary.get("unmatched", 0)},
        )
        return redirect(reverse("assistance:board") + "#proposals")
    if done.status == MatchingRunStatus.FAILED:
        messages.error(request, _("Matching failed. Try again, or ask an administrator."))
    return redirect(reverse("assistance:board") + "#last-run")


@workspace_view
def run_status(request: HttpRequest, run_id: uuid.UUID) -> HttpResponse:
    """The board polls this while a run is queued or running; once it has finished, the whole
    board reloads (its proposals changed)."""
    found = selectors.matching_run_get(_viewer(request), run_id=run_id)
    if found.status in (MatchingRunStatus.QUEUED, MatchingRunStatus.RUNNING):
        return render(request, "web/assistance/_run.html", {"run": found})
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect(reverse("assistance:board") + "#last-run")


def _done_message(action: str) -> str:
    return {
        "confirm": _("The allocation is confirmed."),
        "fulfil": _("The allocation is marked fulfilled."),
        "no_show": _("The allocation is marked as a no-show; the places are free again."),
        "cancel": _("The allocation is cancelled; the places are free again."),
    }[action]


@require_POST
@workspace_view
def allocation_action(request: HttpRequest, allocation_id: uuid.UUID, action: str) -> HttpResponse:
    """Confirm (the offerer), fulfil or no-show (the offerer), cancel or reject (either side)."""
    if action not in services.TRANSITIONS:
        raise NotFoundError("No such action.")
    try:
        services.allocation_transition(_viewer(request), allocation_id=allocation_id, action=action)
    except ConflictError:
        messages.error(request, _("This allocation has changed meanwhile: nothing was done."))
    else:
        messages.success(request, _done_message(action))
    return _back(request, reverse("assistance:board"))


def _request_page(
    request: HttpRequest,
    request_id: uuid.UUID,
    *,
    allocate: AllocateForm | None = None,
    priority: PriorityForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = _viewer(request)
    found = selectors.request_get(viewer, request_id=request_id)
    allocations = list(selectors.request_allocations(viewer, request_id=request_id))
    for allocation in allocations:
        allocation.request = found
        allocation.why = why(allocation)  # type: ignore[attr-defined]
        allocation.is_offerer = allocation.offer.organisation_id == viewer.organisation_id  # type: ignore[attr-defined]
    is_open = found.status == RequestStatus.OPEN
    candidates = selectors.offer_candidates(viewer, request=found) if is_open else []
    allocate = allocate or AllocateForm(prefix="allocate")
    allocate.fields["offer_id"].choices = [  # type: ignore[attr-defined]
        (
            str(c.offer.id),
            _("%(organisation)s: %(free)s free, %(where)s")
            % {
                "organisation": c.offer.organisation.name,
                "free": c.offer.free,
                "where": (
                    _("%(km)s km") % {"km": f"{c.distance_km:.1f}"}
                    if c.blocker is None
                    else assistance_label(c.blocker, "blocker")
                ),
            },
        )
        for c in candidates
    ]
    names = selectors.request_person_names(viewer, requests=[found])
    context = {
        "item": found,
        "person_name": names.get(found.id, ""),
        "allocations": allocations,
        "is_open": is_open,
        "candidates": candidates,
        "allocate": allocate,
        "priority": priority
        or PriorityForm(prefix="priority", initial={"priority": found.priority}),
        "can_write": viewer.can_write_people,
        "can_manage": viewer.can_manage_organisation,
        "here": request.get_full_path(),
    }
    return render(request, "web/assistance/request.html", context, status=status)


@workspace_view
def request_page(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    return _request_page(request, request_id)


@require_POST
@workspace_view
def request_allocate(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """A manual allocation, or a coordinator's override with a reason."""
    form = AllocateForm(request.POST, prefix="allocate")
    form.fields["offer_id"].choices = [(request.POST.get("allocate-offer_id", ""), "")]  # type: ignore[attr-defined]
    if form.is_valid():
        try:
            offer_id = uuid.UUID(form.cleaned_data["offer_id"])
        except ValueError:
            form.add_error("offer_id", _("Choose an offer."))
        else:
            try:
                services.allocation_create(
                    _viewer(request),
                    request_id=request_id,
                    offer_id=offer_id,
                    override=form.cleaned_data["override"],
                    reason=form.cleaned_data["reason"],
                )
            except (*FORM_ERRORS, NotFoundError) as error:
                if isinstance(error, NotFoundError) and error.field != "offer_id":
                    raise
                apply_domain_error(form, error)
            else:
                messages.success(request, _("The allocation is proposed to the offerer."))
                return redirect("assistance:request", request_id)
    return _request_page(request, request_id, allocate=form, status=422)


@require_POST
@workspace_view
def request_priority(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """A coordinator's override of the derived priority, with a reason."""
    form = PriorityForm(request.POST, prefix="priority")
    if form.is_valid():
        try:
            services.request_set_priority(
                _viewer(request),
                request_id=request_id,
                data=PriorityIn(
                    priority=form.cleaned_data["priority"], reason=form.cleaned_data["reason"]
                ),
            )
        except ValidationError as error:
            apply_schema_errors(form, error)
        except (InvalidInputError, ConflictError) as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The priority is changed."))
            return redirect("assistance:request", request_id)
    return _request_page(request, request_id, priority=form, status=422)


def _offer_page(request: HttpRequest, offer_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    offer = selectors.offer_get(viewer, offer_id=offer_id)
    allocations = list(selectors.offer_allocations(viewer, offer_id=offer_id))
    names = selectors.request_person_names(viewer, requests=[a.request for a in allocations])
    for allocation in allocations:
        allocation.offer = offer
        allocation.why = why(allocation)  # type: ignore[attr-defined]
        allocation.person_name = names.get(allocation.request_id, "")  # type: ignore[attr-defined]
        allocation.is_offerer = offer.organisation_id == viewer.organisation_id  # type: ignore[attr-defined]
    mine = offer.organisation_id == viewer.organisation_id
    context = {
        "offer": offer,
        "allocations": allocations,
        "mine": mine,
        "can_write": viewer.can_write_people and mine,
        "here": request.get_full_path(),
    }
    return render(request, "web/assistance/offer.html", context)


@workspace_view
def offer_page(request: HttpRequest, offer_id: uuid.UUID) -> HttpResponse:
    return _offer_page(request, offer_id)


OFFER_ACTIONS = {
    "pause": OfferStatus.PAUSED,
    "resume": OfferStatus.ACTIVE,
    "withdraw": OfferStatus.WITHDRAWN,
}


@require_POST
@workspace_view
def offer_action(request: HttpRequest, offer_id: uuid.UUID, action: str) -> HttpResponse:
    if action not in OFFER_ACTIONS:
        raise NotFoundError("No such action.")
    try:
        services.offer_set_status(_viewer(request), offer_id=offer_id, status=OFFER_ACTIONS[action])
    except ConflictError:
        messages.error(request, _("This offer was withdrawn: it cannot change any more."))
    else:
        messages.success(
            request,
            {
                "pause": _("The offer is paused: matching leaves it out."),
                "resume": _("The offer is active again."),
                "withdraw": _("The offer is withdrawn; its open allocations are cancelled."),
            }[action],
        )
    return redirect("assistance:offer", offer_id)
