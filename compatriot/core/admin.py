from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from compatriot.core.adminsupport import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceAdmin,
    admin_viewer,
    service_action,
)
from compatriot.core.models import (
    ApiToken,
    AuditEntry,
    Crisis,
    Membership,
    Organisation,
    SharingAgreement,
)
from compatriot.core.schemas import CrisisIn, CrisisPatch, OrganisationPatch
from compatriot.core.services import (
    crisis_create,
    crisis_update,
    organisation_update,
    organisation_verify,
    sharing_agreement_revoke,
    token_generation_first,
)


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
class CrisisAdmin(ServiceAdmin):
    """Created and changed by crisis_create and crisis_update (countries validated as the API's)."""

    list_display = ["name", "kind", "phase", "started_on", "ended_on"]
    list_filter = ["kind", "phase"]
    search_fields = ["name"]
    readonly_fields = ["created_at", "updated_at"]

    def schema_for(self, obj: Crisis) -> type[CrisisIn | CrisisPatch]:
        return CrisisIn if obj._state.adding else CrisisPatch

    def write(self, request: HttpRequest, obj: Crisis, data: Any) -> Crisis:
        if obj._state.adding:
            return crisis_create(admin_viewer(request), data=data)
        return crisis_update(admin_viewer(request), crisis_id=obj.id, data=data)


class MembershipInline(ReadOnlyInline):
    """Shown here; changed on the memberships' own admin pages."""

    model = Membership
    fields = ["user", "role", "is_active", "created_at"]


def _verify(request: HttpRequest, organisation: Organisation) -> object:
    return organisation_verify(
        admin_viewer(request), organisation_id=organisation.id, is_verified=True
    )


def _unverify(request: HttpRequest, organisation: Organisation) -> object:
    return organisation_verify(
        admin_viewer(request), organisation_id=organisation.id, is_verified=False
    )


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdmin):
    """Changed by organisation_update; verified and unverified by organisation_verify (the
    actions), which records who verified it and when. Organisations register themselves (API,
    web): organisation_create makes its caller the organisation's admin, which a platform
    administrator is not. Never deleted here (no service)."""

    list_display = ["name", "kind", "is_verified", "verified_at"]
    list_filter = ["kind", "is_verified"]
    search_fields = ["name", "org_identifier"]
    readonly_fields = ["is_verified", "verified_by", "verified_at", "created_at", "updated_at"]
    inlines = [MembershipInline]
    actions = [
        service_action("Verify the selected organisations", _verify),
        service_action("Withdraw the verification of the selected organisations", _unverify),
    ]
    blank_is_none = frozenset({"website"})
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # the schema checks it

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def schema_for(self, obj: Organisation) -> type[OrganisationPatch]:
        return OrganisationPatch

    def write(self, request: HttpRequest, obj: Organisation, data: Any) -> Organisation:
        return organisation_update(admin_viewer(request), organisation_id=obj.id, data=data)


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


def _revoke(request: HttpRequest, agreement: SharingAgreement) -> object:
    viewer = admin_viewer(request, acting_for=agreement.provider)
    return sharing_agreement_revoke(viewer, agreement_id=agreement.id)


@admin.register(SharingAgreement)
class SharingAgreementAdmin(ReadOnlyAdmin):
    """An agreement opens the provider's records to the recipient: made by the provider (API,
    web); revoked here only by sharing_agreement_revoke, in the provider's stead (the action)."""

    list_display = ["provider", "recipient", "crisis", "purpose", "created_at", "revoked_at"]
    list_select_related = ["provider", "recipient", "crisis"]
    actions = [service_action("Revoke the selected sharing agreements", _revoke)]


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
