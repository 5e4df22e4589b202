"""A merged group (compatriot.linkage) counts once for every viewer, even one who may see two of
its registrations but not its primary record: then the oldest registration it may see stands for
the group, in the counts, the list and the export alike."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command

from compatriot.core.models import Crisis, Organisation, Role
from compatriot.core.viewer import Viewer
from compatriot.people.aggregates import crisis_counts, open_needs_by_area
from compatriot.people.models import Need, Person, Vulnerability
from compatriot.people.schemas import PersonFilter
from compatriot.people.selectors import one_per_group, person_list, visible_persons


def make_person(crisis: Crisis, organisation: Organisation, given: str, **extra: Any) -> Person:
    values: dict[str, Any] = {
        "crisis": crisis,
        "registered_by": organisation,
        "source": "hotline",
        "sex": "male",
        "given_name": given,
        "family_name": "Mamedov",
        "birth_date": dt.date(1990, 4, 12),
        "birth_date_precision": "day",
        "nationality": "AZ",
        "nationalities": ["AZ"],
        "journey_stage": "at_border",
        "category": "worker",
        "country": "PL",
        "admin_area": "Mazowieckie",
        **extra,
    }
    return Person.objects.create(**values)


@pytest.fixture
def split_group(crisis: Crisis, org_a: Organisation, org_b: Organisation) -> dict[str, Person]:
    """org_b's registration is the primary of a group (not shared with org_a); org_a registered
    the same man twice, both merged into it; and org_a has one other person."""
    primary = make_person(crisis, org_b, "Мухаммед")
    first = make_person(crisis, org_a, "Muhammad")
    second = make_person(crisis, org_a, "Mohammed")
    Person.objects.filter(id__in=[first.id, second.id]).update(merged_into=primary)
    other = make_person(crisis, org_a, "Aysel", nationality="GE", nationalities=["GE"])
    for person in (first, second):
        Need.objects.create(person=person, category="shelter")
        Vulnerability.objects.create(person=person, code="pregnant")
    return {"primary": primary, "first": first, "second": second, "other": other}


@pytest.fixture
def viewer_a(make_member: Any, org_a: Organisation) -> Viewer:
    user = make_member(org_a, Role.COORDINATOR)
    return Viewer(user.id, org_a.id, org_a.kind, Role.COORDINATOR)


def test_the_oldest_visible_registration_stands_for_the_group(
    split_group: dict[str, Person], viewer_a: Viewer
) -> None:
    shown = set(one_per_group(visible_persons(viewer_a)).values_list("id", flat=True))

    assert shown == {split_group["first"].id, split_group["other"].id}


def test_the_dashboard_counts_count_the_group_once(
    split_group: dict[str, Person], viewer_a: Viewer, crisis: Crisis
) -> None:
    counts = crisis_counts(viewer_a, crisis_id=crisis.id)

    assert counts.total == 2
    assert dict(counts.by_nationality) == {"AZ": 1, "GE": 1}
    assert counts.by_need == [("shelter", 1)]
    assert counts.by_vulnerability == [("pregnant", 1)]
    assert [(area.admin_area, area.count) for area in counts.by_area] == [("Mazowieckie", 2)]
    assert sum(n for _, n in counts.by_day) == 2


def test_the_gap_map_counts_a_group_in_need_once(
    split_group: dict[str, Person], viewer_a: Viewer, crisis: Crisis
) -> None:
    areas = open_needs_by_area(viewer_a, crisis_id=crisis.id, category="shelter")

    assert [(area.admin_area, area.persons) for area in areas] == [("Mazowieckie", 1)]


def test_the_list_shows_the_group_once(
    split_group: dict[str, Person], viewer_a: Viewer, crisis: Crisis
) -> None:
    count, page = person_list(viewer_a, filters=PersonFilter(crisis=crisis.id))

    assert count == 2
    assert {p.id for p in page} == {split_group["first"].id, split_group["other"].id}


def test_the_api_list_counts_the_group_once(
    split_group: dict[str, Person], client_a: Any, crisis: Crisis
) -> None:
    listed = client_a.get("/persons", crisis=str(crisis.id)).json()

    assert listed["count"] == 2
    assert {p["id"] for p in listed["items"]} == {
        str(split_group["first"].id),
        str(split_group["other"].id),
    }


def test_the_export_has_the_group_once(
    split_group: dict[str, Person], client_a: Any, org_a: Organisation, crisis: Crisis
) -> None:
    out = io.StringIO()
    call_command(
        "export_persons",
        org=org_a.name,
        as_user=client_a.user.username,
        crisis=str(crisis.id),
        stdout=out,
        stderr=io.StringIO(),
    )

    rows = out.getvalue().strip().splitlines()
    assert len(rows) == 1 + 2
    assert sum("Mohammed" in row for row in rows) == 0  # the younger registration is left out
