from __future__ import annotations

from django.contrib import admin

from compatriot.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseNote,
    Concern,
    Escalation,
    Referral,
)


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "sha256", "created_at"]
    exclude = ["stored_name"]


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "kind",
        "country",
        "status",
        "receiving_organisation",
        "created_at",
    ]
    list_filter = ["status", "kind", "country"]
    search_fields = ["reference"]
    exclude = ["follow_key_hash"]
    inlines = [AttachmentInline]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    readonly_fields = ["kind", "at", "actor_user", "actor_organisation", "details"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "owner_organisation",
        "concern_kind",
        "priority",
        "status",
        "deadline",
    ]
    list_filter = ["status", "priority", "concern_kind"]
    search_fields = ["reference"]
    raw_id_fields = ["person", "household", "concern", "caseworker"]
    inlines = [CaseEventInline]


@admin.register(CaseNote)
class CaseNoteAdmin(admin.ModelAdmin):
    list_display = ["case", "author", "created_at"]
    raw_id_fields = ["case", "author"]


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["case", "from_organisation", "to_organisation", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["case", "created_by"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["case", "deadline", "escalated_at", "acknowledged_at"]
    raw_id_fields = ["case"]
