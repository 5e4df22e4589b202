"""Translated labels for the codes of concerns, cases and referrals (see labels.py)."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from compatriot.cases.models import (
    CaseEventKind,
    CaseOutcome,
    CasePriority,
    CaseStatus,
    ConcernKind,
    ConcernStatus,
    Disclosure,
    ReferralStatus,
)

CASE_LABELS: dict[type[TextChoices], dict[str, Promise]] = {
    ConcernKind: {
        ConcernKind.BORDER_DISCRIMINATION: _("Discrimination or denial of passage at a border"),
        ConcernKind.DENIAL_OF_ASSISTANCE: _("Denial of assistance"),
        ConcernKind.DETENTION: _("Detention"),
        ConcernKind.TRAFFICKING: _("Trafficking or exploitation"),
        ConcernKind.EXTORTION: _("Extortion or profiteering"),
        ConcernKind.VIOLENCE: _("Violence"),
        ConcernKind.MISSING_PERSON: _("Missing person"),
        ConcernKind.UNSAFE_SHELTER: _("Unsafe shelter"),
        ConcernKind.OTHER: _("Something else"),
    },
    ConcernStatus: {
        ConcernStatus.RECEIVED: _("Received"),
        ConcernStatus.TRIAGED: _("Being followed up"),
        ConcernStatus.CLOSED: _("Closed"),
    },
    CaseStatus: {
        CaseStatus.OPEN: _("Open"),
        CaseStatus.ASSESSED: _("Assessed"),
        CaseStatus.REFERRED: _("Referred"),
        CaseStatus.IN_PROGRESS: _("In progress"),
        CaseStatus.CLOSED: _("Closed"),
    },
    CasePriority: {
        CasePriority.LOW: _("Low"),
        CasePriority.MEDIUM: _("Medium"),
        CasePriority.HIGH: _("High"),
        CasePriority.CRITICAL: _("Critical"),
    },
    CaseOutcome: {
        CaseOutcome.RESOLVED: _("Concern addressed"),
        CaseOutcome.SERVICE_PROVIDED: _("Service provided through a referral"),
        CaseOutcome.NO_LONGER_NEEDED: _("No longer needed"),
        CaseOutcome.PERSON_DECLINED: _("The person declined further help"),
        CaseOutcome.LOST_CONTACT: _("Contact lost"),
        CaseOutcome.UNFOUNDED: _("Concern not confirmed"),
        CaseOutcome.OTHER: _("Other outcome"),
    },
    ReferralStatus: {
        ReferralStatus.PENDING: _("Waiting for an answer"),
        ReferralStatus.ACCEPTED: _("Accepted"),
        ReferralStatus.DECLINED: _("Declined"),
        ReferralStatus.COMPLETED: _("Completed"),
        ReferralStatus.CANCELLED: _("Cancelled"),
    },
    Disclosure: {
        Disclosure.IDENTITY: _("Names, sex and year of birth"),
        Disclosure.CONTACT: _("Phone numbers and e-mail"),
        Disclosure.LOCATION: _("Current location"),
        Disclosure.NEEDS: _("Needs"),
        Disclosure.VULNERABILITIES: _("Vulnerabilities"),
        Disclosure.ASSESSMENT: _("The case assessment"),
    },
    CaseEventKind: {
        CaseEventKind.OPENED: _("Opened"),
        CaseEventKind.ASSESSED: _("Assessed"),
        CaseEventKind.STATUS: _("Status changed"),
        CaseEventKind.REFERRED: _("Referred"),
        CaseEventKind.REFERRAL_ANSWERED: _("Referral answered"),
        CaseEventKind.REFERRAL_COMPLETED: _("Referral completed"),
        CaseEventKind.TRANSFERRED: _("Transferred"),
        CaseEventKind.ESCALATED: _("Escalated: deadline passed"),
        CaseEventKind.CLOSED: _("Closed"),
        CaseEventKind.REOPENED: _("Reopened"),
    },
}

KINDS: dict[str, type[TextChoices]] = {
    "concern": ConcernKind,
    "concern_status": ConcernStatus,
    "case_status": CaseStatus,
    "priority": CasePriority,
    "outcome": CaseOutcome,
    "referral_status": ReferralStatus,
    "disclosure": Disclosure,
    "event": CaseEventKind,
}


def choices(kind: type[TextChoices]) -> list[tuple[str, Promise]]:
    return [(str(code), label) for code, label in CASE_LABELS[kind].items()]


def case_label(code: str, kind: str) -> str | Promise:
    return CASE_LABELS[KINDS[kind]].get(code, code)
