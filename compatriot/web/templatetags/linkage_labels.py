from __future__ import annotations

from django import template
from django.utils.functional import Promise

from compatriot.web import linkage_labels

register = template.Library()


@register.filter
def linkage_label(code: str, kind: str) -> str | Promise:
    """The translated label of a deduplication code, e.g. {{ pair.status|linkage_label:"pair_status" }}."""
    return linkage_labels.linkage_label(code, kind)


@register.filter
def linkage_value(value: str, field: str) -> str | Promise:
    """A value of the side-by-side comparison, e.g. {{ f.value_a|linkage_value:f.field }}."""
    return linkage_labels.linkage_value(value, field)
