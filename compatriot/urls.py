from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from compatriot.api import api

admin.site.site_header = "Compatriot administration"
admin.site.site_title = "Compatriot"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("compatriot.web.cases_urls")),
    path("", include("compatriot.web.tracing_urls")),
    path("", include("compatriot.web.assistance_urls")),
    path("", include("compatriot.web.directory_urls")),
    path("", include("compatriot.web.linkage_urls")),
    path("", include("compatriot.web.directory_public_urls")),
    path("", include("compatriot.web.urls")),
]
