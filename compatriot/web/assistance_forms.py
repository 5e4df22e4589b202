"""Forms of the matching board. They only shape HTML: the assistance schemas (`RequestIn`,
`RequestPatch`, `OfferIn`, `OfferPatch`, `PriorityIn`, `BoardFilter`) validate exactly as the API
does, and their errors come back on these fields (web/validation.py). Field names are the
schemas' own, so an error names the field it belongs to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from compatriot.assistance.models import Category, OfferStatus, RequestStatus, Requirement
from compatriot.people.models import Urgency
from compatriot.web.assistance_labels import choices
from compatriot.web.forms import split_list
from compatriot.web.labels import choices as people_choices

# A person's need, as the category of help a request asks for.
NEED_TO_CATEGORY = {
    "evacuation": Category.EVACUATION_SEAT,
    "transport": Category.TRANSPORT,
    "return": Category.TRANSPORT,
    "shelter": Category.SHELTER_BED,
    "food": Category.GOODS,
    "wash": Category.GOODS,
    "health": Category.MEDICAL,
    "legal": Category.LEGAL_AID,
    "documents": Category.LEGAL_AID,
    "interpretation": Category.INTERPRETER,
}

_LOCAL = {"type": "datetime-local"}
_BLANK: list[tuple[str, Any]] = [("", "—")]


def _languages() -> forms.CharField:
    return forms.CharField(
        label=_("Languages"),
        max_length=300,
        required=False,
        help_text=_("Language codes, separated by commas, e.g. en, yo, uk"),
    )


def _when(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=False, widget=forms.DateTimeInput(attrs=_LOCAL)
    )


def _coordinate(label: Any, required: bool = False) -> forms.FloatField:
    return forms.FloatField(label=label, required=required, localize=False)


class BoardFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=[], required=False)
    status = forms.ChoiceField(label=_("Request status"), choices=[], required=False)
    offer_status = forms.ChoiceField(label=_("Offer status"), choices=[], required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", "—")] + [(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    near_latitude = _coordinate(_("Near latitude"))
    near_longitude = _coordinate(_("Near longitude"))
    within_km = forms.FloatField(label=_("Within (km)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _BLANK + choices(Category)  # type: ignore[attr-defined]
        self.fields["status"].choices = _BLANK + choices(RequestStatus)  # type: ignore[attr-defined]
        self.fields["offer_status"].choices = _BLANK + choices(OfferStatus)  # type: ignore[attr-defined]


class RequestForm(forms.Form):
    person_id = forms.ChoiceField(
        label=_("For a registered person (their household)"), choices=[], required=False
    )
    need_id = forms.ChoiceField(label=_("From their need"), choices=[], required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[])
    people = forms.IntegerField(
        label=_("Number of people"),
        required=False,
        help_text=_("The whole household: it is never split. Empty: the household's size."),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=[], required=False)
    latitude = _coordinate(_("Latitude"))
    longitude = _coordinate(_("Longitude"))
    destination_latitude = _coordinate(_("Destination latitude"))
    destination_longitude = _coordinate(_("Destination longitude"))
    languages = _languages()
    earliest = _when(_("Earliest"))
    latest = _when(_("Latest"))
    requirements = forms.MultipleChoiceField(
        label=_("Requirements"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = choices(Category)  # type: ignore[attr-defined]
        self.fields["urgency"].choices = _BLANK + people_choices(Urgency)  # type: ignore[attr-defined]
        self.fields["requirements"].choices = choices(Requirement)  # type: ignore[attr-defined]

    def schema_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        data["languages"] = split_list(self.cleaned_data.get("languages") or "")
        return data


class RequestEditForm(RequestForm):
    """Editing an open request: the person and the need stay as they were."""

    CLEARABLE = ("destination_latitude", "destination_longitude", "earliest", "latest")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("person_id", "need_id", "urgency"):
            del self.fields[name]
        self.fields["people"].required = True
        self.fields["people"].help_text = _("The whole household: it is never split.")
        self.fields["latitude"].required = self.fields["longitude"].required = True

    def schema_data(self) -> dict[str, Any]:
        data = super().schema_data()
        for name in self.CLEARABLE:
            data.setdefault(name, None)
        data.setdefault("requirements", [])
        return data


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=[(str(n), str(n)) for n in range(1, 6)], coerce=int
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)


class AllocateForm(forms.Form):
    offer_id = forms.ChoiceField(label=_("Offer"), choices=[])
    override = forms.BooleanField(
        label=_("Override the distance, time, requirement or language check (coordinator)"),
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


def _tags() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("What the offer provides"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class OfferEditForm(forms.Form):
    capacity = forms.IntegerField(label=_("Capacity (people)"))
    radius_km = forms.FloatField(label=_("Radius served (km)"))
    languages = _languages()
    available_from = _when(_("Available from"))
    available_until = _when(_("Available until"))
    tags = _tags()
    other_tags = forms.CharField(
        label=_("Other tags"), max_length=300, required=False, help_text=_("Separated by commas")
    )
    expires_at = _when(_("Expires"))

    CLEARABLE = ("available_from", "available_until", "expires_at")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = choices(Requirement)  # type: ignore[attr-defined]

    def schema_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        data["languages"] = split_list(self.cleaned_data.get("languages") or "")
        tags = list(self.cleaned_data.get("tags") or [])
        tags += split_list(data.pop("other_tags", ""))
        data["tags"] = list(dict.fromkeys(tags))
        for name in self.CLEARABLE:
            data.setdefault(name, None)
        return data


class OfferForm(OfferEditForm):
    category = forms.ChoiceField(label=_("Category"), choices=[])
    latitude = _coordinate(_("Latitude"), required=True)
    longitude = _coordinate(_("Longitude"), required=True)
    destination_latitude = _coordinate(_("Destination latitude"))
    destination_longitude = _coordinate(_("Destination longitude"))
    departure_at = _when(_("Departure"))

    field_order = [
        "category",
        "capacity",
        "latitude",
        "longitude",
        "radius_km",
        "destination_latitude",
        "destination_longitude",
        "departure_at",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = choices(Category)  # type: ignore[attr-defined]
