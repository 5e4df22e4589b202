"""The directory as HSDS 3.0 records (one dict per row, per table) and back.

What HSDS has no column for travels as `attribute` rows against Compatriot's own taxonomy: the
service category, whether third-country nationals are served, and the address of a location
whose postal code is unknown (HSDS requires a postal code on every `address`; crisis locations
often have none, see docs/formats.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from compatriot.directory.models import (
    CostOption,
    DirectoryOrganization,
    Location,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCategory,
    ServiceLanguage,
)

Records = dict[str, list[dict[str, Any]]]

_NAMESPACE = uuid.UUID("5f0e8a8e-4c7e-4f4e-9d3a-2a6a7c1c0d11")
TAXONOMY_ID = str(uuid.uuid5(_NAMESPACE, "taxonomy"))
ADDRESS_TERMS = ("address_1", "city", "state_province", "country")
TCN_TERM = "serves_third_country_nationals"


ID_CHUNK = 500  # ids per IN (...): well under SQLite's limit on parameters


def stored_id(value: Any) -> uuid.UUID | None:
    """A record's id or link as a UUID, or None when empty or not a UUID (the schema check
    names it; nothing stored can have such an id)."""
    try:
        return uuid.UUID(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def id_chunks(ids: Iterable[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    """The ids in sorted slices of ID_CHUNK, for look-ups and deletes by `id__in`."""
    ordered = sorted(ids)
    return (ordered[first : first + ID_CHUNK] for first in range(0, len(ordered), ID_CHUNK))


def term_id(code: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"term:{code}"))


def _term_codes() -> list[tuple[str, str]]:
    codes = [(f"category:{c.value}", f"Service category: {c.label}") for c in ServiceCategory]
    codes.append((TCN_TERM, "Whether third-country nationals are served (true/false)"))
    codes += [
        (f"address:{name}", f"Address {name} of a location without a postal code")
        for name in ADDRESS_TERMS
    ]
    return codes


TERM_CODE_BY_ID = {term_id(code): code for code, _ in _term_codes()}


def _attribute(link_id: object, link_entity: str, code: str, value: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(_NAMESPACE, f"attribute:{link_id}:{code}")),
        "link_id": str(link_id),
        "link_entity": link_entity,
        "taxonomy_term_id": term_id(code),
        "value": value,
    }


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """HSDS JSON records leave out what is unknown (the schemas allow no nulls)."""
    return {k: v for k, v in record.items() if v is not None and v != ""}


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _time(value: str) -> str:
    """HSDS times are HH:MM:SS (frictionless `time`); Compatriot keeps HH:MM."""
    return f"{value}:00" if value else ""


def _location_records(location: Location, records: Records) -> None:
    records["location"].append(_compact({
        "id": str(location.id),
        "location_type": location.location_type,
        "organization_id": str(location.organization_id) if location.organization_id else None,
        "name": location.name,
        "description": location.description,
        "latitude": location.latitude,
        "longitude": location.longitude,
    }))  # fmt: skip
    if location.postal_code:
        records["address"].append(_compact({
            "id": str(location.address_id or uuid.uuid5(_NAMESPACE, f"address:{location.id}")),
            "location_id": str(location.id),
            "address_1": location.address_1,
            "city": location.city,
            "state_province": location.state_province,
            "postal_code": location.postal_code,
            "country": location.country,
            "address_type": "physical",
        }))  # fmt: skip
        return
    for name in ADDRESS_TERMS:
        value = getattr(location, name)
        if value:
            records["attribute"].append(
                _attribute(location.id, "location", f"address:{name}", value)
            )


def _service_records(service: Service, records: Records) -> None:
    records["service"].append(_compact({
        "id": str(service.id),
        "organization_id": str(service.organization_id),
        "name": service.name,
        "description": service.description,
        "url": service.url,
        "email": service.email,
        "status": service.status,
        "fees_description": service.fees_description,
        "eligibility_description": service.eligibility_description,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "assured_date": service.last_verified_on.isoformat() if service.last_verified_on else None,
        "assurer_email": service.assurer_email,
    }))  # fmt: skip
    records["attribute"].append(
        _attribute(service.id, "service", f"category:{service.category}", "")
    )
    if service.serves_third_country_nationals is not None:
        value = "true" if service.serves_third_country_nationals else "false"
        records["attribute"].append(_attribute(service.id, "service", TCN_TERM, value))


def to_records() -> Records:
    """Every directory row as HSDS records, in a stable order (by id)."""
    records: Records = {name: [] for name in TABLES}
    records["taxonomy"].append({
        "id": TAXONOMY_ID,
        "name": "Compatriot",
        "description": "Compatriot's own terms for what HSDS 3.0 has no column for.",
    })  # fmt: skip
    for code, description in _term_codes():
        records["taxonomy_term"].append({
            "id": term_id(code), "code": code, "name": code, "description": description,
            "taxonomy_id": TAXONOMY_ID,
        })  # fmt: skip
    for organization in DirectoryOrganization.objects.order_by("id"):
        records["organization"].append(_compact({
            "id": str(organization.id),
            "name": organization.name,
            "description": organization.description,
            "email": organization.email,
            "website": organization.website,
        }))  # fmt: skip
    for service in Service.objects.order_by("id"):
        _service_records(service, records)
    for location in Location.objects.order_by("id"):
        _location_records(location, records)
    for link in ServiceAtLocation.objects.order_by("id"):
        records["service_at_location"].append(_compact({
            "id": str(link.id), "service_id": str(link.service_id),
            "location_id": str(link.location_id), "description": link.description,
        }))  # fmt: skip
    for phone in Phone.objects.order_by("id"):
        records["phone"].append(_compact({
            "id": str(phone.id),
            "service_id": str(phone.service_id) if phone.service_id else None,
            "location_id": str(phone.location_id) if phone.location_id else None,
            "organization_id": str(phone.organization_id) if phone.organization_id else None,
            "number": phone.number,
            "extension": int(phone.extension) if phone.extension else None,  # HSDS: a number
            "type": phone.type, "description": phone.description,
        }))  # fmt: skip
    for schedule in Schedule.objects.order_by("id"):
        records["schedule"].append(_compact({
            "id": str(schedule.id),
            "service_id": str(schedule.service_id) if schedule.service_id else None,
            "location_id": str(schedule.location_id) if schedule.location_id else None,
            "freq": schedule.freq, "byday": schedule.byday, "opens_at": _time(schedule.opens_at),
            "closes_at": _time(schedule.closes_at), "description": schedule.description,
        }))  # fmt: skip
    for language in ServiceLanguage.objects.order_by("id"):
        records["language"].append(_compact({
            "id": str(language.id), "service_id": str(language.service_id),
            "code": language.code, "name": language.name, "note": language.note,
        }))  # fmt: skip
    for document in RequiredDocument.objects.order_by("id"):
        records["required_document"].append({
            "id": str(document.id), "service_id": str(document.service_id),
            "document": document.document,
        })  # fmt: skip
    for cost in CostOption.objects.order_by("id"):
        records["cost_option"].append(_compact({
            "id": str(cost.id), "service_id": str(cost.service_id), "option": cost.option,
            "currency": cost.currency, "amount": _number(cost.amount),
            "amount_description": cost.amount_description,
        }))  # fmt: skip
    records["attribute"].sort(key=lambda record: record["id"])
    return records


# Every table of the HSDS 3.0 data package; the ones Compatriot does not keep stay empty.
TABLES = (
    "organization",
    "program",
    "service",
    "attribute",
    "service_at_location",
    "location",
    "phone",
    "contact",
    "address",
    "schedule",
    "funding",
    "service_area",
    "required_document",
    "language",
    "accessibility",
    "taxonomy_term",
    "metadata",
    "meta_table_description",
    "cost_option",
    "organization_identifier",
    "taxonomy",
)
