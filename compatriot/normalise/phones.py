"""Telephone numbers to E.164, with the nationality or location as the default region."""

from __future__ import annotations

import phonenumbers

from compatriot.normalise import NormalisationError


def to_e164(raw: str, *, default_regions: tuple[str, ...] = ()) -> str:
    """Parse `raw` (international or national form) and return it in E.164.

    National numbers are tried against each default region in turn (the person's location, then
    nationalities); the first region where the number is valid wins.
    """
    text = raw.strip()
    if not text:
        raise NormalisationError("is empty")
    if len(text) > 40:
        raise NormalisationError("is too long to be a telephone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    regions: tuple[str | None, ...] = (None,) if text.startswith("+") else default_regions
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not text.startswith("+") and not default_regions:
        raise NormalisationError(
            "needs an international prefix (+country code) when no country is known"
        )
    raise NormalisationError("is not a valid telephone number")
