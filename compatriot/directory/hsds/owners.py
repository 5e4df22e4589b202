"""The organization of a package's locations that name none.

HSDS makes `location.organization_id` optional, but a location nobody manages can be neither
edited nor imported again (`hsds.ownership` treats it as nobody's to take over). So a location
without one belongs to the organization whose services the package links it to, or, when the
package holds a single organization, to that one; otherwise the package must say.
"""

from __future__ import annotations

from typing import Any

from compatriot.directory.hsds.problems import Problem
from compatriot.directory.hsds.records import Records, id_chunks, stored_id
from compatriot.directory.models import Service

AMBIGUOUS = (
    "required: the package holds several organizations and this location is linked to the "
    "services of none or of several of them"
)


def _text(value: Any) -> str:
    return "" if value in (None, "") else str(value)


def _organization_of_services(records: Records, service_ids: set[str]) -> dict[str, str]:
    """service id -> its organization id, from the package or, failing that, as stored."""
    found = {
        _text(r.get("id")): _text(r.get("organization_id"))
        for r in records.get("service", [])
        if _text(r.get("id")) in service_ids
    }
    stored = {pk for text in service_ids - set(found) if (pk := stored_id(text)) is not None}
    for chunk in id_chunks(stored):
        rows = Service.objects.filter(id__in=chunk).values_list("id", "organization_id")
        found.update({str(pk): str(organization) for pk, organization in rows})
    return found


def location_owners(records: Records) -> tuple[dict[str, str], list[Problem]]:
    """(location id -> the organization id it gets, problems) for the package's locations that
    name no organization: each location is either given one or reported."""
    unowned = [
        (number, _text(r.get("id")))
        for number, r in enumerate(records.get("location", []), start=1)
        if not _text(r.get("organization_id"))
    ]
    if not unowned:
        return {}, []
    services_at: dict[str, set[str]] = {}
    for link in records.get("service_at_location", []):
        services_at.setdefault(_text(link.get("location_id")), set()).add(
            _text(link.get("service_id"))
        )
    wanted = {service for _, location in unowned for service in services_at.get(location, ())}
    organization_of = _organization_of_services(records, wanted)
    organizations = {_text(r.get("id")) for r in records.get("organization", [])}
    only = next(iter(organizations)) if len(organizations) == 1 else None

    owners: dict[str, str] = {}
    problems = []
    for number, location in unowned:
        linked = {
            organization_of[service]
            for service in services_at.get(location, ())
            if organization_of.get(service)
        }
        owner = next(iter(linked)) if len(linked) == 1 else (None if linked else only)
        if owner:
            owners[location] = owner
        else:
            problems.append(Problem("location", number, "organization_id", AMBIGUOUS))
    return owners, problems
