"""Who sees an unpublished diaspora profile: its owner, the organisations its owner shares with
under an active sharing agreement, diaspora focal points and platform administrators. For anyone
else it is absent everywhere: 404 as if it did not exist, not listed, not found near a point, not
counted on the gap map. Three organisations: the owner (A), a partner (B), a stranger (C)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from compatriot.core.models import Organisation, OrganisationKind, Role, SharingAgreement
from compatriot.directory import operators
from compatriot.directory.models import DiasporaFocalPoint
from compatriot.directory.tests.factories import actor_for, make_profile

LUBLIN = {"latitude": 51.2465, "longitude": 22.5684}


@pytest.fixture
def org_c(db: None) -> Organisation:
    return Organisation.objects.create(name="Strangers", kind=OrganisationKind.NGO)


@pytest.fixture
def hidden(org_a: Organisation, org_b: Organisation, org_c: Organisation, make_member: Any) -> Any:
    """A's unpublished profile, shared with B. C has only a revoked agreement from A and one
    in the wrong direction (C shares with A): neither makes C a partner of A."""
    SharingAgreement.objects.create(provider=org_a, recipient=org_b, purpose="partners")
    SharingAgreement.objects.create(
        provider=org_a, recipient=org_c, purpose="ended", revoked_at=timezone.now()
    )
    SharingAgreement.objects.create(provider=org_c, recipient=org_a, purpose="one way")
    owner = actor_for(org_a, make_member(org_a, Role.COORDINATOR))
    return make_profile(
        owner,
        name="Hidden group",
        is_published=False,
        capacities=[{"kind": "shelter_beds", "quantity": 7}],
    )


def _near(client: Any) -> list[str]:
    answer = client.post("/directory/near", {**LUBLIN, "radius_km": 10})
    assert answer.status_code == 200
    return [found["profile"]["name"] for found in answer.json()["profiles"]]


def _listed(client: Any) -> list[str]:
    return [item["name"] for item in client.get("/directory/profiles").json()["items"]]


def test_an_unpublished_profile_is_seen_by_its_owner_and_partners_only(
    hidden: Any, org_a: Organisation, org_b: Organisation, org_c: Organisation, make_client: Any
) -> None:
    url = f"/directory/profiles/{hidden.id}"
    for organisation in (org_a, org_b):
        client = make_client(organisation)
        assert client.get(url).status_code == 200
        assert _listed(client) == ["Hidden group"]
        assert _near(client) == ["Hidden group"]

    stranger = make_client(org_c, Role.ADMIN)
    answer = stranger.get(url)
    absent = stranger.get("/directory/profiles/00000000-0000-4000-8000-000000000000")
    assert (answer.status_code, answer.json()) == (absent.status_code, absent.json())
    assert answer.status_code == 404
    assert _listed(stranger) == []
    assert _near(stranger) == []
    assert stranger.post(f"{url}/confirm").status_code == 404


def test_publishing_shows_it_to_every_organisation(
    hidden: Any, org_a: Organisation, org_c: Organisation, make_client: Any
) -> None:
    owner, stranger = make_client(org_a, Role.COORDINATOR), make_client(org_c)
    assert (
        owner.patch(f"/directory/profiles/{hidden.id}", {"is_published": True}).status_code == 200
    )
    assert stranger.get(f"/directory/profiles/{hidden.id}").status_code == 200
    assert _listed(stranger) == ["Hidden group"]


def test_revoking_the_agreement_hides_it_from_the_former_partner(
    hidden: Any, org_a: Organisation, org_b: Organisation, make_client: Any
) -> None:
    partner = make_client(org_b)
    SharingAgreement.objects.filter(provider=org_a, recipient=org_b).update(
        revoked_at=timezone.now()
    )
    assert partner.get(f"/directory/profiles/{hidden.id}").status_code == 404
    assert _listed(partner) == []


def test_focal_points_and_platform_admins_see_it_to_verify_it(
    hidden: Any, org_c: Organisation, make_client: Any
) -> None:
    focal = make_client(org_c)
    assert focal.get(f"/directory/profiles/{hidden.id}").status_code == 404
    DiasporaFocalPoint.objects.create(user=focal.user)
    assert focal.get(f"/directory/profiles/{hidden.id}").status_code == 200
    assert _listed(focal) == ["Hidden group"]
    assert focal.post(f"/directory/profiles/{hidden.id}/verify").status_code == 200

    admin = make_client(org_c, Role.ADMIN, superuser=True)
    assert admin.get(f"/directory/profiles/{hidden.id}").status_code == 200


def test_the_gap_map_counts_only_visible_capacity(
    hidden: Any,
    org_b: Organisation,
    org_c: Organisation,
    make_client: Any,
    make_member: Any,
    crisis: Any,
    register_person: Any,
) -> None:
    def beds(organisation: Organisation) -> int | None:
        register_person(
            make_client(organisation),
            admin_area="Lublin",
            needs=[{"category": "shelter"}],
            **LUBLIN,
        )
        viewer = actor_for(organisation, make_member(organisation, Role.COORDINATOR))
        (area,) = operators.capacity_gaps(viewer, crisis_id=crisis.id, need="shelter", radius_km=10)
        return area.capacity

    assert beds(org_b) == 7
    assert beds(org_c) == 0
