"""Admin for platform administrators: profiles with capacities, focal points, the directory."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models

from compatriot.core.adminsupport import ReadOnlyAdmin, ReadOnlyInline
from compatriot.directory.models import (
    Capacity,
    CostOption,
    DiasporaFocalPoint,
    DiasporaProfile,
    DirectoryOrganization,
    Location,
    Phone,
    ProfileConfirmationMail,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
    ServicePoint,
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


# A service's phones, schedules, documents and costs are replaced together by service_replace
# (API, HSDS import), which validates and normalises them (phone numbers to E.164): shown here.
class PhoneInline(ReadOnlyInline):
    model = Phone
    fk_name = "service"
    fields = ["number", "type", "description"]


class ScheduleInline(ReadOnlyInline):
    model = Schedule
    fk_name = "service"
    fields = ["freq", "byday", "opens_at", "closes_at", "description"]


class RequiredDocumentInline(ReadOnlyInline):
    model = RequiredDocument


class CostOptionInline(ReadOnlyInline):
    model = CostOption


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
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default
    inlines = [
        LanguageInline,
        ServiceAtLocationInline,
        PhoneInline,
        ScheduleInline,
        RequiredDocumentInline,
        CostOptionInline,
    ]

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        from compatriot.directory.services import refresh_service_points  # see _services_on_use

        super().save_related(request, form, formsets, change)
        refresh_service_points(service_ids=[form.instance.id])


@admin.register(DirectoryOrganization)
class DirectoryOrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "managed_by"]
    search_fields = ["name"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default


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


@admin.register(ServicePoint)
class ServicePointAdmin(ReadOnlyAdmin):
    """Derived from services and locations (refresh_service_points): the map's search rows."""

    list_display = ["id", "service", "location", "category", "lat_band"]
    list_filter = ["category"]
    list_select_related = ["service", "location"]


@admin.register(ProfileConfirmationMail)
class ProfileConfirmationMailAdmin(ReadOnlyAdmin):
    """The stale-profile mails' record (directory/mail.py): who was asked, about which staleness."""

    list_display = ["profile", "recipient", "last_confirmed_at", "sent_at"]
    list_select_related = ["profile", "recipient"]
