"""services.hsds_import and hsds_export, used by the workspace's HSDS screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from compatriot.core.errors import PermissionDeniedError
from compatriot.core.models import AuditEntry, Organisation, Role
from compatriot.directory import services
from compatriot.directory.hsds.problems import HsdsInvalidError
from compatriot.directory.models import Service
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
