"""The public "near me" form and the labels of the public directory pages.

A place is chosen by name from the known places (no map, no GPS, no JavaScript), or typed as
coordinates. The form only shapes HTML; the directory's NearQuery validates as the API does.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.functional import Promise
from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from compatriot.directory.models import Availability, CapacityKind, ProfileKind, ServiceCategory
from compatriot.directory.places import PLACES, Place
from compatriot.web.cases_forms import country_choices
from compatriot.web.directory_labels import DIRECTORY_LABELS

# The same words as on the operator screens.
CATEGORY_LABELS: dict[str, Promise] = DIRECTORY_LABELS[ServiceCategory]
PROFILE_KIND_LABELS: dict[str, Promise] = DIRECTORY_LABELS[ProfileKind]
CAPACITY_LABELS: dict[str, Promise] = {
    CapacityKind.SHELTER_BEDS: _("Shelter beds"),
    CapacityKind.VEHICLES: _("Vehicles"),
    CapacityKind.VEHICLE_SEATS: _("Seats in vehicles"),
    CapacityKind.INTERPRETERS: _("Interpreters"),
    CapacityKind.LEGAL_PROFESSIONALS: _("Legal professionals"),
    CapacityKind.MEDICAL_PROFESSIONALS: _("Medical professionals"),
    CapacityKind.FUNDS: _("Funds"),
    CapacityKind.IN_KIND_GOODS: _("Goods in kind"),
}
AVAILABILITY_LABELS: dict[str, Promise] = {
    Availability.AVAILABLE: _("Available now"),
    Availability.LIMITED: _("Limited availability"),
    Availability.UNAVAILABLE: _("Not available at the moment"),
}
CONTACT_LABELS: dict[str, Promise] = {
    "contact_email": _("E-mail"),
    "contact_phone": _("Phone"),
    "contact_messaging": _("Messaging"),
}
# The groups shown for a need: those with the matching capacity. Needs without one show every
# group near the place (a group can still advise or accompany).
NEED_CAPACITY: dict[str, str] = {
    ServiceCategory.SHELTER: CapacityKind.SHELTER_BEDS,
    ServiceCategory.TRANSPORT: CapacityKind.VEHICLE_SEATS,
    ServiceCategory.INTERPRETATION: CapacityKind.INTERPRETERS,
    ServiceCategory.LEGAL: CapacityKind.LEGAL_PROFESSIONALS,
    ServiceCategory.HEALTH: CapacityKind.MEDICAL_PROFESSIONALS,
    ServiceCategory.CASH: CapacityKind.FUNDS,
    ServiceCategory.FOOD: CapacityKind.IN_KIND_GOODS,
}
# Languages offered in the filter: those of the region, of the destinations, and of the people
# who crossed with them. Named by Django in the page's language.
LANGUAGE_CODES = [
    "uk", "ru", "pl", "ro", "hu", "sk", "cs", "de", "en", "fr", "es", "pt", "it", "ar", "tr",
    "ka", "hy", "az", "fa", "hi", "ur", "bn", "zh-hans", "vi",
]  # fmt: skip
RADII = [5, 10, 25, 50, 100]


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _language_choices() -> list[tuple[str, Any]]:
    named = [(code.split("-")[0], language_name(code)) for code in LANGUAGE_CODES]
    return [("", _("Any language")), *sorted(named, key=lambda item: item[1].casefold())]


def _place_choices() -> list[tuple[str, Any]]:
    countries = dict(country_choices())
    grouped: dict[str, list[tuple[str, str]]] = {}
    for place in PLACES.values():
        grouped.setdefault(place.country, []).append((place.key, place.name))
    return [("", _("Choose a place"))] + [
        (countries.get(country, country), places) for country, places in grouped.items()
    ]


class NearForm(forms.Form):
    place = forms.ChoiceField(label=_("Where are you?"), required=False)
    latitude = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )  # fmt: skip
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )  # fmt: skip
    need = forms.ChoiceField(label=_("What do you need?"), required=False)
    language = forms.ChoiceField(label=_("In which language?"), required=False)
    radius_km = forms.TypedChoiceField(
        label=_("How far?"), coerce=int, initial=25, required=False, empty_value=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: dict[str, list[tuple[Any, Any]]] = {
            "place": _place_choices(),
            "need": [("", _("Any help")), *CATEGORY_LABELS.items()],
            "language": _language_choices(),
            "radius_km": [(radius, gettext("%(km)s km") % {"km": radius}) for radius in RADII],
        }
        for name, options in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = options

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None):
            missing = "longitude" if longitude is None else "latitude"
            if missing not in self.errors:
                self.add_error(missing, _("Type both coordinates, or neither."))
        elif latitude is None and not data.get("place") and not self.errors:
            self.add_error("place", _("Choose a place, or type its coordinates."))
        return data

    def point(self) -> tuple[float, float, Place | None]:
        """Typed coordinates win over a place chosen from the list."""
        data = self.cleaned_data
        if data.get("latitude") is not None:
            return data["latitude"], data["longitude"], None
        place = PLACES[data["place"]]
        return place.latitude, place.longitude, place
