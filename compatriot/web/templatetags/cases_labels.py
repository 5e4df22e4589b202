from __future__ import annotations

from django import template
from django.utils.functional import Promise

from compatriot.web import cases_labels

register = template.Library()


@register.filter
def case_label(code: str, kind: str) -> str | Promise:
    """The translated label of a cases code, e.g. {{ case.priority|case_label:"priority" }}."""
    return cases_labels.case_label(code, kind)
