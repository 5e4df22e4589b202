"""URLs of the matching board (namespace `assistance`, listed in the workspace navigation as
`assistance:board`)."""

from __future__ import annotations

from django.urls import path

from compatriot.web.views import assistance, assistance_edit

app_name = "assistance"

urlpatterns = [
    path("workspace/assistance/", assistance.board, name="board"),
    path("workspace/assistance/run/", assistance.run, name="run"),
    path("workspace/assistance/runs/<uuid:run_id>/", assistance.run_status, name="run_status"),
    path("workspace/assistance/requests/new/", assistance_edit.request_new, name="request_new"),
    path(
        "workspace/assistance/requests/<uuid:request_id>/", assistance.request_page, name="request"
    ),
    path(
        "workspace/assistance/requests/<uuid:request_id>/edit/",
        assistance_edit.request_edit,
        name="request_edit",
    ),
    path(
        "workspace/assistance/requests/<uuid:request_id>/allocate/",
        assistance.request_allocate,
        name="request_allocate",
    ),
    path(
        "workspace/assistance/requests/<uuid:request_id>/priority/",
        assistance.request_priority,
        name="request_priority",
    ),
    path("workspace/assistance/offers/new/", assistance_edit.offer_new, name="offer_new"),
    path("workspace/assistance/offers/<uuid:offer_id>/", assistance.offer_page, name="offer"),
    path(
        "workspace/assistance/offers/<uuid:offer_id>/edit/",
        assistance_edit.offer_edit,
        name="offer_edit",
    ),
    path(
        "workspace/assistance/offers/<uuid:offer_id>/<slug:action>/",
        assistance.offer_action,
        name="offer_action",
    ),
    path(
        "workspace/assistance/allocations/<uuid:allocation_id>/<slug:action>/",
        assistance.allocation_action,
        name="allocation_action",
    ),
]
