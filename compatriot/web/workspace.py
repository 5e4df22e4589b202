"""Who the signed-in user acts as: one of their organisations, in one crisis.

Both choices live in the session. Every operator view is wrapped in `workspace_view`, which
builds the Viewer that selectors and services take, and turns domain errors into 404 and 403.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from compatriot.core.errors import NotFoundError, PermissionDeniedError
from compatriot.core.models import Crisis, Membership
from compatriot.core.selectors import crisis_list, user_membership_list, viewer_for_membership
from compatriot.core.viewer import Viewer
from compatriot.web import nav

T = TypeVar("T")

SESSION_ORGANISATION = "web_organisation_id"
SESSION_CRISIS = "web_crisis_id"


@dataclass(frozen=True)
class Workspace:
    viewer: Viewer
    membership: Membership
    memberships: list[Membership]
    crisis: Crisis | None
    crises: list[Crisis]

    @property
    def navigation(self) -> list[tuple[nav.NavItem, str]]:
        return nav.items_for(can_manage=self.viewer.can_manage_organisation)


class WorkspaceRequest(HttpRequest):
    workspace: Workspace


def _chosen(options: list[T], session_value: str | None, key: Callable[[T], object]) -> T | None:
    for option in options:
        if str(key(option)) == session_value:
            return option
    return options[0] if options else None


def workspace_for(request: HttpRequest) -> Workspace | None:
    user_id = request.user.id
    if user_id is None:
        return None
    memberships = list(user_membership_list(user_id=user_id))
    membership = _chosen(
        memberships, request.session.get(SESSION_ORGANISATION), lambda m: m.organisation_id
    )
    if membership is None:
        return None
    viewer = viewer_for_membership(
        user_id=user_id, organisation_id=membership.organisation_id, purpose="web"
    )
    crises = list(crisis_list(viewer))
    crisis = _chosen(crises, request.session.get(SESSION_CRISIS), lambda c: c.id)
    return Workspace(viewer, membership, memberships, crisis, crises)


def workspace_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        workspace = workspace_for(request)
        if workspace is None:
            return render(request, "web/no_organisation.html", status=403)
        request.workspace = workspace  # type: ignore[attr-defined]  # WorkspaceRequest
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as error:
            raise Http404(error.message) from error
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error

    return wrapped


def choose(request: HttpRequest, *, organisation_id: str, crisis_id: str) -> None:
    """Remember the chosen organisation and crisis; ids that are not the user's are ignored
    by `workspace_for`, which falls back to the first of each."""
    for key, value in ((SESSION_ORGANISATION, organisation_id), (SESSION_CRISIS, crisis_id)):
        try:
            request.session[key] = str(uuid.UUID(value))
        except ValueError:
            continue
