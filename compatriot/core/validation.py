"""Turn Django model validation into domain errors that name the field."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from compatriot.core.errors import ConflictError, InvalidInputError


def validated_save(
    obj: models.Model,
    *,
    update_fields: list[str] | None = None,
    exclude: list[str] | None = None,
) -> None:
    """`full_clean()` then `save()`; a unique clash is a 409, anything else a 422.

    `exclude` names fields not to validate, such as a counter set to an `F()` expression.
    """
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        raise_domain_error(error)
    if update_fields is None:
        obj.save(force_insert=obj._state.adding)
    else:
        obj.save(update_fields=update_fields)


def raise_domain_error(error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        codes = (
            [e.code for e in error.error_dict.get(field, [])]
            if hasattr(error, "error_dict")
            else []
        )
        message = "; ".join(messages)
        name = None if field == NON_FIELD_ERRORS else field
        if "unique" in codes or "unique_together" in codes or "already exists" in message:
            raise ConflictError(message, field=name)
        raise InvalidInputError(message, field=name)
    raise InvalidInputError("; ".join(error.messages))
