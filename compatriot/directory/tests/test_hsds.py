"""HSDS 3.0 packages: round trip, validation as the specification's CI does it, bad packages."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from compatriot.core.models import Role
from compatriot.directory.hsds.load import load_records
from compatriot.directory.hsds.package import read_package, write_package
from compatriot.directory.hsds.problems import HsdsInvalidError
from compatriot.directory.hsds.records import to_records
from compatriot.directory.models import (
    DirectoryOrganization,
    Location,
    Service,
)
from compatriot.directory.schemas import NearQuery
from compatriot.directory.selectors import service_ids_near
from compatriot.directory.tests.factories import actor_for, make_service


@pytest.fixture
def actor(org_a: Any, make_member: Any) -> Any:
    return actor_for(org_a, make_member(org_a, Role.COORDINATOR))


def _files(path: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(path.iterdir())}


def _empty_directory() -> None:
    DirectoryOrganization.objects.all().delete()
    Location.objects.all().delete()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_round_trip_is_identical(actor: Any, tmp_path: Path, fmt: str) -> None:
    make_service(actor)
    make_service(
        actor,
        name="Legal advice desk",
        category="legal",
        serves_third_country_nationals=None,
        locations=[],
    )
    first = tmp_path / "first"
    write_package(to_records(), first, fmt=fmt)
    records = read_package(first)  # validates: frictionless (CSV) and JSON Schema
    _empty_directory()
    assert Service.objects.count() == 0
    load_records(actor, records)
    second = tmp_path / "second"
    write_package(to_records(), second, fmt=fmt)
    assert _files(first) == _files(second)
    restored = Service.objects.get(name="Night shelter at the Medyka crossing")
    assert restored.serves_third_country_nationals is True
    assert restored.category == "shelter"
    tent = Location.objects.get(name="Medyka tent 3")
    assert (tent.postal_code, tent.country) == ("", "PL")
    # The imported services are searchable at once (their search rows are rebuilt).
    near = NearQuery(latitude=49.8035, longitude=23.0979, radius_km=5)
    assert [sid for _, sid, _ in service_ids_near(near)] == [restored.id]


def test_location_without_postal_code_has_no_address_record(actor: Any) -> None:
    make_service(actor)
    records = to_records()
    assert [a["postal_code"] for a in records["address"]] == ["37-700"]
    tent = Location.objects.get(name="Medyka tent 3")
    kept = {a["value"] for a in records["attribute"] if a["link_id"] == str(tent.id)}
    assert kept == {"PL"}


def _write_csv_package(actor: Any, path: Path) -> None:
    make_service(actor)
    write_package(to_records(), path, fmt="csv")


def _edit_csv(path: Path, name: str, row: int, column: str, value: str) -> None:
    with (path / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0].keys())
    rows[row - 1][column] = value
    with (path / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_invalid_csv_package_is_reported_per_record(actor: Any, tmp_path: Path) -> None:
    _write_csv_package(actor, tmp_path)
    _edit_csv(tmp_path, "services.csv", 1, "status", "open-ish")
    _edit_csv(tmp_path, "locations.csv", 2, "latitude", "north")
    with pytest.raises(HsdsInvalidError) as raised:
        read_package(tmp_path)
    found = {(p.file, p.row, p.field) for p in raised.value.problems}
    assert ("services.csv", 1, "status") in found
    assert ("locations.csv", 2, "latitude") in found


def test_invalid_json_package_is_reported_per_record(actor: Any, tmp_path: Path) -> None:
    make_service(actor)
    write_package(to_records(), tmp_path, fmt="json")
    data = json.loads((tmp_path / "hsds.json").read_text())
    del data["service"][0]["name"]
    data["phone"][0]["id"] = "not-a-uuid"
    (tmp_path / "hsds.json").write_text(json.dumps(data))
    with pytest.raises(HsdsInvalidError) as raised:
        read_package(tmp_path)
    found = {(p.file, p.row, p.field) for p in raised.value.problems}
    assert ("hsds.json:service", 1, "name") in found
    assert ("hsds.json:phone", 1, "id") in found


def test_dangling_reference_is_refused_and_nothing_is_written(actor: Any, tmp_path: Path) -> None:
    make_service(actor)
    write_package(to_records(), tmp_path, fmt="json")
    data = json.loads((tmp_path / "hsds.json").read_text())
    data["service"][0]["organization_id"] = "00000000-0000-4000-8000-000000000000"
    _empty_directory()
    with pytest.raises(HsdsInvalidError) as raised:
        load_records(actor, read_package_from(data, tmp_path))
    assert any(p.file == "service" and p.field == "organization_id" for p in raised.value.problems)
    assert DirectoryOrganization.objects.count() == 0


def read_package_from(data: dict[str, Any], path: Path) -> Any:
    (path / "hsds.json").write_text(json.dumps(data))
    return read_package(path)


def test_not_a_package(tmp_path: Path) -> None:
    with pytest.raises(HsdsInvalidError):
        read_package(tmp_path)
    (tmp_path / "hsds.json").write_text("[1, 2]")
    with pytest.raises(HsdsInvalidError):
        read_package(tmp_path)
