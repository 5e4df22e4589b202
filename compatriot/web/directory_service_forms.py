"""Forms of the service directory screens (HSDS services with their locations, schedules and
fees) and of the HSDS package import. They only shape the input; the schemas decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from compatriot.directory.models import LocationType, ServiceCategory, ServiceStatus
from compatriot.web.directory_forms import YES_NO, yes_no
from compatriot.web.directory_labels import directory_choices
from compatriot.web.forms import _country_codes, split_list

NEW = "new"
TCN_CHOICES = [
    ("", _("Not known")),
    ("yes", _("Yes: third-country nationals are served")),
    ("no", _("No: nationals only")),
]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _blank(data: dict[str, Any]) -> bool:
    return all(value in (None, "", []) for value in data.values())


class ServiceForm(forms.Form):
    organization = forms.ChoiceField(label=_("Organization providing the service"))
    organization_name = forms.CharField(
        label=_("Name of the new organization"), max_length=200, required=False
    )
    organization_description = forms.CharField(
        label=_("Description of the new organization"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    name = forms.CharField(label=_("Name of the service"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.ChoiceField(label=_("Category"), choices=directory_choices(ServiceCategory))
    status = forms.ChoiceField(label=_("Status"), choices=directory_choices(ServiceStatus))
    url = forms.CharField(label=_("Website"), max_length=200, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        help_text=_("One per line, with the country code, e.g. +48 22 123 45 67"),
        widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr"}),
    )
    languages = forms.CharField(
        label=_("Languages"),
        max_length=300,
        required=False,
        help_text=_("Language codes separated by commas, e.g. en, fr, ha"),
    )
    serves_third_country_nationals = forms.ChoiceField(
        label=_("Third-country nationals served"), choices=TCN_CHOICES, required=False
    )
    eligibility_description = forms.CharField(
        label=_("Who is eligible"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    required_documents = forms.CharField(
        label=_("Documents asked for"),
        required=False,
        help_text=_("One per line; leave empty if none are asked for"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    minimum_age = forms.IntegerField(label=_("Minimum age"), required=False, min_value=0)
    maximum_age = forms.IntegerField(label=_("Maximum age"), required=False, min_value=0)
    fees_description = forms.CharField(
        label=_("Fees"),
        required=False,
        help_text=_("E.g. free of charge"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, organizations: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if organizations is None:  # editing: the organization stays
            for name in ("organization", "organization_name", "organization_description"):
                del self.fields[name]
        else:
            field = self.fields["organization"]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101
            field.choices = [
                *organizations,
                (NEW, _("A new organization (give its name and description)")),
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("organization") == NEW:
            for name in ("organization_name", "organization_description"):
                if not data.get(name):
                    self.add_error(name, _("Give the new organization's name and description."))
        return data

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        organization = data.pop("organization", None)
        name = data.pop("organization_name", "")
        description = data.pop("organization_description", "")
        data["phones"] = _lines(data["phones"])
        data["required_documents"] = _lines(data["required_documents"])
        data["languages"] = [code.lower() for code in split_list(data["languages"])]
        data["serves_third_country_nationals"] = yes_no(data["serves_third_country_nationals"])
        if organization == NEW:
            data["organization"] = {"name": name, "description": description}
        elif organization:
            data["organization"] = {"id": organization, "name": "-", "description": "-"}
        return data


class LocationForm(forms.Form):
    name = forms.CharField(label=_("Name of the place"), max_length=200, required=False)
    location_type = forms.ChoiceField(
        label=_("Kind of location"), choices=directory_choices(LocationType)
    )
    address_1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=200, required=False)
    state_province = forms.CharField(label=_("Region"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code (if any)"), max_length=20, required=False)
    country = forms.CharField(label=_("Country"), max_length=60, required=False)
    latitude = forms.FloatField(label=_("Latitude"), required=False)
    longitude = forms.FloatField(label=_("Longitude"), required=False)

    def clean_country(self) -> str:
        return _country_codes(self.cleaned_data.get("country", ""))

    def values(self) -> dict[str, Any] | None:
        data = dict(self.cleaned_data)
        kind = data.pop("location_type", LocationType.PHYSICAL)
        if _blank(data):
            return None
        data["location_type"] = kind
        data["country"] = data["country"] or None
        return data


class ScheduleForm(forms.Form):
    freq = forms.ChoiceField(
        label=_("Repeats"),
        choices=[("", "—"), ("WEEKLY", _("Every week")), ("MONTHLY", _("Every month"))],
        required=False,
    )
    byday = forms.CharField(
        label=_("Days"),
        max_length=40,
        required=False,
        help_text=_("E.g. MO,TU,WE,TH,FR"),
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    opens_at = forms.CharField(
        label=_("Opens at"),
        max_length=5,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    closes_at = forms.CharField(
        label=_("Closes at"),
        max_length=5,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    description = forms.CharField(label=_("Opening hours note"), max_length=300, required=False)

    def clean_byday(self) -> str:
        return self.cleaned_data.get("byday", "").upper().replace(" ", "")

    def values(self) -> dict[str, Any] | None:
        data = dict(self.cleaned_data)
        return None if _blank(data) else data


class CostForm(forms.Form):
    option = forms.CharField(label=_("Fee for"), max_length=300, required=False)
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    currency = forms.CharField(
        label=_("Currency"), max_length=3, required=False, help_text=_("E.g. EUR")
    )
    amount_description = forms.CharField(label=_("Fee note"), max_length=300, required=False)

    def clean_currency(self) -> str:
        return self.cleaned_data.get("currency", "").upper()

    def values(self) -> dict[str, Any] | None:
        data = dict(self.cleaned_data)
        return None if _blank(data) else data


def _formset(form: type[forms.Form], maximum: int) -> Any:
    return forms.formset_factory(form, extra=1, max_num=maximum, validate_max=True)


SERVICE_LISTS: dict[str, Any] = {
    "locations": _formset(LocationForm, 50),
    "schedules": _formset(ScheduleForm, 20),
    "cost_options": _formset(CostForm, 10),
}


def service_formsets(
    data: Any = None, initial: dict[str, list[dict[str, Any]]] | None = None
) -> dict[str, Any]:
    return {
        name: formset(data, initial=(initial or {}).get(name), prefix=name)
        for name, formset in SERVICE_LISTS.items()
    }


class ServiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Name contains"), max_length=200, required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("Any")), *directory_choices(ServiceCategory)],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any")), *directory_choices(ServiceStatus)],
        required=False,
    )
    third_country = forms.ChoiceField(
        label=_("Third-country nationals served"), choices=YES_NO, required=False
    )
    mine = forms.BooleanField(label=_("Only my organisation's"), required=False)


class HsdsImportForm(forms.Form):
    package = forms.FileField(
        label=_("HSDS 3.0 data package"),
        help_text=_(
            "A zip file with datapackage.json and its CSV files (or with hsds.json), "
            "or an hsds.json file"
        ),
    )
