from __future__ import annotations

from django.contrib import admin

from compatriot.assistance.models import (
    Allocation,
    AssistanceRequest,
    MatchingRun,
    Notification,
    Offer,
)


@admin.register(AssistanceRequest)
class AssistanceRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "category", "people", "status", "derived_priority", "priority_override")
    list_filter = ("category", "status")
    raw_id_fields = ("person", "household", "need")


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("id", "organisation", "category", "capacity", "held", "status")
    list_filter = ("category", "status")
    # `held` moves only through the services, under the offer's row lock.
    readonly_fields = ("held",)


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ("id", "request", "offer", "people", "status", "kind")
    list_filter = ("status", "kind")
    readonly_fields = ("request", "offer", "people", "status", "kind")


admin.site.register(Notification)
admin.site.register(MatchingRun)
