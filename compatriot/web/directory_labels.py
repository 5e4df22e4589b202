"""Translated labels for the directory's codes on the operator screens (see labels.py)."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from compatriot.directory.models import (
    Availability,
    CapacityKind,
    Channel,
    LocationType,
    ProfileKind,
    ServiceCategory,
    ServiceStatus,
)

DIRECTORY_LABELS: dict[type[TextChoices], dict[str, Promise]] = {
    ProfileKind: {
        ProfileKind.ORGANISATION: _("Diaspora organisation"),
        ProfileKind.NETWORK: _("Diaspora network"),
        ProfileKind.INFORMAL_GROUP: _("Informal group"),
        ProfileKind.INDIVIDUAL_VOLUNTEER: _("Individual volunteer"),
    },
    Channel: {
        Channel.MESSAGING_GROUP: _("Messaging groups"),
        Channel.RADIO: _("Radio"),
        Channel.FAITH_NETWORK: _("Faith networks"),
        Channel.SOCIAL_MEDIA: _("Social media"),
        Channel.PHONE_TREE: _("Phone tree"),
        Channel.IN_PERSON: _("In person"),
    },
    Availability: {
        Availability.AVAILABLE: _("Available now"),
        Availability.LIMITED: _("Limited"),
        Availability.UNAVAILABLE: _("Not available"),
    },
    CapacityKind: {
        CapacityKind.SHELTER_BEDS: _("Shelter beds"),
        CapacityKind.VEHICLES: _("Vehicles"),
        CapacityKind.VEHICLE_SEATS: _("Vehicle seats"),
        CapacityKind.INTERPRETERS: _("Interpreters"),
        CapacityKind.LEGAL_PROFESSIONALS: _("Legal professionals"),
        CapacityKind.MEDICAL_PROFESSIONALS: _("Medical professionals"),
        CapacityKind.FUNDS: _("Funds"),
        CapacityKind.IN_KIND_GOODS: _("In-kind goods"),
    },
    ServiceCategory: {
        ServiceCategory.SHELTER: _("Shelter"),
        ServiceCategory.FOOD: _("Food"),
        ServiceCategory.WASH: _("Water, sanitation and hygiene"),
        ServiceCategory.HEALTH: _("Health"),
        ServiceCategory.PSYCHOSOCIAL: _("Psychosocial support"),
        ServiceCategory.LEGAL: _("Legal aid"),
        ServiceCategory.DOCUMENTATION: _("Documents and consular help"),
        ServiceCategory.TRANSPORT: _("Transport"),
        ServiceCategory.INTERPRETATION: _("Interpretation"),
        ServiceCategory.CASH: _("Cash assistance"),
        ServiceCategory.INFORMATION: _("Information"),
    },
    ServiceStatus: {
        ServiceStatus.ACTIVE: _("Active"),
        ServiceStatus.INACTIVE: _("Inactive"),
        ServiceStatus.DEFUNCT: _("Defunct"),
        ServiceStatus.TEMPORARILY_CLOSED: _("Temporarily closed"),
    },
    LocationType: {
        LocationType.PHYSICAL: _("Physical"),
        LocationType.POSTAL: _("Postal"),
        LocationType.VIRTUAL: _("Virtual"),
    },
}

KINDS: dict[str, type[TextChoices]] = {
    "profile_kind": ProfileKind,
    "channel": Channel,
    "availability": Availability,
    "capacity": CapacityKind,
    "category": ServiceCategory,
    "status": ServiceStatus,
    "location_type": LocationType,
}


def directory_choices(kind: type[TextChoices]) -> list[tuple[str, Promise]]:
    return [(str(code), text) for code, text in DIRECTORY_LABELS[kind].items()]


def directory_label(code: str, kind: str) -> str | Promise:
    return DIRECTORY_LABELS[KINDS[kind]].get(code, code)
