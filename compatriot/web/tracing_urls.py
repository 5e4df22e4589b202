"""URLs of the family-tracing screens (namespace `tracing`, listed in the workspace navigation)."""

from __future__ import annotations

from django.urls import path

from compatriot.web.views import tracing

app_name = "tracing"

urlpatterns = [
    path("workspace/tracing/", tracing.index, name="list"),
    path("workspace/tracing/new/", tracing.new, name="new"),
    path("workspace/tracing/<uuid:request_id>/", tracing.detail, name="detail"),
    path("workspace/tracing/matches/<uuid:match_id>/", tracing.match, name="match"),
]
