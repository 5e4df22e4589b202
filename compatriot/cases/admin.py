"""Admin for platform administrators: concerns, cases and what hangs on them, read-only.
Their writes (routing, assignment, notes, referrals, escalations) are cases/services.py's, with
their permission checks, events and audit entries, through the API and the web; the admin has no
way round them. Viewing a concern, case or case note is audited as the API's read is."""

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
from compatriot.core.adminsupport import AuditedReads, ReadOnlyAdmin, ReadOnlyInline
from compatriot.core.models import Organisation


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "sha256", "created_at"]


@admin.register(Concern)
class ConcernAdmin(AuditedReads, ReadOnlyAdmin):
    list_display = [
        "reference",
        "kind",
        "country",
        "status",
        "receiving_organisation",
        "created_at",
    ]
    list_filter = ["status", "kind", "country"]
    list_select_related = ["receiving_organisation"]
    search_fields = ["reference"]
    exclude = ["follow_key_hash"]
    inlines = [AttachmentInline]
    audit_object_type = "concern"

    def audit_acting_for(self, obj: Concern) -> Organisation | None:
        return obj.receiving_organisation


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["kind", "at", "actor_user", "actor_organisation", "details"]


@admin.register(Case)
class CaseAdmin(AuditedReads, ReadOnlyAdmin):
    list_display = [
        "reference",
        "owner_organisation",
        "concern_kind",
        "priority",
        "status",
        "deadline",
    ]
    list_filter = ["status", "priority", "concern_kind"]
    list_select_related = ["owner_organisation"]
    search_fields = ["reference"]
    inlines = [CaseEventInline]
    audit_object_type = "case"

    def audit_acting_for(self, obj: Case) -> Organisation:
        return obj.owner_organisation


@admin.register(CaseNote)
class CaseNoteAdmin(AuditedReads, ReadOnlyAdmin):
    list_display = ["case", "author", "created_at"]
    list_select_related = ["case", "author"]
    audit_object_type = "case_note"

    def audit_acting_for(self, obj: CaseNote) -> Organisation:
        return obj.case.owner_organisation


@admin.register(Referral)
class ReferralAdmin(AuditedReads, ReadOnlyAdmin):
    list_display = ["case", "from_organisation", "to_organisation", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["case", "from_organisation", "to_organisation"]
    audit_object_type = "referral"

    def audit_acting_for(self, obj: Referral) -> Organisation:
        return obj.from_organisation


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["case", "deadline", "escalated_at", "acknowledged_at"]
    list_select_related = ["case"]
