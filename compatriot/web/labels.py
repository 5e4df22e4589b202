"""Translated labels for the domain's codes. The domain keeps English labels (API, admin); the
web shows these, in the visitor's language. A test checks that every code has one."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from compatriot.core.models import AuditAction, Role
from compatriot.people.models import (
    ConsentScope,
    JourneyStage,
    NeedCategory,
    NeedStatus,
    PersonCategory,
    Relationship,
    Sex,
    Urgency,
    VulnerabilityCode,
)

LABELS: dict[type[TextChoices], dict[str, Promise]] = {
    Sex: {
        Sex.FEMALE: _("Female"),
        Sex.MALE: _("Male"),
        Sex.OTHER: _("Other"),
        Sex.UNKNOWN: _("Not known"),
    },
    JourneyStage: {
        JourneyStage.IN_CRISIS_COUNTRY: _("In the crisis country"),
        JourneyStage.IN_TRANSIT: _("On the way"),
        JourneyStage.AT_BORDER: _("At a border"),
        JourneyStage.AT_DESTINATION: _("Arrived"),
        JourneyStage.RETURNED: _("Returned home"),
    },
    PersonCategory: {
        PersonCategory.STUDENT: _("Student"),
        PersonCategory.WORKER: _("Worker"),
        PersonCategory.DOMESTIC_WORKER: _("Domestic worker"),
        PersonCategory.REFUGEE_OR_ASYLUM_SEEKER: _("Refugee or asylum seeker"),
        PersonCategory.VISITOR: _("Visitor"),
        PersonCategory.OTHER: _("Other"),
    },
    Relationship: {
        Relationship.HEAD: _("Head of household"),
        Relationship.SPOUSE: _("Spouse or partner"),
        Relationship.CHILD: _("Child"),
        Relationship.PARENT: _("Parent"),
        Relationship.SIBLING: _("Brother or sister"),
        Relationship.GRANDPARENT: _("Grandparent"),
        Relationship.GRANDCHILD: _("Grandchild"),
        Relationship.OTHER_RELATIVE: _("Other relative"),
        Relationship.NON_RELATIVE: _("Not related"),
    },
    VulnerabilityCode: {
        VulnerabilityCode.UNACCOMPANIED_CHILD: _("Child alone"),
        VulnerabilityCode.SEPARATED_CHILD: _("Child separated from parents"),
        VulnerabilityCode.DISABILITY: _("Disability"),
        VulnerabilityCode.SERIOUS_MEDICAL_CONDITION: _("Serious illness"),
        VulnerabilityCode.PREGNANT: _("Pregnant"),
        VulnerabilityCode.OLDER_PERSON: _("Older person"),
        VulnerabilityCode.TRAFFICKING: _("Trafficking"),
        VulnerabilityCode.GBV_RISK: _("Risk of violence"),
        VulnerabilityCode.UNDOCUMENTED: _("No documents"),
        VulnerabilityCode.DETAINED: _("Detained"),
        VulnerabilityCode.STRANDED_WITHOUT_MEANS: _("Stranded without money"),
    },
    NeedCategory: {
        NeedCategory.EVACUATION: _("Evacuation"),
        NeedCategory.TRANSPORT: _("Transport"),
        NeedCategory.SHELTER: _("Shelter"),
        NeedCategory.FOOD: _("Food"),
        NeedCategory.WASH: _("Water and hygiene"),
        NeedCategory.HEALTH: _("Health"),
        NeedCategory.MHPSS: _("Emotional support"),
        NeedCategory.LEGAL: _("Legal help"),
        NeedCategory.DOCUMENTS: _("Documents"),
        NeedCategory.INTERPRETATION: _("Interpreter"),
        NeedCategory.CASH: _("Money"),
        NeedCategory.FAMILY_TRACING: _("Finding family"),
        NeedCategory.RETURN: _("Going home"),
    },
    Urgency: {
        Urgency.LOW: _("Low"),
        Urgency.MEDIUM: _("Medium"),
        Urgency.HIGH: _("High"),
        Urgency.CRITICAL: _("Critical"),
    },
    NeedStatus: {
        NeedStatus.OPEN: _("Open"),
        NeedStatus.IN_PROGRESS: _("In progress"),
        NeedStatus.MET: _("Met"),
        NeedStatus.CANCELLED: _("Cancelled"),
    },
    ConsentScope: {
        ConsentScope.REGISTRATION: _("Keep the information"),
        ConsentScope.SHARING: _("Share with aid organisations"),
        ConsentScope.ALERTS: _("Receive alerts"),
        ConsentScope.FAMILY_TRACING: _("Search for family"),
    },
    AuditAction: {
        AuditAction.CREATE: _("Created"),
        AuditAction.UPDATE: _("Changed"),
        AuditAction.DELETE: _("Deleted"),
        AuditAction.READ: _("Viewed"),
        AuditAction.LIST: _("Listed"),
        AuditAction.EXPORT: _("Exported"),
    },
    Role: {
        Role.ADMIN: _("Administrator"),
        Role.COORDINATOR: _("Coordinator"),
        Role.CASEWORKER: _("Caseworker"),
        Role.VOLUNTEER: _("Volunteer"),
        Role.VIEWER: _("Viewer"),
    },
}


def choices(kind: type) -> list[tuple[str, Promise]]:
    return [(str(code), label) for code, label in LABELS[kind].items()]


def label(kind: type, code: str) -> str | Promise:
    return LABELS[kind].get(code, code)
