"""services.hsds_import and hsds_export, used by the workspace's HSDS screen."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from compatriot.core.errors import PermissionDeniedError
from compatriot.core.models import AuditEntry, Organisation, Role
from compatriot.directory import services
from compatriot.directory.hsds.problems import HsdsInvalidError, Problem
from compatriot.directory.hsds.records import TCN_TERM, Records, term_id, to_records
from compatriot.directory.models import (
    CostOption,
    Location,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
)
from compatriot.directory.phones import phone_number
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


def _own_package_around(records: Records, table: str) -> tuple[Records, dict[str, Any]]:
    """A package of a new organization, service and location, with the first `table` record of
    `records` moved onto them (its id kept): what an importer would send to take it over."""
    organization, service, location = (str(uuid.uuid4()) for _ in range(3))
    package: Records = {
        "organization": [{"id": organization, "name": "Rzeszow legal clinic", "description": "-"}],
        "service": [{"id": service, "organization_id": organization, "name": "Legal advice",
                     "status": "active"}],
        "location": [{"id": location, "organization_id": organization, "name": "Rzeszow",
                      "location_type": "physical"}],
    }  # fmt: skip
    child = dict(records[table][0])
    links = {"organization_id": organization, "service_id": service, "location_id": location}
    child.update({name: value for name, value in links.items() if name in child})
    package[table] = [child]
    return package, child


CHILD_MODELS: dict[str, Any] = {
    "phone": Phone,
    "schedule": Schedule,
    "language": ServiceLanguage,
    "required_document": RequiredDocument,
    "cost_option": CostOption,
    "service_at_location": ServiceAtLocation,
}


@pytest.mark.parametrize("table", list(CHILD_MODELS))
def test_an_import_refuses_a_child_row_of_another_organisation(
    make_member: Callable[..., Any], org_a: Organisation, org_b: Organisation, table: str
) -> None:
    """A phone, schedule, language, ... keeps its HSDS id; a package giving that id under the
    importer's own service would move the row away from its organisation's service."""
    actor_a = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    actor_b = actor_for(org_b, make_member(org_b, Role.COORDINATOR))
    make_service(actor_a)
    before = to_records()
    package, child = _own_package_around(before, table)

    with pytest.raises(HsdsInvalidError) as refused:
        services.hsds_import(actor_b, records=package)

    assert refused.value.problems == [Problem(table, 1, "id", "belongs to another organisation")]
    assert to_records() == before  # nothing of the package written, the row still A's
    row = CHILD_MODELS[table].objects.get(id=child["id"])
    assert row.service.organization.managed_by_id == org_a.id


@pytest.mark.parametrize(
    ("_case", "table", "link"),
    [
        ("a phone on its service", "phone", "service_id"),
        ("a phone on its location", "phone", "location_id"),
        ("a phone on its organization", "phone", "organization_id"),
        ("a schedule at its location", "schedule", "location_id"),
        ("a language of its service", "language", "service_id"),
        ("a link to its location", "service_at_location", "location_id"),
        ("a service of its organization", "service", "organization_id"),
    ],
)
def test_an_import_may_not_hang_rows_off_another_organisations_records(
    make_member: Callable[..., Any],
    org_a: Organisation,
    org_b: Organisation,
    _case: str,
    table: str,
    link: str,
) -> None:
    actor_a = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    actor_b = actor_for(org_b, make_member(org_b, Role.COORDINATOR))
    make_service(actor_a)
    before = to_records()
    package, child = _own_package_around(before, table)
    if table == "service":
        package["service"] = [child]
    child["id"] = str(uuid.uuid4())  # a new row of the importer's...
    child[link] = before[link.removesuffix("_id")][0]["id"]  # ...on A's record

    with pytest.raises(HsdsInvalidError) as refused:
        services.hsds_import(actor_b, records=package)

    assert refused.value.problems == [Problem(table, 1, link, "belongs to another organisation")]
    assert to_records() == before


def test_an_import_may_replace_its_own_child_rows_and_link_its_own_records(
    make_member: Callable[..., Any], org_a: Organisation
) -> None:
    actor = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    service = make_service(actor)
    records = services.hsds_export(actor)
    package: Records = {"phone": [dict(records["phone"][0], number="+48166710001")]}
    package["phone"].append({"id": str(uuid.uuid4()), "service_id": str(service.id),
                             "number": "+48166710002"})  # fmt: skip

    services.hsds_import(actor, records=package)

    assert sorted(service.phones.values_list("number", flat=True)) == [
        "+48166710001",
        "+48166710002",
    ]


def _package_with_unowned_location(organizations: int, linked_to: int | None) -> Records:
    """`organizations` new organizations, one service each, and a location naming no
    organization, linked to the service of organization `linked_to` (None: to none)."""
    ids = [str(uuid.uuid4()) for _ in range(organizations)]
    services_ = [str(uuid.uuid4()) for _ in range(organizations)]
    location = str(uuid.uuid4())
    package: Records = {
        "organization": [{"id": pk, "name": f"Clinic {n}", "description": "-"}
                         for n, pk in enumerate(ids)],
        "service": [{"id": service, "organization_id": organization, "name": "Legal advice",
                     "status": "active"} for service, organization in zip(services_, ids, strict=True)],
        "location": [{"id": location, "name": "Rzeszow", "location_type": "physical"}],
        "service_at_location": [],
    }  # fmt: skip
    if linked_to is not None:
        package["service_at_location"].append(
            {"id": str(uuid.uuid4()), "service_id": services_[linked_to], "location_id": location}
        )
    return package


@pytest.mark.parametrize(("organizations", "linked_to", "owner"), [(1, None, 0), (2, 1, 1)])
def test_a_location_naming_no_organization_is_managed_and_can_be_imported_again(
    make_member: Callable[..., Any],
    org_a: Organisation,
    organizations: int,
    linked_to: int | None,
    owner: int,
) -> None:
    """HSDS makes a location's organization optional; one left without would be nobody's, and
    the next import of the same package would be refused as another's."""
    actor = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    package = _package_with_unowned_location(organizations, linked_to)

    services.hsds_import(actor, records=package)
    location = Location.objects.get(id=package["location"][0]["id"])
    assert str(location.organization_id) == package["organization"][owner]["id"]
    assert location.organization is not None
    assert location.organization.managed_by_id == org_a.id

    package["location"][0]["name"] = "Rzeszow, main station"
    services.hsds_import(actor, records=package)  # its own: not refused
    location.refresh_from_db()
    assert location.name == "Rzeszow, main station"


