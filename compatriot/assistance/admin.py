from __future__ import annotations

from django.contrib import admin

from compatriot.assistance.models import (
    Allocation,
    AssistanceRequest,
    MatchingRun,
    Notification,
    Offer,
)
from compatriot.core.adminsupport import ReadOnlyAdmin


@admin.register(AssistanceRequest)
class AssistanceRequestAdmin(ReadOnlyAdmin):
    """A person's request: written by assistance/services.py only (API, web)."""

    list_display = ("id", "category", "people", "status", "derived_priority", "priority_override")
    list_filter = ("category", "status")


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("id", "organisation", "category", "capacity", "held", "status")
    list_filter = ("category", "status")
    # `held` moves only through the services, under the offer's row lock.
    readonly_fields = ("held",)


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("id", "request", "offer", "people", "status", "kind")
    list_filter = ("status", "kind")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    pass


@admin.register(MatchingRun)
class MatchingRunAdmin(ReadOnlyAdmin):
    """Derived by the matching engine."""
