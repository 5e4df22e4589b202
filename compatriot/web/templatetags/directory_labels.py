from __future__ import annotations

from django import template
from django.utils.functional import Promise

from compatriot.web import directory_labels

register = template.Library()


@register.filter
def directory_label(code: str, kind: str) -> str | Promise:
    """The translated label of a directory code, e.g. {{ profile.kind|directory_label:"profile_kind" }}."""
    return directory_labels.directory_label(code, kind)
