"""URLs of the public directory pages (namespace `directory_public`): no sign-in."""

from __future__ import annotations

from django.urls import path

from compatriot.web.views import directory_public

app_name = "directory_public"

urlpatterns = [
    path("directory/", directory_public.index, name="index"),
    path("directory/geojson/", directory_public.geojson, name="geojson"),
]
