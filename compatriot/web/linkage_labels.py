"""Translated labels for the codes of deduplication (see labels.py)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LINKAGE_LABELS: dict[str, dict[str, Promise]] = {
    "pair_status": {
        "pending": _("Waiting for review"),
        "merged": _("Merged"),
        "kept_apart": _("Kept apart"),
    },
    "job_status": {
        "queued": _("Queued"),
        "running": _("Running"),
        "done": _("Done"),
        "failed": _("Failed"),
    },
    "state": {
        "agree": _("Agree"),
        "disagree": _("Differ"),
        "missing": _("Missing on one side"),
    },
    "field": {
        "given_name": _("Given name"),
        "family_name": _("Family name"),
        "given_name_latin": _("Given name (Latin letters)"),
        "family_name_latin": _("Family name (Latin letters)"),
        "birth_date": _("Date of birth"),
        "sex": _("Sex"),
        "nationality": _("Nationality"),
        "phones": _("Phone numbers"),
        "country": _("Country"),
        "place_name": _("Place"),
        "source": _("Source"),
    },
    "source": {
        "self": _("Self-registration"),
        "hotline": _("Hotline"),
        "diaspora_volunteer": _("Diaspora volunteer"),
        "consulate": _("Consulate"),
        "import": _("Import"),
    },
    "sex": {
        "female": _("Female"),
        "male": _("Male"),
        "other": _("Other"),
    },
    "conflict": {
        "birth_date": _("different full dates of birth"),
        "birth_year": _("years of birth too far apart"),
        "sex": _("different sex"),
        "given_name": _("given names with nothing in common"),
    },
}


def linkage_label(code: str, kind: str) -> str | Promise:
    return LINKAGE_LABELS[kind].get(code, code)


def linkage_value(value: str, field: str) -> str | Promise:
    """A compared value as shown: the codes of source and sex translated, the rest as written."""
    return LINKAGE_LABELS[field].get(value, value) if field in ("source", "sex") else value
