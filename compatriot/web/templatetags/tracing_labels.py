from __future__ import annotations

from django import template
from django.utils.functional import Promise

from compatriot.web import tracing_labels

register = template.Library()


@register.filter
def tracing_label(code: str, kind: str) -> str | Promise:
    """The translated label of a tracing code, e.g. {{ request.status|tracing_label:"status" }}."""
    return tracing_labels.tracing_label(code, kind)
