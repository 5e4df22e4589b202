"""From validated input to the stored shape of a person: transliteration, search text, dates.

Pure functions shared by the registration service and the bulk importer, so that both store
exactly the same thing for the same input.
"""

from __future__ import annotations

from typing import Any, cast

from compatriot.normalise.dates import PartialDate
from compatriot.normalise.names import search_text, to_latin
from compatriot.people.schemas import PersonFields, PersonPatch

NAME_FIELDS = ("given_name", "family_name", "given_name_latin", "family_name_latin")


def derived_name_fields(
    given_name: str,
    family_name: str,
    given_name_latin: str | None,
    family_name_latin: str | None,
) -> dict[str, str]:
    """Latin forms (given, or transliterated) and the search text over every form."""
    given_latin = given_name_latin or to_latin(given_name)
    family_latin = family_name_latin or to_latin(family_name)
    return {
        "given_name_latin": given_latin,
        "family_name_latin": family_latin,
        "search_text": search_text(given_name, family_name, given_latin, family_latin),
    }


def birth_date_fields(value: PartialDate | None) -> dict[str, Any]:
    if value is None:
        return {"birth_date": None, "birth_date_precision": ""}
    return {"birth_date": value.value, "birth_date_precision": str(value.precision)}


def person_values(data: PersonFields) -> dict[str, Any]:
    """Column values for a new person from validated input (without crisis and organisation)."""
    return {
        "given_name": data.given_name,
        "family_name": data.family_name,
        **derived_name_fields(
            data.given_name, data.family_name, data.given_name_latin, data.family_name_latin
        ),
        "sex": data.sex,
        **birth_date_fields(data.birth_date),  # type: ignore[arg-type]  # validated to PartialDate
        "nationality": data.nationalities[0] if data.nationalities else "",
        "nationalities": data.nationalities,
        "languages": data.languages,
        "phones": data.phones,
        "email": data.email,
        "country": data.country or "",
        "admin_area": data.admin_area,
        "place_name": data.place_name,
        "latitude": data.latitude,
        "longitude": data.longitude,
        "journey_stage": data.journey_stage,
        "category": data.category,
        "source": data.source,
        "source_record_id": data.source_record_id,
    }


def patch_values(data: PersonPatch, current: dict[str, Any]) -> dict[str, Any]:
    """Column values to change from a partial update; names and dates re-derived when touched."""
    # The birth date is a PartialDate once validated, not the string its annotation says: it is
    # read from the model itself rather than dumped.
    given = data.model_dump(exclude_unset=True, exclude={"version", "birth_date"})
    values: dict[str, Any] = {}
    if "birth_date" in data.model_fields_set:
        values.update(birth_date_fields(cast("PartialDate | None", data.birth_date)))
    for name, value in given.items():
        if name in {"country"}:
            values[name] = value or ""
        elif value is None and name not in {"latitude", "longitude"}:
            continue
        else:
            values[name] = value
    if "nationalities" in values:
        values["nationality"] = values["nationalities"][0] if values["nationalities"] else ""
    if any(name in given for name in NAME_FIELDS):
        merged = {name: values.get(name, current[name]) for name in NAME_FIELDS}
        # A new written form without a new Latin form gets a fresh transliteration.
        for written, latin in (
            ("given_name", "given_name_latin"),
            ("family_name", "family_name_latin"),
        ):
            if written in given and latin not in given:
                merged[latin] = None
        values.update(
            {"given_name": merged["given_name"], "family_name": merged["family_name"]},
        )
        values.update(
            derived_name_fields(
                merged["given_name"],
                merged["family_name"],
                merged["given_name_latin"],
                merged["family_name_latin"],
            )
        )
    return values
