"""The duplicates screens: the queue of the current crisis, one pair side by side with the
fields that agree and differ, and the decisions (admins and coordinators only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from compatriot.core.models import Crisis, Organisation, Role
from compatriot.linkage.models import CandidatePair, PairStatus
from compatriot.people.models import Person

pytestmark = pytest.mark.django_db


def person(
    crisis: Crisis, organisation: Organisation, given: str, family: str, **extra: Any
) -> Person:
    values: dict[str, Any] = {
        "crisis": crisis,
        "registered_by": organisation,
        "source": "hotline",
        "given_name": given,
        "family_name": family,
        "sex": "male",
        "birth_date": dt.date(1990, 4, 12),
        "birth_date_precision": "day",
        "nationality": "AZ",
        "nationalities": ["AZ"],
        "phones": ["+994505551234"],
        "journey_stage": "at_border",
        "category": "worker",
        **extra,
    }
    return Person.objects.create(**values)


def pair(first: Person, second: Person, **extra: Any) -> CandidatePair:
    a, b = sorted([first, second], key=lambda p: str(p.id))
    values: dict[str, Any] = {
        "probability": 0.8,
        "agreements": {"given": 0, "family": 5, "date_of_birth": 7, "phones": 2},
        "conflicts": ["given_name"],
        **extra,
    }
    return CandidatePair.objects.create(crisis=first.crisis, person_a=a, person_b=b, **values)


@pytest.fixture
def twins(crisis: Crisis, org_a: Organisation) -> CandidatePair:
    return pair(
        person(crisis, org_a, "Мухаммед", "Мамедов"), person(crisis, org_a, "Али", "Мамедов")
    )


def test_the_queue_lists_pairs_and_the_pair_shows_agreement(
    web_client: Callable[..., Client], org_a: Organisation, twins: CandidatePair
) -> None:
    client = web_client(org_a, Role.COORDINATOR)

    queue = client.get("/workspace/duplicates/")
    assert queue.status_code == 200
    assert f"/workspace/duplicates/{twins.id}/" in queue.content.decode()

    page = client.get(f"/workspace/duplicates/{twins.id}/").content.decode()
    assert '<tr class="disagree"><th scope="row">Given name</th>' in page
    assert '<tr class="agree"><th scope="row">Family name</th>' in page
    assert 'value="merge"' in page
    assert 'value="keep_apart"' in page


def test_a_coordinator_merges_and_unmerges(
    web_client: Callable[..., Client], org_a: Organisation, twins: CandidatePair
) -> None:
    client = web_client(org_a, Role.COORDINATOR)
    url = f"/workspace/duplicates/{twins.id}/"

    client.post(url, {"action": "merge"})
    twins.refresh_from_db()
    assert twins.status == PairStatus.MERGED
    assert Person.objects.filter(merged_into__isnull=False).count() == 1
    assert 'value="unmerge"' in client.get(url).content.decode()

    client.post(url, {"action": "unmerge"})
    twins.refresh_from_db()
    assert twins.status == PairStatus.PENDING
    assert Person.objects.filter(merged_into__isnull=False).count() == 0


def test_a_volunteer_sees_no_buttons_and_cannot_decide(
    web_client: Callable[..., Client], org_a: Organisation, twins: CandidatePair
) -> None:
    client = web_client(org_a, Role.VOLUNTEER)
    url = f"/workspace/duplicates/{twins.id}/"

    assert 'value="merge"' not in client.get(url).content.decode()
    assert client.post(url, {"action": "merge"}).status_code == 403
    twins.refresh_from_db()
    assert twins.status == PairStatus.PENDING


def test_another_organisations_pair_does_not_exist(
    web_client: Callable[..., Client],
    org_b: Organisation,
    twins: CandidatePair,
) -> None:
    client = web_client(org_b, Role.COORDINATOR)

    assert str(twins.id) not in client.get("/workspace/duplicates/").content.decode()
    assert client.get(f"/workspace/duplicates/{twins.id}/").status_code == 404
    assert client.post(f"/workspace/duplicates/{twins.id}/", {"action": "merge"}).status_code == 404


def test_a_coordinator_starts_a_job_from_the_queue(
    web_client: Callable[..., Client], org_a: Organisation, crisis: Crisis
) -> None:
    person(crisis, org_a, "Мухаммед", "Мамедов")
    person(crisis, org_a, "Muhammad", "Mammadov")
    client = web_client(org_a, Role.COORDINATOR)

    response = client.post("/workspace/duplicates/", follow=True)

    assert response.status_code == 200
    assert Person.objects.filter(merged_into__isnull=False).count() == 1
    assert 'id="job-status"' in response.content.decode()


def test_the_person_page_shows_the_other_registrations(
    web_client: Callable[..., Client], org_a: Organisation, twins: CandidatePair
) -> None:
    client = web_client(org_a, Role.COORDINATOR)
    client.post(f"/workspace/duplicates/{twins.id}/", {"action": "merge"})
    merged = Person.objects.get(merged_into__isnull=False)

    page = client.get(f"/workspace/people/{merged.id}/").content.decode()

    assert 'id="merged-group"' in page
    assert f"/workspace/people/{merged.merged_into_id}/" in page


@pytest.fixture
def split_group(crisis: Crisis, org_a: Organisation, org_b: Organisation) -> list[Person]:
    """org_b's unshared registration is the primary of a group of which org_a registered two;
    org_a has one other person."""
    primary = person(crisis, org_b, "Мухаммед", "Мамедов")
    mine = [person(crisis, org_a, "Muhammad", "Mammadov"), person(crisis, org_a, "Mohammed", "M")]
    Person.objects.filter(id__in=[p.id for p in mine]).update(merged_into=primary)
    return [*mine, person(crisis, org_a, "Aysel", "Aliyeva", sex="female")]


def test_the_dashboard_counts_a_group_seen_without_its_primary_once(
    web_client: Callable[..., Client], org_a: Organisation, split_group: list[Person]
) -> None:
    response = web_client(org_a).get("/workspace/")

    assert response.context["counts"].total == 2
    assert 'id="total">2</strong>' in response.content.decode()


def test_the_registry_lists_a_group_seen_without_its_primary_once(
    web_client: Callable[..., Client], org_a: Organisation, split_group: list[Person]
) -> None:
    response = web_client(org_a).get("/workspace/people/")
    page = response.content.decode()

    assert response.context["total"] == 2
    assert f"/workspace/people/{split_group[0].id}/" in page  # the older one stands for it
    assert f"/workspace/people/{split_group[1].id}/" not in page


def test_keeping_apart_records_already_one_person_is_refused_with_a_message(
    web_client: Callable[..., Client], org_a: Organisation, crisis: Crisis
) -> None:
    a, b, c = (person(crisis, org_a, name, "Мамедов") for name in ("Али", "Ali", "Alı"))
    Person.objects.filter(id__in=[b.id, c.id]).update(merged_into=a)  # through a-b and a-c
    waiting = pair(b, c, conflicts=[])
    client = web_client(org_a, Role.COORDINATOR)

    response = client.post(
        f"/workspace/duplicates/{waiting.id}/", {"action": "keep_apart"}, follow=True
    )

    assert "Other merges already made these records one person" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == PairStatus.PENDING


def test_a_merge_across_a_kept_apart_pair_is_refused_with_a_message_naming_it(
    web_client: Callable[..., Client], org_a: Organisation, crisis: Crisis
) -> None:
    a, b, c = (person(crisis, org_a, name, "Мамедов") for name in ("Али", "Ali", "Alı"))
    Person.objects.filter(id=c.id).update(merged_into=a)  # a and c: one person
    kept = pair(a, b, conflicts=[], status=PairStatus.KEPT_APART)
    conflicting = pair(b, c, conflicts=["document_number"])
    client = web_client(org_a, Role.COORDINATOR)
    url = f"/workspace/duplicates/{conflicting.id}/"

    page = client.get(url).content.decode()
    assert "Kept apart by a reviewer" in page  # shown before anyone presses merge
    assert f"/workspace/duplicates/{kept.id}/" in page

    response = client.post(url, {"action": "merge"}, follow=True)

    assert f"A reviewer kept apart two records of these people (pair {kept.id})" in (
        response.content.decode()
    )
    conflicting.refresh_from_db()
    assert conflicting.status == PairStatus.PENDING
    assert Person.objects.get(id=b.id).merged_into_id is None
