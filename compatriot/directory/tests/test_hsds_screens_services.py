"""services.hsds_import and hsds_export, used by the workspace's HSDS screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from compatriot.core.errors import PermissionDeniedError
from compatriot.core.models import AuditEntry, Organisation, Role
from compatriot.directory import services
from compatriot.directory.hsds.problems import HsdsInvalidError
from compatriot.directory.hsds.records import TCN_TERM, term_id, to_records
from compatriot.directory.models import Location, Service
from compatriot.directory.schemas import NearQuery
from compatriot.directory.selectors import service_ids_near
from compatriot.directory.tests.factories import actor_for, make_service


def test_an_import_refuses_records_of_another_organisation(
    make_member: Callable[..., Any], org_a: Organisation, org_b: Organisation
) -> None:
    actor_a = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    actor_b = actor_for(org_b, make_member(org_b, Role.COORDINATOR))
    service = make_service(actor_a)
    records = services.hsds_export(actor_a)
    records["service"][0]["name"] = "Taken over"
    with pytest.raises(HsdsInvalidError) as refused:
        services.hsds_import(actor_b, records=records)
    assert {(p.file, p.field) for p in refused.value.problems} >= {
        ("organization", "id"),
        ("service", "id"),
        ("location", "id"),
    }
    service.refresh_from_db()
    assert service.name != "Taken over"

    # The managing organisation may replace its own records.
    counts = services.hsds_import(actor_a, records=records)
    assert counts["service"] == 1
    assert Service.objects.get().name == "Taken over"
    assert AuditEntry.objects.filter(object_type="directory.hsds_export").count() == 1


def test_a_reader_may_not_import(make_member: Callable[..., Any], org_a: Organisation) -> None:
    reader = actor_for(org_a, make_member(org_a, Role.VIEWER), Role.VIEWER)
    with pytest.raises(PermissionDeniedError):
        services.hsds_import(reader, records={"service": []})


def test_an_import_replaces_a_service_with_exactly_what_the_package_says(
    make_member: Callable[..., Any], org_a: Organisation
) -> None:
    """Replace means replace: the details of a service (phones, schedules, languages, documents,
    costs, its locations, eligibility) that the new package leaves out are removed, and the
    directory exports as the package was."""
    actor = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    service = make_service(actor)
    package = services.hsds_export(actor)
    station = Location.objects.get(name="Przemyśl station hall")
    package["language"] = [r for r in package["language"] if r["code"] == "uk"]
    for table in ("phone", "schedule", "required_document", "cost_option"):
        package[table] = []
    package["service_at_location"] = [
        r for r in package["service_at_location"] if r["location_id"] != str(station.id)
    ]
    package["attribute"] = [  # third-country nationals: no longer said
        r for r in package["attribute"] if r["taxonomy_term_id"] != term_id(TCN_TERM)
    ]
    package["service"][0]["eligibility_description"] = "Ask at the tent."

    services.hsds_import(actor, records=package)

    assert to_records() == package
    service.refresh_from_db()
    assert service.serves_third_country_nationals is None
    assert [link.location.name for link in service.at_locations.all()] == ["Medyka tent 3"]
    at_station = NearQuery(latitude=station.latitude, longitude=station.longitude, radius_km=1)
    assert service_ids_near(at_station) == []  # its search row went with the link


def test_an_import_that_fails_replaces_nothing(
    make_member: Callable[..., Any], org_a: Organisation
) -> None:
    actor = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    make_service(actor)
    before = to_records()
    package = services.hsds_export(actor)
    package["phone"] = []
    package["language"][0]["code"] = "x" * 40  # longer than the model allows: refused
    with pytest.raises(HsdsInvalidError):
        services.hsds_import(actor, records=package)
    assert to_records() == before