def test_a_location_whose_organization_cannot_be_told_is_refused(
    make_member: Callable[..., Any], org_a: Organisation
) -> None:
    actor = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    before = to_records()
    package = _package_with_unowned_location(2, linked_to=None)
    with pytest.raises(HsdsInvalidError) as refused:
        services.hsds_import(actor, records=package)
    assert [(p.file, p.row, p.field) for p in refused.value.problems] == [
        ("location", 1, "organization_id")
    ]
    assert to_records() == before


def test_a_location_naming_no_organization_takes_that_of_a_stored_service_it_serves(
    make_member: Callable[..., Any], org_a: Organisation
) -> None:
    actor = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    stored = make_service(actor)
    package = _package_with_unowned_location(2, linked_to=None)
    package["service_at_location"] = [
        {"id": str(uuid.uuid4()), "service_id": str(stored.id),
         "location_id": package["location"][0]["id"]}
    ]  # fmt: skip

    services.hsds_import(actor, records=package)

    location = Location.objects.get(id=package["location"][0]["id"])
    assert location.organization_id == stored.organization_id


def test_an_import_stores_numbers_in_e164_with_their_extensions_apart(
    make_member: Callable[..., Any], org_a: Organisation
) -> None:
    actor = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    service = make_service(actor)
    records = services.hsds_export(actor)
    tent = Location.objects.get(name="Medyka tent 3")  # in Poland
    given = {
        "+48 16 671 0004": (service.id, None),
        "\uff0b48 16 671 0005": (service.id, None),
        "\u0661\u0666 671 0003": (None, tent.id),  # national: the location's country, PL
        "16 671 0006": (service.id, None),  # national: the country of the service's locations
        "+48 16 671 0000 ext. 12": (service.id, None),  # E.164 has no room for the extension
        "+48 16 671 0001 x\u0663": (service.id, None),
        "112": (None, tent.id),
        "116 000": (service.id, None),
        "1-800-FLOWERS": (service.id, None),
        "call the desk": (service.id, None),
    }
    package: Records = {
        "phone": [
            {"id": str(uuid.uuid4()), "service_id": str(s) if s else None,
             "location_id": str(loc) if loc else None, "number": number}
            for number, (s, loc) in given.items()
        ]
    }  # fmt: skip
    package["phone"].append({**records["phone"][0]})  # already E.164: unchanged
    package["phone"].append({"id": str(uuid.uuid4()), "service_id": str(service.id),
                             "number": "+48 16 671 0002", "extension": 7.0})  # fmt: skip

    services.hsds_import(actor, records=package)

    assert sorted(Phone.objects.values_list("number", "extension")) == sorted(
        [
            ("+48166710000", ""),
            ("+48166710003", ""),
            ("+48166710004", ""),
            ("+48166710005", ""),
            ("+48166710006", ""),
            ("+48166710000", "12"),
            ("+48166710001", "3"),
            ("+48166710002", "7"),
            ("112", ""),
            ("116 000", ""),
            ("1-800-FLOWERS", ""),
            ("call the desk", ""),
        ]
    )
    # The extension goes out as HSDS's own field, and comes back the same.
    exported = services.hsds_export(actor)["phone"]
    assert {(p["number"], p.get("extension")) for p in exported} >= {
        ("+48166710000", 12),
        ("+48166710000", None),
    }
    Phone.objects.all().delete()
    services.hsds_import(actor, records={"phone": exported})
    assert ("+48166710000", "12") in Phone.objects.values_list("number", "extension")
    # The location's country read with the package's own location too.
    package = {"location": [r for r in records["location"] if r["id"] == str(tent.id)],
               "attribute": [r for r in records["attribute"] if r["link_id"] == str(tent.id)],
               "phone": [{"id": str(uuid.uuid4()), "location_id": str(tent.id),
                          "number": "\uff11\uff16 671 0007"}]}  # fmt: skip
    services.hsds_import(actor, records=package)
    assert Phone.objects.filter(number="+48166710007").exists()


@pytest.mark.parametrize(
    ("raw", "regions"),
    [("1-800-FLOWERS", ("US",)), ("+1 800 FLOWERS", ()), ("0800 SAMARITANS", ("GB",))],
)
def test_an_import_keeps_a_number_with_letters_as_given(raw: str, regions: tuple[str, ...]) -> None:
    # The library reads a vanity number's letters as its keypad's digits (+18003569377).
    assert phone_number(raw, regions) == (raw, "")
    assert phone_number("1-800-356-9377", ("US",)) == ("+18003569377", "")
