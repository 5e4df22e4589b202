"""Put the API's validation errors back on the form field they name."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from pydantic import ValidationError

from compatriot.core.errors import ConflictError, DomainError, InvalidInputError
from compatriot.web.error_text import translated
from compatriot.web.forms import SCHEMA_TO_FORM

# Errors a person can fix in the form. Not found and not allowed go to the 404 and 403 pages.
FORM_ERRORS = (InvalidInputError, ConflictError)

_PREFIX = re.compile(
    r"^(?:Value error, )?(?:(?P<field>[a-z_]+)(?: or [a-z_]+)?: )?(?P<message>.*)$", re.S
)
_MEMBER = re.compile(r"^members\[(?P<index>\d+)\]\.?(?P<field>.*)$")


def _form_field(form: forms.BaseForm, name: str | None) -> str | None:
    if name and name not in form.fields:  # the form's own field of that name first
        name = SCHEMA_TO_FORM.get(name, name)
    if name not in form.fields or form.fields[name].widget.is_hidden:
        return None  # shown at the top of the form
    return name


def _add(form: forms.BaseForm, name: str | None, message: str, *, fallback: forms.BaseForm) -> None:
    """On the named field of `form`, else of `fallback` (a household's shared fields), else on
    `form` as a whole."""
    if _form_field(form, name) is None and _form_field(fallback, name) is not None:
        form = fallback
    form.add_error(_form_field(form, name), message)


def _target(
    form: forms.BaseForm, members: forms.BaseFormSet | None, index: int | None
) -> forms.BaseForm:
    if members is not None and index is not None and index < len(members.forms):
        return members.forms[index]
    return form


def apply_schema_errors(
    form: forms.BaseForm,
    error: ValidationError,
    *,
    members: forms.BaseFormSet | None = None,
    member_index: list[int] | None = None,
) -> None:
    """`member_index` maps the schema's member positions to the formset's (blank rows skipped)."""
    for item in error.errors():
        location: list[Any] = [part for part in item["loc"] if part != "body"]
        index = None
        if location[:1] == ["members"] and len(location) > 1 and isinstance(location[1], int):
            index = member_index[location[1]] if member_index else location[1]
            location = location[2:]
        match = _PREFIX.match(item["msg"])
        field = str(location[0]) if location else (match.group("field") if match else None)
        message = match.group("message") if match and not location else item["msg"]
        _add(
            _target(form, members, index),
            field,
            translated(message.removeprefix("Value error, "), item.get("type", "")),
            fallback=form,
        )


def apply_domain_error(
    form: forms.BaseForm,
    error: DomainError,
    *,
    members: forms.BaseFormSet | None = None,
    member_index: list[int] | None = None,
) -> None:
    field = error.field
    index = None
    member = _MEMBER.match(field or "")
    if member:
        position = int(member.group("index"))
        index = member_index[position] if member_index else position
        field = member.group("field") or None
    _add(_target(form, members, index), field, translated(error.message), fallback=form)
