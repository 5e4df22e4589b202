"""HSDS 3.0 records into the directory (records already validated by package.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from compatriot.core.audit import audit_record
from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer
from compatriot.directory.geo import lat_band
from compatriot.directory.hsds.owners import location_owners
from compatriot.directory.hsds.problems import HsdsInvalidError, Problem
from compatriot.directory.hsds.records import TCN_TERM, TERM_CODE_BY_ID, Records, id_chunks
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
from compatriot.directory.phones import phone_number, stored_phone_regions
from compatriot.directory.points import refresh_service_points


def _s(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    return "" if value is None else str(value)


def _int(value: Any) -> int | None:
    return None if value is None or value == "" else int(float(value))


def _float(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def _link(value: Any) -> uuid.UUID:
    """A link the schema requires (validated before loading), so never empty here."""
    return uuid.UUID(str(value))


def _extension(value: Any) -> str:
    """HSDS `extension` (a number) as its digits; anything else kept for the model's check to
    refuse on the field."""
    if value is None or value == "":
        return ""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and value >= 0 and float(value).is_integer():
        return str(int(value))
    return str(value)


def _phones(records: Records) -> list[Phone]:
    """The package's phones, each read as every write path reads one (`phones.phone_number`,
    with its default region from what is stored around it: the package's locations and links
    are saved by then). A record's own `extension` wins; where its number carries another, the
    number is kept as given, so that neither is lost."""
    phones = [
        Phone(
            id=_uuid(r["id"]), service_id=_uuid(r.get("service_id")),
            location_id=_uuid(r.get("location_id")),
            organization_id=_uuid(r.get("organization_id")), number=_s(r, "number"),
            extension=_extension(r.get("extension")), type=_s(r, "type"),
            description=_s(r, "description"),
        )
        for r in records.get("phone", [])
    ]  # fmt: skip
    for phone, regions in zip(phones, stored_phone_regions(phones), strict=True):
        number, extension = phone_number(phone.number, regions)
        if not (extension and phone.extension):
            phone.number, phone.extension = number, phone.extension or extension
    return phones


def _attributes(records: Records) -> dict[str, dict[str, str]]:
    """link_id -> {term code: value} for Compatriot's own terms (others are ignored)."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for attribute in records.get("attribute", []):
        code = TERM_CODE_BY_ID.get(_s(attribute, "taxonomy_term_id"))
        if code:
            found[_s(attribute, "link_id")][code] = _s(attribute, "value")
    return found


def _category(terms: dict[str, str]) -> str:
    for code in terms:
        if code.startswith("category:"):
            return code.removeprefix("category:")
    return ServiceCategory.INFORMATION  # HSDS services from elsewhere carry no category of ours


def _tcn(terms: dict[str, str]) -> bool | None:
    value = terms.get(TCN_TERM, "").lower()
    return {"true": True, "false": False}.get(value)


def _save_all(rows: Iterable[Any]) -> None:
    """Checks each row as the models define it (lengths, choices, references) and saves it;
    every problem is collected, then the whole import is refused."""
    problems: list[Problem] = []
    table = ""
    for number, row in enumerate(rows, start=1):
        table = _TABLE_OF[type(row).__name__]
        try:
            row.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                problems += [Problem(f"{table}", number, _field_name(field), m) for m in messages]
            continue
        # Replace a record already there (same HSDS id): Django would otherwise INSERT, since
        # the primary key has a default.
        row._state.adding = not type(row).objects.filter(pk=row.pk).exists()
        row.save()
    if problems:
        raise HsdsInvalidError(problems)


_TABLE_OF = {
    "DirectoryOrganization": "organization", "Service": "service", "Location": "location",
    "ServiceAtLocation": "service_at_location", "Phone": "phone", "Schedule": "schedule",
    "ServiceLanguage": "language", "RequiredDocument": "required_document",
    "CostOption": "cost_option",
}  # fmt: skip


def _field_name(field: str) -> str:
    return {
        "organization": "organization_id",
        "service": "service_id",
        "location": "location_id",
    }.get(field, field)


# The rows that hang off a record, and their links to it: a replaced record keeps only those the
# package gives (HSDS table, model, the parents it may hang off).
_CHILDREN: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("phone", Phone, ("organization", "service", "location")),
    ("schedule", Schedule, ("service", "location")),
    ("language", ServiceLanguage, ("service",)),
    ("required_document", RequiredDocument, ("service",)),
    ("cost_option", CostOption, ("service",)),
    ("service_at_location", ServiceAtLocation, ("service", "location")),
)
_PARENTS: dict[str, Any] = {
    "organization": DirectoryOrganization,
    "service": Service,
    "location": Location,
}


def _already_there(records: Records) -> dict[str, list[uuid.UUID]]:
    """The organizations, services and locations of the package that exist: the ones replaced."""
    found: dict[str, list[uuid.UUID]] = {}
    for table, model in _PARENTS.items():
        ids = [_link(r["id"]) for r in records.get(table, [])]
        found[table] = [
            pk
            for chunk in id_chunks(ids)
            for pk in model.objects.filter(id__in=chunk).values_list("id", flat=True)
        ]
    return found


