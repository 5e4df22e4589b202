"""Translated labels for the codes of requests, offers, allocations and matching blockers
(see labels.py). The domain keeps English labels for the API; the board shows these."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from compatriot.assistance.models import (
    AllocationKind,
    AllocationStatus,
    Category,
    OfferStatus,
    RequestStatus,
    Requirement,
)

ASSISTANCE_LABELS: dict[type[TextChoices], dict[str, Promise]] = {
    Category: {
        Category.EVACUATION_SEAT: _("Evacuation seat"),
        Category.TRANSPORT: _("Transport"),
        Category.SHELTER_BED: _("Shelter bed"),
        Category.INTERPRETER: _("Interpreter"),
        Category.LEGAL_AID: _("Legal aid"),
        Category.MEDICAL: _("Medical care"),
        Category.GOODS: _("Goods"),
    },
    Requirement: {
        Requirement.WHEELCHAIR: _("Wheelchair access"),
        Requirement.WOMEN_ONLY: _("Women only"),
        Requirement.CHILD_FRIENDLY: _("Child friendly"),
        Requirement.PETS: _("Pets welcome"),
    },
    RequestStatus: {
        RequestStatus.OPEN: _("Open"),
        RequestStatus.ALLOCATED: _("Allocated"),
        RequestStatus.CLOSED: _("Served"),
        RequestStatus.CANCELLED: _("Cancelled"),
    },
    OfferStatus: {
        OfferStatus.ACTIVE: _("Active"),
        OfferStatus.PAUSED: _("Paused"),
        OfferStatus.WITHDRAWN: _("Withdrawn"),
    },
    AllocationStatus: {
        AllocationStatus.PROPOSED: _("Proposed"),
        AllocationStatus.CONFIRMED: _("Confirmed by the offerer"),
        AllocationStatus.FULFILLED: _("Fulfilled"),
        AllocationStatus.NO_SHOW: _("No-show"),
        AllocationStatus.CANCELLED: _("Cancelled"),
    },
    AllocationKind: {
        AllocationKind.MATCHED: _("Proposed by the matching"),
        AllocationKind.MANUAL: _("Allocated by hand"),
        AllocationKind.OVERRIDE: _("Coordinator override"),
    },
}

# What blocked an unmatched request (the engine's codes, compatriot.assistance.engine BLOCKERS),
# and `full` for an offer without room in the manual allocation list.
BLOCKER_LABELS: dict[str, Promise] = {
    "no_offer_in_category": _("No offer in this category"),
    "none_in_range": _("No offer serves this place (out of every radius)"),
    "no_destination": _("No offer in range goes to this destination"),
    "no_time_overlap": _("No offer in range is available at that time"),
    "requirements": _("No offer in range meets the requirements"),
    "no_language": _("No offer in range speaks the language"),
    "household_too_large": _("The household is larger than every compatible offer's free places"),
    "all_full": _("Every compatible offer is full (taken by higher-priority households)"),
    "full": _("Not enough free places"),
}

KINDS: dict[str, type[TextChoices]] = {
    "category": Category,
    "requirement": Requirement,
    "request_status": RequestStatus,
    "offer_status": OfferStatus,
    "allocation_status": AllocationStatus,
    "allocation_kind": AllocationKind,
}


def choices(kind: type[TextChoices]) -> list[tuple[str, Promise]]:
    return [(str(code), label) for code, label in ASSISTANCE_LABELS[kind].items()]


def assistance_label(code: str, kind: str) -> str | Promise:
    if kind == "blocker":
        return BLOCKER_LABELS.get(code, code)
    return ASSISTANCE_LABELS[KINDS[kind]].get(code, code)
