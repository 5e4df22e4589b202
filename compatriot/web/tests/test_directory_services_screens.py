"""The service directory's operator screens (HSDS services: list, page, forms, verify) and the
HSDS package import and export, through the web client."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from compatriot.core.models import AuditEntry, Organisation, Role
from compatriot.directory.models import (
    CostOption,
    DirectoryOrganization,
    Location,
    Schedule,
    Service,
)
from compatriot.directory.tests.factories import actor_for, make_service

MANAGEMENT = {
    f"{name}-{key}": value
    for name, total in (("locations", "2"), ("schedules", "1"), ("cost_options", "1"))
    for key, value in (
        ("TOTAL_FORMS", total),
        ("INITIAL_FORMS", "0"),
        ("MIN_NUM_FORMS", "0"),
        ("MAX_NUM_FORMS", "50"),
    )
}
FORM = MANAGEMENT | {
    "organization": "new",
    "organization_name": "Rzeszow legal clinic",
    "organization_description": "Law students and volunteer lawyers.",
    "name": "Legal advice for people fleeing the war",
    "description": "Residence permits, temporary protection, exit from Poland.",
    "category": "legal",
    "status": "active",
    "url": "https://clinic.example.org",
    "email": "clinic@example.org",
    "phones": "+48 17 000 11 22",
    "languages": "pl, en, fr",
    "serves_third_country_nationals": "yes",
    "eligibility_description": "Anyone who arrived from Ukraine since February.",
    "required_documents": "Passport or any identity document\nProof of entry, if any",
    "minimum_age": "",
    "maximum_age": "",
    "fees_description": "Free of charge",
    "locations-0-name": "Faculty of Law",
    "locations-0-location_type": "physical",
    "locations-0-address_1": "ul. Grunwaldzka 13",
    "locations-0-city": "Rzeszow",
    "locations-0-state_province": "",
    "locations-0-postal_code": "",
    "locations-0-country": "Poland",
    "locations-0-latitude": "50.0375",
    "locations-0-longitude": "22.0049",
    "locations-1-location_type": "physical",
    "schedules-0-freq": "WEEKLY",
    "schedules-0-byday": "mo,we,fr",
    "schedules-0-opens_at": "10:00",
    "schedules-0-closes_at": "16:00",
    "cost_options-0-option": "",
}


@pytest.fixture
def coordinator(web_client: Callable[..., Client], org_a: Organisation) -> Client:
    return web_client(org_a, Role.COORDINATOR)


@pytest.fixture
def service_b(make_member: Callable[..., Any], org_b: Organisation) -> Service:
    return make_service(actor_for(org_b, make_member(org_b, Role.COORDINATOR)))


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (DirectoryOrganization, Service, Location, Schedule, CostOption)
    }


def test_a_coordinator_adds_a_service_and_edits_it(coordinator: Client) -> None:
    response = coordinator.post("/workspace/directory/services/new/", FORM)
    assert response.status_code == 302, response.context["form"].errors
    service = Service.objects.get()
    assert response["Location"] == f"/workspace/directory/services/{service.id}/"
    assert service.serves_third_country_nationals is True
    assert service.organization.name == "Rzeszow legal clinic"
    location = Location.objects.get()  # the blank second row is no location
    assert (location.country, location.postal_code) == ("PL", "")
    assert Schedule.objects.get().byday == "MO,WE,FR"
    page = coordinator.get(response["Location"]).content.decode()
    assert "Proof of entry, if any" in page
    assert "Faculty of Law" in page

    listed = coordinator.get("/workspace/directory/services/?category=legal&third_country=yes")
    assert service.name in listed.content.decode()
    assert (
        service.name
        not in coordinator.get("/workspace/directory/services/?third_country=no").content.decode()
    )

    # The edit form comes back filled in; the organization stays.
    edit = coordinator.get(f"/workspace/directory/services/{service.id}/edit/")
    assert edit.context["form"].initial["required_documents"].startswith("Passport")
    assert "organization" not in edit.context["form"].fields
    changed = {k: v for k, v in FORM.items() if not k.startswith("organization")}
    changed |= {"status": "temporarily closed", "serves_third_country_nationals": ""}
    edited = coordinator.post(f"/workspace/directory/services/{service.id}/edit/", changed)
    assert edited.status_code == 302, (
        edited.context["form"].errors,
        [f.errors for fs in edited.context["lists"].values() for f in fs.forms],
    )
    service.refresh_from_db()
    assert (service.status, service.serves_third_country_nationals) == ("temporarily closed", None)
    assert DirectoryOrganization.objects.count() == 1

    verified = coordinator.post(f"/workspace/directory/services/{service.id}/verify/")
    assert verified.status_code == 302
    assert AuditEntry.objects.filter(
        object_type="directory.service", details__verified=True
    ).exists()


def test_the_second_service_of_an_organization_reuses_it(coordinator: Client) -> None:
    coordinator.post("/workspace/directory/services/new/", FORM)
    organization = DirectoryOrganization.objects.get()
    second = FORM | {"organization": str(organization.id), "name": "Interpreting at the clinic"}
    assert coordinator.post("/workspace/directory/services/new/", second).status_code == 302
    assert DirectoryOrganization.objects.count() == 1
    assert Service.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "form_name", "field"),
    [
        ({"organization_name": ""}, None, "organization_name"),
        ({"name": ""}, None, "name"),
        ({"phones": "call us"}, None, "phones"),
        ({"languages": "english!"}, None, "languages"),
        ({"minimum_age": "70", "maximum_age": "18"}, None, "maximum_age"),
        ({"locations-0-latitude": "123"}, "locations", "latitude"),
        ({"locations-0-longitude": ""}, "locations", "longitude"),
        ({"locations-0-country": "Atlantis"}, "locations", "country"),
        ({"schedules-0-opens_at": "25:00"}, "schedules", "opens_at"),
        ({"schedules-0-byday": "Monday"}, "schedules", "byday"),
        ({"cost_options-0-currency": "euro"}, "cost_options", "currency"),
    ],
)
def test_form_errors_name_the_field_and_nothing_is_written(
    coordinator: Client, change: dict[str, str], form_name: str | None, field: str
) -> None:
    before = _counts()
    response = coordinator.post("/workspace/directory/services/new/", FORM | change)
    assert response.status_code == 200
    form = (
        response.context["form"]
        if form_name is None
        else response.context["lists"][form_name].forms[0]
    )
    errors = form.errors
    assert field in errors or any(field in str(e) for e in errors.get("__all__", [])), errors
    assert _counts() == before


def test_another_organisations_service_is_read_only(
    coordinator: Client, service_b: Service
) -> None:
    assert coordinator.get(f"/workspace/directory/services/{service_b.id}/").status_code == 200
    assert coordinator.get(f"/workspace/directory/services/{service_b.id}/edit/").status_code == 404
    assert (
        coordinator.post(f"/workspace/directory/services/{service_b.id}/edit/", FORM).status_code
        == 404
    )
    assert (
        coordinator.post(f"/workspace/directory/services/{service_b.id}/verify/").status_code == 404
    )
    page = coordinator.get(f"/workspace/directory/services/{service_b.id}/").content.decode()
    assert "/edit/" not in page


def test_a_viewer_may_read_but_not_write(
    web_client: Callable[..., Client], org_a: Organisation, service_b: Service
) -> None:
    reader = web_client(org_a, Role.VIEWER)
    assert reader.get("/workspace/directory/services/").status_code == 200
    assert reader.get("/workspace/directory/services/new/").status_code == 403
    assert reader.post("/workspace/directory/services/new/", FORM).status_code == 403
    assert Service.objects.count() == 1
    import_page = reader.get("/workspace/directory/hsds/").content.decode()
    assert 'type="file"' not in import_page
    assert reader.post("/workspace/directory/hsds/", {}).status_code == 403


def _export(client: Client, fmt: str) -> bytes:
    response = client.get(f"/workspace/directory/hsds/export/?format={fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return response.content


def _upload(client: Client, content: bytes, name: str) -> Any:
    return client.post("/workspace/directory/hsds/", {"package": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_gives_the_directory_back(coordinator: Client, fmt: str) -> None:
    coordinator.post("/workspace/directory/services/new/", FORM)
    before = _counts()
    package = _export(coordinator, fmt)
    names = zipfile.ZipFile(io.BytesIO(package)).namelist()
    assert any(n.endswith("datapackage.json" if fmt == "csv" else "hsds.json") for n in names)
    assert AuditEntry.objects.filter(action="export", object_type="directory.hsds_export").exists()

    Service.objects.all().delete()
    DirectoryOrganization.objects.all().delete()
    Location.objects.all().delete()
    response = _upload(coordinator, package, f"hsds.{fmt}.zip")
    assert response.status_code == 302, response.context and response.context["problems"]
    assert _counts() == before
    assert Service.objects.get().name == FORM["name"]


def test_a_json_file_with_bad_records_is_refused_with_every_problem(coordinator: Client) -> None:
    coordinator.post("/workspace/directory/services/new/", FORM)
    archive = zipfile.ZipFile(io.BytesIO(_export(coordinator, "json")))
    records = json.loads(archive.read(archive.namelist()[0]))
    records["service"][0]["status"] = "sleeping"
    records["location"][0]["latitude"] = "north"
    Service.objects.all().delete()
    before = _counts()
    response = _upload(coordinator, json.dumps(records).encode(), "hsds.json")
    assert response.status_code == 200
    problems = response.context["problems"]
    assert {(p.file, p.row, p.field) for p in problems} >= {
        ("hsds.json:service", 1, "status"),
        ("hsds.json:location", 1, "latitude"),
    }
    page = response.content.decode()
    assert "sleeping" in page
    assert "package" in response.context["form"].errors
    assert _counts() == before


def test_an_import_may_not_take_over_another_organisations_records(
    web_client: Callable[..., Client], org_b: Organisation, coordinator: Client
) -> None:
    coordinator.post("/workspace/directory/services/new/", FORM)
    package = _export(coordinator, "csv")
    other = web_client(org_b, Role.COORDINATOR)
    before = _counts()
    response = _upload(other, package, "hsds.zip")
    assert response.status_code == 200
    reasons = {(p.file, p.field, p.reason) for p in response.context["problems"]}
    assert ("organization", "id", "belongs to another organisation") in reasons
    assert ("service", "id", "belongs to another organisation") in reasons
    assert ("phone", "id", "belongs to another organisation") in reasons  # child rows too
    assert _counts() == before
    assert Service.objects.get().organization.managed_by_id != org_b.id


def test_a_file_that_is_no_package_is_explained(coordinator: Client) -> None:
    response = _upload(coordinator, b"not a zip", "directory.zip")
    assert response.status_code == 200
    assert response.context["problems"]
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("../evil/hsds.json", "{}")
    response = _upload(coordinator, empty.getvalue(), "evil.zip")
    assert response.status_code == 200
    assert "datapackage.json" in response.context["problems"][0].reason


def test_a_phones_extension_is_kept_and_shown_and_a_national_number_read(
    coordinator: Client, client: Client
) -> None:
    phones = "+48 17 000 11 22 ext. 15\n17 000 11 23\n116 000"  # national: the location's PL
    response = coordinator.post("/workspace/directory/services/new/", FORM | {"phones": phones})
    assert response.status_code == 302, response.context["form"].errors
    service = Service.objects.get()
    assert sorted(service.phones.values_list("number", "extension")) == [
        ("+48170001122", "15"),
        ("+48170001123", ""),
        ("116 000", ""),
    ]
    page = coordinator.get(response["Location"]).content.decode()
    assert "+48170001122 ext. 15" in page
    edit = coordinator.get(f"/workspace/directory/services/{service.id}/edit/")
    assert "+48170001122 ext. 15" in edit.context["form"].initial["phones"]
    public = client.post("/directory/", {"latitude": "50.0375", "longitude": "22.0049"})
    assert 'href="tel:+48170001122;ext=15"' in public.content.decode()
