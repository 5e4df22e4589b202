from __future__ import annotations

from django import template
from django.utils.functional import Promise

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
from compatriot.web import labels

register = template.Library()

KINDS: dict[str, type] = {
    "sex": Sex,
    "stage": JourneyStage,
    "category": PersonCategory,
    "relationship": Relationship,
    "vulnerability": VulnerabilityCode,
    "need": NeedCategory,
    "role": Role,
    "status": NeedStatus,
    "urgency": Urgency,
    "consent": ConsentScope,
    "action": AuditAction,
}


@register.filter
def label(code: str, kind: str) -> str | Promise:
    """The translated label of a code, e.g. {{ person.sex|label:"sex" }}."""
    return labels.label(KINDS[kind], code)
