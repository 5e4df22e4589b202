"""Screens of deduplication: the review queue of the current crisis (pairs of persons the viewer
may both see) and one pair side by side, with merge, keep apart and unmerge for admins and
coordinators. Thin: reads through the linkage selectors (scoped and audited), writes through its
services."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compatriot.core.errors import ConflictError
from compatriot.core.viewer import Viewer
from compatriot.linkage import selectors, services, tasks
from compatriot.linkage.errors import DecidedApartError
from compatriot.linkage.models import DedupeJob, PairStatus
from compatriot.web.workspace import workspace_view

PAGE = 50


def _viewer(request: HttpRequest) -> Viewer:
    return request.workspace.viewer  # type: ignore[attr-defined]


@workspace_view
def review(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    crisis = request.workspace.crisis  # type: ignore[attr-defined]
    if request.method == "POST" and crisis is not None:
        try:
            started = services.dedupe_job_create(viewer, crisis_id=crisis.id)
        except ConflictError:
            messages.error(request, _("A deduplication job is already under way."))
        else:
            tasks.enqueue(started)
            messages.success(request, _("Deduplication started."))
        return redirect("linkage:review")
    status = request.GET.get("status", PairStatus.PENDING)
    if status not in PairStatus.values:
        status = PairStatus.PENDING
    try:
        offset = max(0, int(request.GET.get("offset", "0")))
    except ValueError:
        offset = 0
    count, pairs = selectors.pair_list(
        viewer,
        crisis_id=crisis.id if crisis else None,
        status=status,
        offset=offset,
        limit=PAGE,
    )
    can_manage = viewer.can_manage_organisation
    job: DedupeJob | None = None
    if can_manage and crisis is not None:
        job = selectors.job_list(viewer, crisis_id=crisis.id).first()
    context = {
        "pairs": pairs,
        "count": count,
        "status": status,
        "statuses": PairStatus.values,
        "offset": offset,
        "next_offset": offset + PAGE if offset + PAGE < count else None,
        "previous_offset": max(0, offset - PAGE) if offset else None,
        "can_manage": can_manage,
        "job": job,
    }
    return render(request, "web/linkage/review.html", context)


ACTIONS = {
    "merge": (services.pair_merge, gettext_lazy("The two records are now one person.")),
    "keep_apart": (services.pair_keep_apart, gettext_lazy("The two records are kept apart.")),
    "unmerge": (services.pair_unmerge, gettext_lazy("The merge is undone.")),
}
# The services' refusals (in English), as shown on screen.
REFUSALS = {
    "These records are already one person.": gettext_lazy("These records are already one person."),
    "This pair is already merged.": gettext_lazy("This pair is already merged."),
    "Unmerge this pair before keeping it apart.": gettext_lazy(
        "Unmerge this pair before keeping it apart."
    ),
    "This pair is already kept apart.": gettext_lazy("This pair is already kept apart."),
    services.ALREADY_ONE: gettext_lazy(
        "Other merges already made these records one person: undo those merges first."
    ),
    "This pair is not merged.": gettext_lazy("This pair is not merged."),
    "A later merge includes these records: undo it first.": gettext_lazy(
        "A later merge includes these records: undo it first."
    ),
}


def _decided_apart(error: DecidedApartError) -> str:
    decision = error.decision
    if not decision.visible:
        return _(
            "A reviewer kept apart (or unmerged) two records of these people that you may not "
            "see: the merge is refused."
        )
    if decision.kept_apart:
        text = _(
            "A reviewer kept apart two records of these people (pair %(pair)s): the merge is "
            "refused. Open that pair and merge it to reverse the decision, or leave them apart."
        )
    else:
        text = _(
            "A reviewer undid the merge of two records of these people (pair %(pair)s): the "
            "merge is refused. Open that pair and merge it again, or leave them apart."
        )
    return text % {"pair": decision.pair_id}


@workspace_view
def pair(request: HttpRequest, pair_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, _("Choose merge, keep apart or unmerge."))
            return redirect("linkage:pair", pair_id)
        call, done = action
        try:
            call(viewer, pair_id=pair_id)
        except DecidedApartError as error:
            messages.error(request, _decided_apart(error))
        except ConflictError as error:
            messages.error(request, REFUSALS.get(error.message, _("This cannot be done now.")))
        else:
            messages.success(request, done)
        return redirect("linkage:pair", pair_id)
    detail = selectors.pair_get(viewer, pair_id=pair_id)
    context = {
        "detail": detail,
        "pair": detail.pair,
        "can_manage": viewer.can_manage_organisation,
    }
    return render(request, "web/linkage/pair.html", context)
