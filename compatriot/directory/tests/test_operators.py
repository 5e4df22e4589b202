"""The services and reads behind the operator screens: the all-or-nothing profile edit,
verification by a platform admin, the owner's stale list, and the gap map's figures."""

from __future__ import annotations

from typing import Any

import pytest

from compatriot.core.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from compatriot.core.models import AuditEntry, Role
from compatriot.core.viewer import Viewer
from compatriot.directory import operators, services
from compatriot.directory.models import DiasporaProfile
from compatriot.directory.schemas import ProfileIn
from compatriot.directory.tests.factories import actor_for, make_profile, profile_payload
from compatriot.people.aggregates import open_needs_by_area


@pytest.fixture
def actor(org_a: Any, make_member: Any) -> Viewer:
    return actor_for(org_a, make_member(org_a, Role.COORDINATOR))


def test_profile_replace_writes_fields_and_capacities_or_nothing(
    actor: Viewer, org_b: Any, make_member: Any
) -> None:
    profile = make_profile(actor)
    twice = profile_payload(
        name="Renamed",
        capacities=[{"kind": "vehicles", "quantity": 1}, {"kind": "vehicles", "quantity": 2}],
    )
    with pytest.raises(InvalidInputError) as error:
        services.profile_replace(actor, profile_id=profile.id, data=ProfileIn(**twice))
    assert error.value.field == "capacities[1]"
    profile.refresh_from_db()
    assert profile.name != "Renamed"
    assert profile.capacities.count() == 3

    DiasporaProfile.objects.filter(id=profile.id).update(is_stale=True)
    services.profile_replace(
        actor,
        profile_id=profile.id,
        data=ProfileIn(**profile_payload(name="Renamed", capacities=[])),
    )
    profile.refresh_from_db()
    assert (profile.name, profile.capacities.count(), profile.is_stale) == ("Renamed", 0, False)

    other = actor_for(org_b, make_member(org_b, Role.COORDINATOR))
    with pytest.raises(NotFoundError):
        services.profile_replace(other, profile_id=profile.id, data=ProfileIn(**twice))


def test_a_platform_admin_may_verify_a_plain_member_may_not(
    actor: Viewer, org_a: Any, make_member: Any
) -> None:
    profile = make_profile(actor)
    assert not services.can_verify_profiles(actor)
    with pytest.raises(PermissionDeniedError):
        services.profile_verify(actor, profile_id=profile.id)
    user = make_member(org_a, Role.ADMIN, superuser=True)
    admin = Viewer(user.id, org_a.id, org_a.kind, Role.ADMIN, True, "test")
    assert services.can_verify_profiles(admin)
    services.profile_verify(admin, profile_id=profile.id)
    profile.refresh_from_db()
    assert profile.verified_by_id == user.id


def test_the_owner_sees_only_its_own_stale_profiles(
    actor: Viewer, org_b: Any, make_member: Any
) -> None:
    mine = make_profile(actor, name="Mine")
    theirs = make_profile(actor_for(org_b, make_member(org_b, Role.COORDINATOR)), name="Theirs")
    DiasporaProfile.objects.filter(id__in=[mine.id, theirs.id]).update(is_stale=True)
    assert [p.id for p in operators.stale_profiles_of_owner(actor)] == [mine.id]
    assert operators.stale_profiles_of_owner(Viewer(None, None, None, None)) == []


def test_needs_by_area_are_scoped_counted_and_audited(
    actor: Viewer, client_a: Any, client_b: Any, crisis: Any, register_person: Any
) -> None:
    register_person(client_a, needs=[{"category": "shelter"}, {"category": "food"}])
    register_person(client_a, needs=[{"category": "shelter", "status": "met"}])
    register_person(client_b, needs=[{"category": "shelter"}])  # not org_a's to see
    before = AuditEntry.objects.count()
    areas = open_needs_by_area(actor, crisis_id=crisis.id, category="shelter")
    assert [(a.admin_area, a.persons) for a in areas] == [("Kharkiv Oblast", 1)]
    assert AuditEntry.objects.count() == before + 1


def test_a_gap_for_needs_without_countable_capacity_is_no_service_nearby(
    actor: Viewer, client_a: Any, crisis: Any, register_person: Any
) -> None:
    register_person(client_a, needs=[{"category": "food"}])
    (gap,) = operators.capacity_gaps(actor, crisis_id=crisis.id, need="food", radius_km=25)
    assert gap.capacity is None
    assert gap.services == 0
    assert gap.is_gap
