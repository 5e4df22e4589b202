from __future__ import annotations

from django import template
from django.utils.functional import Promise

from compatriot.web import assistance_labels

register = template.Library()


@register.filter
def assistance_label(code: str, kind: str) -> str | Promise:
    """The translated label of an assistance code, e.g. {{ offer.status|assistance_label:"offer_status" }}."""
    return assistance_labels.assistance_label(code, kind)
