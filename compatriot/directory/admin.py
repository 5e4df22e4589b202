"""Admin for platform administrators: profiles with capacities, focal points, the directory."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from compatriot.directory.models import (
    Capacity,
    DiasporaFocalPoint,
    DiasporaProfile,
    DirectoryOrganization,
    Location,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
)

# _services_on_use: the services (and the directory's schemas under them) are imported when an
# administrator saves, not with this module: every process imports it at start-up (Django's
# admin autodiscovery), including those that never serve the admin (import workers).


class CapacityInline(admin.TabularInline):
    model = Capacity
    extra = 0


@admin.register(DiasporaProfile)
class DiasporaProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "city", "is_published", "is_stale", "verified_at"]
    list_filter = ["kind", "is_stale", "is_published", "country"]
    search_fields = ["name", "city"]
    readonly_fields = ["lat_band", "verified_by", "verified_at", "created_at", "updated_at"]
    inlines = [CapacityInline]


@admin.register(DiasporaFocalPoint)
class DiasporaFocalPointAdmin(admin.ModelAdmin):
    list_display = ["user", "appointed_by", "appointed_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["appointed_by"]


class LanguageInline(admin.TabularInline):
    model = ServiceLanguage
    extra = 0


class ServiceAtLocationInline(admin.TabularInline):
    model = ServiceAtLocation
    extra = 0
    raw_id_fields = ["location"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "category",
        "status",
        "serves_third_country_nationals",
        "last_verified_on",
    ]
    list_filter = ["category", "status", "serves_third_country_nationals"]
    search_fields = ["name"]
    raw_id_fields = ["organization"]
    inlines = [LanguageInline, ServiceAtLocationInline]

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        from compatriot.directory.services import refresh_service_points  # see _services_on_use

        super().save_related(request, form, formsets, change)
        refresh_service_points(service_ids=[form.instance.id])


@admin.register(DirectoryOrganization)
class DirectoryOrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "managed_by"]
    search_fields = ["name"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "country", "postal_code", "latitude", "longitude"]
    search_fields = ["name", "city"]
    readonly_fields = ["lat_band"]

    def save_model(self, request: Any, obj: Location, form: Any, change: bool) -> None:
        from compatriot.directory.services import (  # see _services_on_use
            place_location,
            refresh_service_points,
        )

        place_location(obj)  # the search band follows the coordinates
        super().save_model(request, obj, form, change)
        refresh_service_points(location_ids=[obj.id])
