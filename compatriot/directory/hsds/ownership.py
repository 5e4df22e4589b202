"""Which records of an HSDS package would write into another organisation's directory.

An organisation manages its HSDS organizations (`managed_by`), their services and locations, and
every row that hangs off those (phones, schedules, languages, documents, costs and
service-at-location links). An import may create or replace only rows of its own: a record
whose id is a row another organisation manages (it would be taken over: `load._save_all`
replaces rows by id), or that links to one (a phone added to someone else's service), is
refused, each named by table, row and field.
"""

from __future__ import annotations

import uuid
from typing import Any

from compatriot.directory.hsds.problems import Problem
from compatriot.directory.hsds.records import Records, id_chunks, stored_id
from compatriot.directory.models import (
    CostOption,
    DirectoryOrganization,
    Location,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
)

FOREIGN = "belongs to another organisation"

# The records an organisation manages directly, and how each reaches its manager.
_PARENTS: dict[str, tuple[Any, str]] = {
    "organization": (DirectoryOrganization, "managed_by_id"),
    "service": (Service, "organization__managed_by_id"),
    "location": (Location, "organization__managed_by_id"),
}
# Every table the import writes, and the parents its rows hang off (by `<parent>_id`).
_TABLES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "organization": (DirectoryOrganization, ()),
    "service": (Service, ("organization",)),
    "location": (Location, ("organization",)),
    "service_at_location": (ServiceAtLocation, ("service", "location")),
    "phone": (Phone, ("organization", "service", "location")),
    "schedule": (Schedule, ("service", "location")),
    "language": (ServiceLanguage, ("service",)),
    "required_document": (RequiredDocument, ("service",)),
    "cost_option": (CostOption, ("service",)),
}


def _existing_links(records: Records) -> dict[str, dict[uuid.UUID, tuple[uuid.UUID | None, ...]]]:
    """table -> {id of a package row that exists already: its links as stored}."""
    found: dict[str, dict[uuid.UUID, tuple[uuid.UUID | None, ...]]] = {}
    for table, (model, parents) in _TABLES.items():
        ids = {pk for r in records.get(table, []) if (pk := stored_id(r.get("id"))) is not None}
        columns = [f"{parent}_id" for parent in parents]
        found[table] = {
            row[0]: tuple(row[1:])
            for chunk in id_chunks(ids)
            for row in model.objects.filter(id__in=chunk).values_list("id", *columns)
        }
    return found


def _parents_to_look_up(
    records: Records, existing: dict[str, dict[uuid.UUID, tuple[uuid.UUID | None, ...]]]
) -> dict[str, set[uuid.UUID]]:
    """The organizations, services and locations whose manager decides: the package's own
    (when they exist), and those its rows link to, now or as stored."""
    wanted: dict[str, set[uuid.UUID]] = {table: set() for table in _PARENTS}
    for table, (_, parents) in _TABLES.items():
        if table in _PARENTS:
            wanted[table].update(existing[table])
        for links in existing[table].values():
            for parent, pk in zip(parents, links, strict=True):
                if pk is not None:
                    wanted[parent].add(pk)
        for record in records.get(table, []):
            for parent in parents:
                if (pk := stored_id(record.get(f"{parent}_id"))) is not None:
                    wanted[parent].add(pk)
    return wanted


def _managers(wanted: dict[str, set[uuid.UUID]]) -> dict[str, dict[uuid.UUID, uuid.UUID | None]]:
    """parent table -> {id of an existing row: the organisation managing it (None: nobody)}."""
    return {
        table: {
            pk: manager
            for chunk in id_chunks(wanted[table])
            for pk, manager in model.objects.filter(id__in=chunk).values_list("id", owner)
        }
        for table, (model, owner) in _PARENTS.items()
    }


def foreign_records(organisation_id: uuid.UUID, records: Records) -> list[Problem]:
    """Every record of the package that would replace, or hang a row off, a record that
    `organisation_id` does not manage, by table (parents first), then row."""
    existing = _existing_links(records)
    managers = _managers(_parents_to_look_up(records, existing))

    def foreign(parent: str, pk: uuid.UUID | None) -> bool:
        # A row nobody manages (its organisation deleted) is nobody's to take over either.
        return pk in managers[parent] and managers[parent][pk] != organisation_id

    problems = []
    for table, (_, parents) in _TABLES.items():
        for number, record in enumerate(records.get(table, []), start=1):
            pk = stored_id(record.get("id"))
            stored = existing[table].get(pk) if pk is not None else None
            taken = (table in _PARENTS and foreign(table, pk)) or (
                stored is not None
                and any(foreign(parent, link) for parent, link in zip(parents, stored, strict=True))
            )
            if taken:
                problems.append(Problem(table, number, "id", FOREIGN))
            problems += [
                Problem(table, number, f"{parent}_id", FOREIGN)
                for parent in parents
                if foreign(parent, stored_id(record.get(f"{parent}_id")))
            ]
    return problems
