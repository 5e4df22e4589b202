from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from compatriot.core.models import (
    ApiToken,
    AuditEntry,
    Crisis,
    Membership,
    Organisation,
    SharingAgreement,
)
from compatriot.core.services import token_generation_first


class TokenGenerationFirst(admin.ModelAdmin):
    """Admin changes to the tables the token look-up reads take the token generation's lock
    before any row's, as the services do (core/services.py `token_generation_first`): a user's
    deletion, say, would otherwise lock its tokens' rows and then the generation, while a
    service revoking one of them holds the generation and waits for that row (a deadlock)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            token_generation_first()
            super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            token_generation_first()
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            token_generation_first()
            super().delete_queryset(request, queryset)


@admin.register(Crisis)
class CrisisAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "phase", "started_on", "ended_on"]
    list_filter = ["kind", "phase"]
    search_fields = ["name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(TokenGenerationFirst):
    list_display = ["name", "kind", "is_verified", "verified_at"]
    list_filter = ["kind", "is_verified"]
    search_fields = ["name", "org_identifier"]
    readonly_fields = ["verified_by", "verified_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(TokenGenerationFirst):
    list_display = ["user", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(ApiToken)
class ApiTokenAdmin(TokenGenerationFirst):
    """Tokens are created with `compatriot token create` or the API (the secret is shown once)."""

    list_display = ["name", "prefix", "user", "organisation", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = [
        "user",
        "organisation",
        "name",
        "prefix",
        "key_hash",
        "created_at",
        "last_used_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserAdmin(TokenGenerationFirst, auth_admin.UserAdmin):
    pass


@admin.register(SharingAgreement)
class SharingAgreementAdmin(admin.ModelAdmin):
    list_display = ["provider", "recipient", "crisis", "purpose", "created_at", "revoked_at"]
    autocomplete_fields = ["provider", "recipient", "crisis"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only and hash-chained."""

    list_display = [
        "id",
        "appended_at",
        "action",
        "object_type",
        "object_id",
        "actor_user_id",
        "purpose",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id"]

    @admin.display(description="at", ordering="id")
    def appended_at(self, entry: AuditEntry) -> dt.datetime:
        """The entry's time, sorted by id: `at` has no index (core migration 0011), and entries
        are appended in id order, so the chain's order is the order of time (but for appends
        that waited for the chain's lock together) and the primary key serves it."""
        return entry.at

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
