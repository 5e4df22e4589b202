from __future__ import annotations

from django.contrib import admin
from django.urls import path

from compatriot.api import api

admin.site.site_header = "Compatriot administration"
admin.site.site_title = "Compatriot"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
