"""Forms of the web pages. They only collect and label input: validation is the API's, by
building the same pydantic schemas (`PersonIn`, `HouseholdIn`, `PersonPatch`) that the API
uses, and errors from those schemas and from services are put back on the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from compatriot.people.models import (
    JourneyStage,
    NeedCategory,
    PersonCategory,
    Relationship,
    Sex,
    VulnerabilityCode,
)
from compatriot.web.countries import country_code
from compatriot.web.labels import choices

# Schema field name -> form field name, where they differ.
SCHEMA_TO_FORM = {"nationalities": "nationality", "phones": "phone", "crisis_id": None}


NAME_ORDER = ["given_name", "family_name", "sex", "birth_date", "nationality"]
PLACE_ORDER = ["country", "admin_area", "place_name", "phone", "journey_stage", "category"]


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def _country_codes(text: str) -> str:
    codes = []
    for part in split_list(text):
        code = country_code(part)
        if code is None:
            raise forms.ValidationError(
                _("Unknown country: write its name or its two-letter code, e.g. NG."),
                code="country",
            )
        codes.append(code)
    return ", ".join(codes)


class PersonNameFields(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=choices(Sex), initial=Sex.UNKNOWN)
    birth_date = forms.CharField(
        label=_("Date of birth"),
        max_length=10,
        required=False,
        help_text=_("Year, year-month or full date, e.g. 1990 or 1990-04-21"),
    )
    nationality = forms.CharField(
        label=_("Nationality"),
        max_length=60,
        required=False,
        help_text=_("Country name or code, e.g. NG or Nigeria"),
    )

    def clean_nationality(self) -> str:
        return _country_codes(self.cleaned_data.get("nationality", ""))


class PlaceFields(forms.Form):
    country = forms.CharField(label=_("Country where they are now"), max_length=60, required=False)
    admin_area = forms.CharField(label=_("Region"), max_length=200, required=False)
    place_name = forms.CharField(label=_("Town or place"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "dir": "ltr", "autocomplete": "tel"}),
    )
    journey_stage = forms.ChoiceField(
        label=_("Where in the journey"), choices=choices(JourneyStage)
    )
    category = forms.ChoiceField(label=_("Situation"), choices=choices(PersonCategory))

    def clean_country(self) -> str:
        return _country_codes(self.cleaned_data.get("country", ""))


class DetailFields(forms.Form):
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        choices=choices(VulnerabilityCode),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs"),
        choices=choices(NeedCategory),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ConsentFields(forms.Form):
    consent_registration = forms.BooleanField(
        label=_("The person agrees that we keep this information to help them."),
        required=True,
    )
    consent_sharing = forms.BooleanField(
        label=_("The person agrees that we share it with aid organisations that can help."),
        required=False,
    )


class PersonForm(PersonNameFields, PlaceFields, DetailFields, ConsentFields):
    """Register one person."""

    email = forms.EmailField(label=_("E-mail"), required=False)
    field_order = [*NAME_ORDER, *PLACE_ORDER, "email", "vulnerabilities", "needs"]

    def __init__(self, *args: Any, joins_household: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if joins_household:
            self.fields["relationship"] = forms.ChoiceField(
                label=_("Relationship"), choices=choices(Relationship)
            )
            self.order_fields(["relationship", *NAME_ORDER])


class PersonEditForm(PersonNameFields, PlaceFields):
    email = forms.EmailField(label=_("E-mail"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)
    field_order = [*NAME_ORDER, *PLACE_ORDER, "email"]


class HouseholdForm(PlaceFields, ConsentFields):
    label = forms.CharField(label=_("Household name (optional)"), max_length=200, required=False)
    field_order = ["label", *PLACE_ORDER]


class MemberForm(PersonNameFields, DetailFields):
    relationship = forms.ChoiceField(label=_("Relationship"), choices=choices(Relationship))
    field_order = ["given_name", "family_name", "relationship", "sex", "birth_date", "nationality"]


MemberFormSet = forms.formset_factory(MemberForm, extra=4, max_num=12, min_num=1)
# Public pages: fewer blank rows keep the page light on a phone.
PublicMemberFormSet = forms.formset_factory(MemberForm, extra=3, max_num=12, min_num=1)


class SearchForm(forms.Form):
    """Sent by POST: a name typed here never appears in a URL."""

    q = forms.CharField(label=_("Name, in any script"), max_length=200, required=False)
    nationality = forms.CharField(label=_("Nationality"), max_length=3, required=False)
    journey_stage = forms.ChoiceField(
        label=_("Where in the journey"), choices=[("", "—"), *choices(JourneyStage)], required=False
    )
    category = forms.ChoiceField(
        label=_("Situation"), choices=[("", "—"), *choices(PersonCategory)], required=False
    )
    vulnerability = forms.ChoiceField(
        label=_("Vulnerability"), choices=[("", "—"), *choices(VulnerabilityCode)], required=False
    )
    need = forms.ChoiceField(
        label=_("Need"), choices=[("", "—"), *choices(NeedCategory)], required=False
    )
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False, initial=1)


class HoneypotMixin(forms.Form):
    # Hidden from people by CSS and aria-hidden; robots that fill every field fill this one.
    website = forms.CharField(label=_("Leave this empty"), required=False)

    @property
    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class SelfRegistrationForm(HoneypotMixin, HouseholdForm):
    pass


class HelpRequestForm(HoneypotMixin, PersonNameFields, PlaceFields):
    need = forms.ChoiceField(label=_("What help do you need?"), choices=choices(NeedCategory))
    details = forms.CharField(
        label=_("Tell us more (optional)"), max_length=1000, required=False, widget=forms.Textarea
    )
    consent_registration = ConsentFields.base_fields["consent_registration"]
    field_order = [*NAME_ORDER, *PLACE_ORDER, "need", "details"]


def person_values(data: dict[str, Any]) -> dict[str, Any]:
    """Form values as PersonFields input."""
    values: dict[str, Any] = {
        "given_name": data.get("given_name", ""),
        "family_name": data.get("family_name", ""),
        "sex": data.get("sex") or Sex.UNKNOWN,
        "birth_date": data.get("birth_date") or None,
        "nationalities": split_list(data.get("nationality") or ""),
    }
    if data.get("country"):
        values["country"] = data["country"]
    for name in ("admin_area", "place_name", "journey_stage", "category"):
        if data.get(name):
            values[name] = data[name]
    if "phone" in data:
        values["phones"] = [data["phone"]] if data.get("phone") else []
    if data.get("email"):
        values["email"] = data["email"]
    values["vulnerabilities"] = [{"code": code} for code in data.get("vulnerabilities", [])]
    values["needs"] = [{"category": category} for category in data.get("needs", [])]
    return values


def consents(data: dict[str, Any], *, method: str) -> list[dict[str, Any]]:
    given: list[dict[str, Any]] = [{"scope": "registration", "method": method}]
    if data.get("consent_sharing"):
        given.append(
            {
                "scope": "sharing",
                "method": method,
                "partner_kinds": ["international_organisation", "ngo", "service_provider"],
            }
        )
    return given
