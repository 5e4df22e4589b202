"""Admin for platform administrators: deduplication jobs, candidate pairs and merges,
read-only. They are derived by the jobs and decided through linkage/services.py (API, web),
which keep the merged groups and their audit entries consistent."""

from __future__ import annotations

from django.contrib import admin

from compatriot.core.adminsupport import ReadOnlyAdmin, ReadOnlyInline
from compatriot.linkage.models import CandidatePair, DedupeJob, Merge


@admin.register(DedupeJob)
class DedupeJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "crisis", "scope", "kind", "status", "records", "created_at"]
    list_filter = ["status", "scope", "kind"]
    list_select_related = ["crisis"]


class MergeInline(ReadOnlyInline):
    model = Merge
    fk_name = "pair"
    fields = ["primary", "automatic", "decided_by", "decided_at", "undone_at", "undone_by"]


@admin.register(CandidatePair)
class CandidatePairAdmin(ReadOnlyAdmin):
    list_display = ["id", "crisis", "probability", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["crisis"]
    inlines = [MergeInline]
