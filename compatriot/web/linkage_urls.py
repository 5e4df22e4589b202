"""URLs of the duplicates review screens (namespace `linkage`, listed in the workspace
navigation as "Duplicates")."""

from __future__ import annotations

from django.urls import path

from compatriot.web.views import linkage

app_name = "linkage"

urlpatterns = [
    path("workspace/duplicates/", linkage.review, name="review"),
    path("workspace/duplicates/<uuid:pair_id>/", linkage.pair, name="pair"),
]
