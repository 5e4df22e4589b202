"""What every app's admin shares. The admin is the platform administrators' window on the data,
not a second way to write it: a write goes through the same service as the API's (the same
validation and normalisation, version bump and audit entry), and where no service does an
operation the admin does not offer it (read-only). Viewing a record of personal data is audited
as the API's read is.

A platform administrator is a Django superuser (core.selectors: `is_platform_admin`). Writes to
an organisation's records are done in that organisation's stead: the services' scoping rules
(only the registering organisation changes a person) stay as they are, and the audit entry names
the administrator's user and the purpose "admin"."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from pydantic import BaseModel, ValidationError

from compatriot.core.audit import audit_record
from compatriot.core.errors import DomainError
from compatriot.core.models import AuditAction, Organisation, Role
from compatriot.core.viewer import Viewer

ADMIN_PURPOSE = "admin"


def admin_viewer(
    request: HttpRequest, *, acting_for: Organisation | None = None, writes: bool = True
) -> Viewer:
    """The signed-in administrator as a services' actor, in `acting_for`'s stead when given.
    Only a platform administrator writes; any staff user's reads are recorded as theirs."""
    user = request.user
    if writes and not user.is_superuser:
        raise PermissionDenied  # staff who are not platform administrators never act for anyone
    return Viewer(
        user_id=user.pk,
        organisation_id=acting_for.pk if acting_for else None,
        organisation_kind=acting_for.kind if acting_for else None,
        role=Role.ADMIN if acting_for and writes else None,
        is_platform_admin=user.is_superuser,
        purpose=ADMIN_PURPOSE,
    )


def _is_platform_admin(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


class _NoWrites:
    """Viewing only: no add, change or delete, whatever the user's permissions."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(_NoWrites, admin.ModelAdmin):
    """Shown, never written: records that are derived, sealed, or personal data with no service
    for an administrator's write. Actions that call a service stay available."""


class ReadOnlyInline(_NoWrites, admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Every field shown as text: the form has none to post (or to fail on).
        return self.fields or [
            field.name
            for field in self.model._meta.concrete_fields
            if not field.primary_key and field.name != self.fk_name
        ]


class AuditedReads(admin.ModelAdmin):
    """A change page shows the record: it is recorded as a READ, as the API's read is."""

    audit_object_type: ClassVar[str]

    def audit_acting_for(self, obj: Any) -> Organisation | None:
        """The organisation whose record this is (the entry is filed under it), if any."""
        return None

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None and not add:
            with transaction.atomic():
                audit_record(
                    admin_viewer(request, acting_for=self.audit_acting_for(obj), writes=False),
                    action=AuditAction.READ,
                    object_type=self.audit_object_type,
                    object_id=obj.pk,
                )
        return super().render_change_form(request, context, add, change, form_url, obj)


def schema_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a schema's errors on the fields they name (else at the top of the form)."""
    for item in error.errors():
        location = [part for part in item["loc"] if part != "body"]
        name = str(location[0]) if location else None
        message = str(item["msg"]).removeprefix("Value error, ")
        if len(location) > 1:
            message = f"item {location[1]}: {message}" if isinstance(location[1], int) else message
        form.add_error(name if name in form.fields else None, message)


def domain_error(form: forms.BaseForm, error: DomainError) -> None:
    name = error.field
    form.add_error(name if name in form.fields else None, str(error))


class ServiceForm(forms.ModelForm):
    """A form whose save is a service call (`ServiceAdmin.write`), made once the fields are
    clean, so that the service's own refusals (a phone it cannot normalise, a stale version)
    are shown on the field they name and nothing is written. The instance is never filled from
    the form: the service reads the row under its lock and changes what it validated."""

    admin_site_admin: ClassVar[ServiceAdmin]
    request: ClassVar[HttpRequest]

    def _post_clean(self) -> None:
        if self.errors:
            return
        service = self.admin_site_admin
        try:
            data = service.schema_for(self.instance).model_validate(service.schema_input(self))
        except ValidationError as error:
            schema_errors(self, error)
            return
        try:
            # A savepoint: a refusal after part of the write leaves none of it behind.
            with transaction.atomic():
                self.instance = service.write(self.request, self.instance, data)
        except DomainError as error:
            domain_error(self, error)


class ServiceAdmin(admin.ModelAdmin):
    """Add and change through a service. `write(request, obj, data)` creates (obj unsaved) or
    changes the record with the schema `schema_for(obj)` built from the changed fields. Its
    inlines must be read-only: the write is made when the form is clean, before any formset's
    validation could refuse the page. Deleting has no service here: not offered."""

    form = ServiceForm
    # Form values the schema reads as "not given" when blank (a cleared country is None).
    blank_is_none: ClassVar[frozenset[str]] = frozenset()

    def schema_for(self, obj: Any) -> type[BaseModel]:
        raise NotImplementedError

    def write(self, request: HttpRequest, obj: Any, data: Any) -> Model:
        raise NotImplementedError

    def schema_input(self, form: forms.ModelForm) -> dict[str, Any]:
        fields = self.schema_for(form.instance).model_fields
        names = form.fields if form.instance._state.adding else form.changed_data
        values = {name: form.cleaned_data.get(name) for name in names if name in fields}
        return {
            name: None if name in self.blank_is_none and value in ("", []) else value
            for name, value in values.items()
        }

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        # The request and this admin, for the write; a class per request (forms are classes).
        return type(form.__name__, (form,), {"request": request, "admin_site_admin": self})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_platform_admin(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_platform_admin(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Written by the service when the form was cleaned (ServiceForm)."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Read-only inlines and no many-to-many fields: nothing to save (the admin's change
        message still reads what each formset saved)."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def service_action(
    description: str,
    call: Callable[[HttpRequest, Any], object],
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Any]], None]:
    """An admin action calling a service once per selected record, each in its own transaction;
    a refusal is reported and the others go on."""

    @admin.action(description=description)
    def action(
        modeladmin: admin.ModelAdmin,
        request: HttpRequest,
        queryset: QuerySet[Any],
    ) -> None:
        if not _is_platform_admin(request):
            raise PermissionDenied
        done, refused = 0, []
        for obj in _in_order(queryset):
            try:
                with transaction.atomic():
                    call(request, obj)
            except DomainError as error:
                refused.append(f"{obj.pk}: {error}")
            else:
                done += 1
        if done:
            modeladmin.message_user(request, f"{description}: {done} done.", messages.SUCCESS)
        for message in refused:
            modeladmin.message_user(request, message, messages.ERROR)

    action.__name__ = call.__name__.strip("_")  # the admin tells actions apart by name
    return action


def _in_order(queryset: QuerySet[Any]) -> Iterable[Any]:
    return queryset.order_by("pk")
