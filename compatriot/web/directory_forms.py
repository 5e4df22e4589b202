"""Forms of the directory screens: diaspora profiles with their capacities, the profile filters
and the gap map's choices. The forms only shape the input; the schemas and services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from compatriot.directory.models import (
    Availability,
    CapacityKind,
    Channel,
    ProfileKind,
)
from compatriot.directory.operators import NEED_SUPPLY
from compatriot.people.models import NeedCategory
from compatriot.web.directory_labels import directory_choices
from compatriot.web.error_text import translated
from compatriot.web.forms import _country_codes, split_list
from compatriot.web.labels import label

CONTACT_CHOICES = [
    ("contact_email", _("Email")),
    ("contact_phone", _("Phone")),
    ("contact_messaging", _("Messaging")),
]
YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class ProfileForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of group"), choices=directory_choices(ProfileKind))
    name = forms.CharField(label=_("Name"), max_length=200)
    origin_country = forms.CharField(
        label=_("Country of origin"),
        max_length=60,
        help_text=_("Country name or code, e.g. NG or Nigeria"),
    )
    origin_community = forms.CharField(
        label=_("Community of origin"), max_length=200, required=False
    )
    country = forms.CharField(label=_("Country where they are"), max_length=60)
    city = forms.CharField(label=_("City"), max_length=200, required=False)
    latitude = forms.FloatField(label=_("Latitude"), required=False)
    longitude = forms.FloatField(label=_("Longitude"), required=False)
    community_size = forms.IntegerField(
        label=_("Size of the community they reach"), required=False, min_value=0
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=directory_choices(Channel),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(
        label=_("Languages"),
        max_length=300,
        required=False,
        help_text=_("Language codes separated by commas, e.g. en, fr, ha"),
    )
    availability = forms.ChoiceField(
        label=_("Availability"), choices=directory_choices(Availability)
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_email = forms.CharField(label=_("Contact email"), max_length=254, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "dir": "ltr"}),
    )
    contact_messaging = forms.CharField(
        label=_("Messaging contact"), max_length=200, required=False
    )
    is_published = forms.BooleanField(
        label=_("Publish this profile in the public directory"), required=False
    )
    published_contact_fields = forms.MultipleChoiceField(
        label=_("Contact details shown to the public"),
        choices=CONTACT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_origin_country(self) -> str:
        return _country_codes(self.cleaned_data.get("origin_country", ""))

    def clean_country(self) -> str:
        return _country_codes(self.cleaned_data.get("country", ""))

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["languages"] = [code.lower() for code in split_list(data["languages"])]
        return data


class CapacityForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Capacity"),
        choices=[("", "—"), *directory_choices(CapacityKind)],
        required=False,
    )
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=0)
    language = forms.CharField(label=_("Language (interpreters)"), max_length=3, required=False)
    unit = forms.CharField(label=_("Unit or currency"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") and data.get("quantity") is None:
            self.add_error("quantity", _("Give a quantity."))
        if not data.get("kind") and data.get("quantity") is not None:
            self.add_error("kind", _("Choose what the quantity counts."))
        return data

    def values(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        return {
            "kind": data["kind"],
            "quantity": data["quantity"],
            "language": data["language"].lower() or None,
            "unit": data["unit"],
            "note": data["note"],
        }


CapacityFormSet = forms.formset_factory(CapacityForm, extra=2, max_num=50, validate_max=True)


def capacity_formset(data: Any = None, *, initial: list[dict[str, Any]] | None = None) -> Any:
    return CapacityFormSet(data, initial=initial, prefix="capacities")


def apply_errors(
    form: forms.Form, lists: dict[str, tuple[Any, list[int]]], error: ValidationError
) -> None:
    """Schema errors onto the field they name; an error in a list item (a capacity, a
    location, ...) onto its row of the formset in `lists` (name: formset and the map of the
    schema's positions to the formset's rows, blank rows skipped)."""
    for item in error.errors():
        location = [part for part in item["loc"] if part != "body"]
        message = str(item["msg"]).removeprefix("Value error, ")
        field: str | None = None
        if ": " in message and message.split(": ", 1)[0].isidentifier():
            field, message = message.split(": ", 1)
        text = translated(message, item.get("type", ""))
        if location and location[0] in lists and len(location) > 1:
            formset, rows = lists[str(location[0])]
            if isinstance(location[1], int) and location[1] < len(rows):
                row = formset.forms[rows[location[1]]]
                name = str(location[2]) if len(location) > 2 else field
                row.add_error(name if name in row.fields else None, text)
                continue
        name = str(location[0]) if location else field
        form.add_error(name if name in form.fields else None, text)


def formset_values(formset: Any) -> tuple[list[int], list[dict[str, Any]]]:
    """The filled rows of a valid formset (each form's `values()`, None when blank) and their
    positions."""
    rows, items = [], []
    for index, row in enumerate(formset.forms):
        values = row.values()
        if values is not None:
            rows.append(index)
            items.append(values)
    return rows, items


class ProfileFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of group"),
        choices=[("", _("Any")), *directory_choices(ProfileKind)],
        required=False,
    )
    origin_community = forms.CharField(
        label=_("Community of origin"), max_length=200, required=False
    )
    origin_country = forms.CharField(label=_("Country of origin"), max_length=60, required=False)
    country = forms.CharField(label=_("Country where they are"), max_length=60, required=False)
    stale = forms.ChoiceField(label=_("Stale"), choices=YES_NO, required=False)
    verified = forms.ChoiceField(label=_("Verified"), choices=YES_NO, required=False)
    published = forms.ChoiceField(label=_("Published"), choices=YES_NO, required=False)
    mine = forms.BooleanField(label=_("Only my organisation's"), required=False)

    def clean_origin_country(self) -> str:
        return _country_codes(self.cleaned_data.get("origin_country", ""))

    def clean_country(self) -> str:
        return _country_codes(self.cleaned_data.get("country", ""))


class GapForm(forms.Form):
    need = forms.ChoiceField(
        label=_("Need"),
        choices=[(str(code), label(NeedCategory, code)) for code in NEED_SUPPLY],
        initial=NeedCategory.SHELTER,
    )
    radius_km = forms.IntegerField(
        label=_("Distance around each area (km)"), min_value=1, max_value=500, initial=50
    )
