"""Admin for platform administrators: tracing requests, their matches and notifications,
read-only. Requests are opened, answered and closed by tracing/services.py (API, web), matches
found by its matching; the seeker's sealed contact is never shown. Viewing a request is audited
as the API's read is."""

from __future__ import annotations

from django.contrib import admin

from compatriot.core.adminsupport import AuditedReads, ReadOnlyAdmin, ReadOnlyInline
from compatriot.core.models import Organisation
from compatriot.tracing.models import TracingMatch, TracingNotification, TracingRequest


class TracingMatchInline(ReadOnlyInline):
    model = TracingMatch
    fields = ["person", "probability", "rank", "status", "found_at", "answered_at"]


@admin.register(TracingRequest)
class TracingRequestAdmin(AuditedReads, ReadOnlyAdmin):
    list_display = ["reference", "crisis", "organisation", "status", "outcome", "created_at"]
    list_filter = ["status", "outcome"]
    list_select_related = ["crisis", "organisation"]
    search_fields = ["reference"]
    exclude = ["seeker_contact_sealed"]
    inlines = [TracingMatchInline]
    audit_object_type = "tracing_request"

    def audit_acting_for(self, obj: TracingRequest) -> Organisation:
        return obj.organisation


@admin.register(TracingNotification)
class TracingNotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "organisation", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["organisation"]
