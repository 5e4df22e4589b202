"""Admin for platform administrators. Lists show ids and codes, not names, to keep personal
data off shared screens; the change page shows the record (and is audited as a read).

Every write goes through people/services.py in the registering organisation's stead
(core/adminsupport.py): a person's change is person_update (validation, normalisation,
transliteration and search text, version, audit entry), a household's label household_update,
a consent's withdrawal consent_withdraw (an action). Registering, deleting, and adding or
changing needs, vulnerabilities and consents are the API's and the web's: read-only here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from compatriot.core.adminsupport import (
    AuditedReads,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceAdmin,
    ServiceForm,
    admin_viewer,
    service_action,
)
from compatriot.core.models import Organisation
from compatriot.normalise.dates import DatePrecision, PartialDate
from compatriot.people.models import Consent, Household, Need, Person, Vulnerability

if TYPE_CHECKING:
    from compatriot.people.schemas import HouseholdPatch, PersonPatch

# The services and schemas are imported when an administrator saves, not with this module: every
# process imports it at start-up (Django's admin autodiscovery), import workers too (as in
# directory/admin.py).


class VulnerabilityInline(ReadOnlyInline):
    model = Vulnerability


class NeedInline(ReadOnlyInline):
    model = Need


class ConsentInline(ReadOnlyInline):
    model = Consent


class PersonForm(ServiceForm):
    # The API's partial date (YYYY, YYYY-MM or YYYY-MM-DD), not a calendar day: the precision
    # follows from it, as in the API.
    birth_date = forms.CharField(
        required=False, max_length=10, help_text="YYYY, YYYY-MM or YYYY-MM-DD"
    )
    # The version the page was read at: saving over a later change is refused (as the API's
    # `version`), not a silent overwrite.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.instance
        self.initial["expected_version"] = person.version
        if person.birth_date:
            precision = DatePrecision(person.birth_date_precision or DatePrecision.DAY)
            self.initial["birth_date"] = str(PartialDate(person.birth_date, precision))


@admin.register(Person)
class PersonAdmin(AuditedReads, ServiceAdmin):
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
    list_select_related = ["crisis", "registered_by"]
    form = PersonForm
    readonly_fields = [
        "crisis",
        "registered_by",
        "registered_by_user",
        "source",
        "source_record_id",
        "household",
        "relationship",
        "merged_into",
        "nationality",
        "birth_date_precision",
        "search_text",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [VulnerabilityInline, NeedInline, ConsentInline]
    show_full_result_count = False
    audit_object_type = "person"
    blank_is_none = frozenset({"country", "birth_date"})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # registrations come through the API, the web and imports

    def audit_acting_for(self, obj: Person) -> Organisation:
        return obj.registered_by

    def schema_for(self, obj: Person) -> type[PersonPatch]:
        from compatriot.people.schemas import PersonPatch  # see above

        return PersonPatch

    def schema_input(self, form: forms.ModelForm) -> dict[str, Any]:
        return {**super().schema_input(form), "version": form.cleaned_data.get("expected_version")}

    def write(self, request: HttpRequest, obj: Person, data: PersonPatch) -> Person:
        from compatriot.people.services import person_update  # see above

        viewer = admin_viewer(request, acting_for=obj.registered_by)
        return person_update(viewer, person_id=obj.id, data=data)


@admin.register(Household)
class HouseholdAdmin(AuditedReads, ServiceAdmin):
    list_display = ["id", "label", "crisis", "registered_by", "created_at"]
    list_select_related = ["crisis", "registered_by"]
    readonly_fields = ["crisis", "registered_by", "created_at", "updated_at"]
    audit_object_type = "household"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # households are registered with their members (API, web)

    def audit_acting_for(self, obj: Household) -> Organisation:
        return obj.registered_by

    def schema_for(self, obj: Household) -> type[HouseholdPatch]:
        from compatriot.people.schemas import HouseholdPatch  # see above

        return HouseholdPatch

    def write(self, request: HttpRequest, obj: Household, data: HouseholdPatch) -> Household:
        from compatriot.people.services import household_update  # see above

        viewer = admin_viewer(request, acting_for=obj.registered_by)
        return household_update(viewer, household_id=obj.id, data=data)


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = ["id", "category", "urgency", "status", "created_at"]
    list_filter = ["category", "urgency", "status"]


@admin.register(Vulnerability)
class VulnerabilityAdmin(ReadOnlyAdmin):
    list_display = ["id", "code", "recorded_at"]
    list_filter = ["code"]


def _withdraw(request: HttpRequest, consent: Consent) -> object:
    from compatriot.people.services import consent_withdraw  # see above

    person = consent.person
    viewer = admin_viewer(request, acting_for=person.registered_by)
    return consent_withdraw(viewer, person_id=person.id, consent_id=consent.id)


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    """Consent is given with the person's registration or through the API; it is withdrawn only
    by consent_withdraw (the action: who and when, the version, the audit entry), and a
    withdrawal is never undone (a new consent is recorded instead)."""

    list_display = ["id", "scope", "method", "given_at", "withdrawn_at"]
    list_filter = ["scope", "method"]
    actions = [service_action("Withdraw the selected consents", _withdraw)]