def _drop_left_out(records: Records, replaced: dict[str, list[uuid.UUID]]) -> set[uuid.UUID]:
    """Replace means replace: the child rows of a replaced record that the package does not
    give are deleted (before the package's rows are saved, so that a link given again under a
    new id does not collide with the old one). Returns the services whose links were deleted,
    whose search rows must be rebuilt."""
    unlinked: set[uuid.UUID] = set()
    for table, model, parents in _CHILDREN:
        kept = {_link(r["id"]) for r in records.get(table, [])}
        for parent in parents:
            for chunk in id_chunks(replaced[parent]):
                rows = model.objects.filter(**{f"{parent}_id__in": chunk})
                if model is ServiceAtLocation:
                    gone = [
                        (pk, sid)
                        for pk, sid in rows.values_list("id", "service_id")
                        if pk not in kept
                    ]
                    unlinked.update(sid for _, sid in gone)
                    left_out = [pk for pk, _ in gone]
                else:
                    left_out = [pk for pk in rows.values_list("id", flat=True) if pk not in kept]
                for ids in id_chunks(left_out):
                    model.objects.filter(id__in=ids).delete()
    return unlinked


@transaction.atomic
def load_records(actor: Viewer, records: Records) -> dict[str, int]:
    """Create or replace (by HSDS id) every record, all or nothing; a replaced organization,
    service or location keeps only the phones, schedules, languages, documents, costs and links
    the package gives it (`_drop_left_out`); a location naming no organization gets one
    (`hsds.owners`). Returns the count per table."""
    owners, problems = location_owners(records)
    if problems:
        raise HsdsInvalidError(problems)
    replaced = _already_there(records)
    attributes = _attributes(records)
    addresses = {_s(a, "location_id"): a for a in records.get("address", [])}
    organizations = [
        DirectoryOrganization(
            id=_uuid(r["id"]), managed_by_id=actor.organisation_id, name=_s(r, "name"),
            description=_s(r, "description"), email=_s(r, "email"), website=_s(r, "website"),
        )
        for r in records.get("organization", [])
    ]  # fmt: skip
    _save_all(organizations)
    services = []
    for r in records.get("service", []):
        terms = attributes.get(_s(r, "id"), {})
        assured = _s(r, "assured_date")
        services.append(Service(
            id=_uuid(r["id"]), organization_id=_link(r.get("organization_id")),
            name=_s(r, "name"), description=_s(r, "description"), category=_category(terms),
            status=_s(r, "status"), url=_s(r, "url"), email=_s(r, "email"),
            eligibility_description=_s(r, "eligibility_description"),
            serves_third_country_nationals=_tcn(terms),
            minimum_age=_int(r.get("minimum_age")), maximum_age=_int(r.get("maximum_age")),
            fees_description=_s(r, "fees_description"),
            last_verified_on=dt.date.fromisoformat(assured[:10]) if assured else None,
            assurer_email=_s(r, "assurer_email"),
        ))  # fmt: skip
    _save_all(services)
    locations = []
    for r in records.get("location", []):
        address = addresses.get(_s(r, "id"))
        terms = attributes.get(_s(r, "id"), {})
        place = address or {k.removeprefix("address:"): v for k, v in terms.items()}
        latitude = _float(r.get("latitude"))
        locations.append(Location(
            id=_uuid(r["id"]),
            organization_id=_uuid(r.get("organization_id") or owners.get(_s(r, "id"))),
            location_type=_s(r, "location_type"), name=_s(r, "name"),
            description=_s(r, "description"), latitude=latitude,
            longitude=_float(r.get("longitude")), lat_band=lat_band(latitude),
            address_id=_uuid(address["id"]) if address else None,
            address_1=_s(place, "address_1"), city=_s(place, "city"),
            state_province=_s(place, "state_province"),
            postal_code=_s(address, "postal_code") if address else "",
            country=_s(place, "country"),
        ))  # fmt: skip
    _save_all(locations)
    unlinked = _drop_left_out(records, replaced)
    _save_all(
        ServiceAtLocation(
            id=_uuid(r["id"]), service_id=_link(r.get("service_id")),
            location_id=_link(r.get("location_id")), description=_s(r, "description"),
        )
        for r in records.get("service_at_location", [])
    )  # fmt: skip
    _save_all(_phones(records))
    _save_all(
        Schedule(
            id=_uuid(r["id"]), service_id=_uuid(r.get("service_id")),
            location_id=_uuid(r.get("location_id")), freq=_s(r, "freq"), byday=_s(r, "byday"),
            opens_at=_s(r, "opens_at")[:5], closes_at=_s(r, "closes_at")[:5],
            description=_s(r, "description"),
        )
        for r in records.get("schedule", [])
    )  # fmt: skip
    _save_all(
        ServiceLanguage(
            id=_uuid(r["id"]), service_id=_link(r.get("service_id")), code=_s(r, "code"),
            name=_s(r, "name"), note=_s(r, "note"),
        )
        for r in records.get("language", []) if r.get("service_id")
    )  # fmt: skip
    _save_all(
        RequiredDocument(
            id=_uuid(r["id"]), service_id=_link(r.get("service_id")), document=_s(r, "document")
        )
        for r in records.get("required_document", []) if r.get("service_id")
    )  # fmt: skip
    _save_all(
        CostOption(
            id=_uuid(r["id"]), service_id=_link(r.get("service_id")), option=_s(r, "option"),
            currency=_s(r, "currency"),
            amount=Decimal(str(r["amount"])) if r.get("amount") not in (None, "") else None,
            amount_description=_s(r, "amount_description"),
        )
        for r in records.get("cost_option", [])
    )  # fmt: skip
    refresh_service_points(
        service_ids=[s.id for s in services]
        + list(unlinked)
        + [
            service_id
            for r in records.get("service_at_location", [])
            if (service_id := _uuid(r.get("service_id"))) is not None
        ],
        location_ids=[location.id for location in locations],
    )
    counts = {table: len(rows) for table, rows in records.items() if rows}
    audit_record(
        actor, action=AuditAction.CREATE, object_type="directory.hsds_import", details=counts
    )
    return counts
