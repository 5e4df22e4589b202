"""URLs of the directory's operator screens (namespace `directory`, listed in the workspace
navigation as `directory:index`)."""

from __future__ import annotations

from django.urls import path

from compatriot.web.views import directory, directory_services

app_name = "directory"

urlpatterns = [
    path("workspace/directory/", directory.index, name="index"),
    path("workspace/directory/gaps/", directory.gaps, name="gaps"),
    path("workspace/directory/profiles/new/", directory.profile_new, name="profile_new"),
    path("workspace/directory/profiles/<uuid:profile_id>/", directory.profile, name="profile"),
    path(
        "workspace/directory/profiles/<uuid:profile_id>/edit/",
        directory.profile_edit,
        name="profile_edit",
    ),
    path(
        "workspace/directory/profiles/<uuid:profile_id>/confirm/",
        directory.profile_confirm,
        name="profile_confirm",
    ),
    path(
        "workspace/directory/profiles/<uuid:profile_id>/verify/",
        directory.profile_verify,
        name="profile_verify",
    ),
    path("workspace/directory/services/", directory_services.services_index, name="services"),
    path("workspace/directory/services/new/", directory_services.service_new, name="service_new"),
    path(
        "workspace/directory/services/<uuid:service_id>/",
        directory_services.service,
        name="service",
    ),
    path(
        "workspace/directory/services/<uuid:service_id>/edit/",
        directory_services.service_edit,
        name="service_edit",
    ),
    path(
        "workspace/directory/services/<uuid:service_id>/verify/",
        directory_services.service_verify,
        name="service_verify",
    ),
    path("workspace/directory/hsds/", directory_services.hsds, name="hsds"),
    path("workspace/directory/hsds/export/", directory_services.hsds_export, name="hsds_export"),
]
