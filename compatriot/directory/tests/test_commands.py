"""`compatriot directory export-hsds` and `import-hsds`, through the console script."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from compatriot.cli import resolve
from compatriot.core.models import Role
from compatriot.directory.models import DirectoryOrganization, Phone, Service
from compatriot.directory.tests.factories import actor_for, make_service


def test_cli_maps_the_hyphenated_verbs() -> None:
    commands = {"directory_import_hsds", "directory_export_hsds"}
    assert resolve(["directory", "import-hsds", "p"], commands) == ["directory_import_hsds", "p"]
    assert resolve(["directory", "export-hsds", "p"], commands) == ["directory_export_hsds", "p"]


def test_export_then_import(org_a: Any, make_member: Any, tmp_path: Path) -> None:
    user = make_member(org_a, Role.COORDINATOR)
    make_service(actor_for(org_a, user))
    out = StringIO()
    call_command("directory_export_hsds", str(tmp_path), stdout=out)
    assert "exported" in out.getvalue()
    DirectoryOrganization.objects.all().delete()
    call_command(
        "directory_import_hsds", str(tmp_path), org=org_a.name, as_user=user.username, stdout=out
    )
    assert Service.objects.get().organization.managed_by == org_a


def test_invalid_package_imports_nothing(org_a: Any, make_member: Any, tmp_path: Path) -> None:
    user = make_member(org_a, Role.COORDINATOR)
    (tmp_path / "hsds.json").write_text('{"service": [{"id": "x", "status": "open"}]}')
    err = StringIO()
    with pytest.raises(CommandError, match="not imported"):
        call_command(
            "directory_import_hsds", str(tmp_path), org=org_a.name, as_user=user.username,
            stderr=err,
        )  # fmt: skip
    assert "hsds.json:service row 1, name:" in err.getvalue()
    assert Service.objects.count() == 0


def test_import_refuses_another_organisations_records(
    org_a: Any, org_b: Any, make_member: Any, tmp_path: Path
) -> None:
    make_service(actor_for(org_a, make_member(org_a, Role.COORDINATOR)))
    call_command("directory_export_hsds", str(tmp_path), stdout=StringIO())
    number = Phone.objects.get().number
    phones = tmp_path / "phones.csv"
    phones.write_text(phones.read_text().replace(number, "+48166719999"))
    other = make_member(org_b, Role.COORDINATOR)
    err = StringIO()
    with pytest.raises(CommandError, match="not imported"):
        call_command(
            "directory_import_hsds", str(tmp_path), org=org_b.name, as_user=other.username,
            stderr=err,
        )  # fmt: skip
    assert "organization row 1, id: belongs to another organisation" in err.getvalue()
    assert "phone row 1, id: belongs to another organisation" in err.getvalue()
    assert Service.objects.get().organization.managed_by == org_a
    assert Phone.objects.get().number == number
