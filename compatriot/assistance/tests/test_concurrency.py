"""Many operators allocating at once on a real PostgreSQL server never over-allocate."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from compatriot.assistance.models import Allocation, AssistanceRequest, Offer
from compatriot.assistance.services import allocation_create
from compatriot.core.errors import ConflictError
from compatriot.core.models import Role
from compatriot.core.viewer import Viewer

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"),
        reason="row locks need a real PostgreSQL server",
    ),
    pytest.mark.django_db(transaction=True),
]
OPERATORS = 12


def test_concurrent_operators_never_exceed_capacity(crisis, org_a, org_b, make_member):
    offer = Offer.objects.create(
        crisis=crisis,
        organisation=org_b,
        category="shelter_bed",
        capacity=7,
        latitude=49.78,
        longitude=22.77,
        radius_km=30,
    )
    sizes = [3, 2, 2, 1, 3, 1, 2, 1, 3, 2, 1, 2][:OPERATORS]
    requests = [
        AssistanceRequest.objects.create(
            crisis=crisis,
            organisation=org_a,
            category="shelter_bed",
            people=n,
            latitude=49.78,
            longitude=22.77,
        )
        for n in sizes
    ]
    operators = [make_member(org_a, Role.CASEWORKER) for _ in range(OPERATORS)]
    barrier = threading.Barrier(OPERATORS)
    outcomes: dict[int, str] = {}

    def operate(index: int) -> None:
        viewer = Viewer(operators[index].id, org_a.id, org_a.kind, Role.CASEWORKER)
        try:
            barrier.wait()
            allocation_create(
                viewer, request_id=requests[index].id, offer_id=offer.id, override=False, reason=""
            )
            outcomes[index] = "allocated"
        except ConflictError:
            outcomes[index] = "full"
        finally:
            connection.close()

    threads = [threading.Thread(target=operate, args=(i,)) for i in range(OPERATORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    offer.refresh_from_db()
    live = Allocation.objects.filter(offer=offer, status="proposed")
    held = sum(a.people for a in live)
    # Every operator got an answer (an IntegrityError from the constraint would be none).
    assert len(outcomes) == OPERATORS
    allocated = [i for i, outcome in outcomes.items() if outcome == "allocated"]
    assert live.count() == len(allocated)
    assert held == offer.held == sum(sizes[i] for i in allocated)
    assert held <= offer.capacity
    # Nobody was turned away while their household still fitted: places only ever got fewer.
    for i, outcome in outcomes.items():
        if outcome == "full":
            assert sizes[i] > offer.capacity - held


def test_the_database_refuses_more_held_than_capacity(crisis, org_b):
    from django.db import IntegrityError

    offer = Offer.objects.create(
        crisis=crisis,
        organisation=org_b,
        category="goods",
        capacity=2,
        latitude=0,
        longitude=0,
        radius_km=1,
    )
    with pytest.raises(IntegrityError):
        Offer.objects.filter(id=offer.id).update(held=3)
