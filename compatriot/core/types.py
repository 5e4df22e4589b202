"""Validated value types shared by every app's schemas.

Each rejects bad input with a message that, with the field path pydantic adds, names the field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from compatriot.normalise import NormalisationError
from compatriot.normalise.codes import country_alpha2, language_code
from compatriot.normalise.text import clean_text


def _clean(max_length: int, *, multiline: bool = False) -> AfterValidator:
    def validate(value: str) -> str:
        try:
            return clean_text(value, max_length=max_length, multiline=multiline)
        except NormalisationError as error:
            raise ValueError(str(error)) from error

    return AfterValidator(validate)


def _country(value: str) -> str:
    try:
        return country_alpha2(value)
    except NormalisationError as error:
        raise ValueError(str(error)) from error


def _language(value: str) -> str:
    try:
        return language_code(value)
    except NormalisationError as error:
        raise ValueError(str(error)) from error


# The raw length cap stops 10 MB strings before any work is done on them.
ShortText = Annotated[str, StringConstraints(max_length=800), _clean(200)]
NameText = Annotated[str, StringConstraints(max_length=800), _clean(200)]
LongText = Annotated[str, StringConstraints(max_length=20_000), _clean(5000, multiline=True)]
CountryCode = Annotated[
    str, StringConstraints(min_length=2, max_length=3), AfterValidator(_country)
]
LanguageCode = Annotated[
    str, StringConstraints(min_length=2, max_length=3), AfterValidator(_language)
]
