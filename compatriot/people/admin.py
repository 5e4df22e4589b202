"""Admin for platform administrators. Lists show ids and codes, not names, to keep personal
data off shared screens; the change page shows the record."""

from __future__ import annotations

from django.contrib import admin

from compatriot.people.models import Consent, Household, Need, Person, Vulnerability


class VulnerabilityInline(admin.TabularInline):
    model = Vulnerability
    extra = 0


class NeedInline(admin.TabularInline):
    model = Need
    extra = 0


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    readonly_fields = ["recorded_by", "recorded_by_organisation", "withdrawn_by"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "crisis",
        "registered_by",
        "nationality",
        "journey_stage",
        "category",
        "created_at",
    ]
    list_filter = ["journey_stage", "category", "source", "crisis"]
    readonly_fields = ["search_text", "version", "created_at", "updated_at"]
    raw_id_fields = ["household", "registered_by_user"]
    inlines = [VulnerabilityInline, NeedInline, ConsentInline]
    show_full_result_count = False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["id", "label", "crisis", "registered_by", "created_at"]


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ["id", "category", "urgency", "status", "created_at"]
    list_filter = ["category", "urgency", "status"]
    raw_id_fields = ["person"]


@admin.register(Vulnerability)
class VulnerabilityAdmin(admin.ModelAdmin):
    list_display = ["id", "code", "recorded_at"]
    list_filter = ["code"]
    raw_id_fields = ["person"]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["id", "scope", "method", "given_at", "withdrawn_at"]
    list_filter = ["scope", "method"]
    raw_id_fields = ["person"]
