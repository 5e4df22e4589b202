"""POST /persons may act on its bearer token as this process last found it (a claim, no look-up)
because the write confirms the token in its own transaction (PostgreSQL, core migrations 0008 and
0012: the token generation read with the viewer).
Whatever changed in between, the answer is today's: a token no longer valid is refused 401 with
nothing written; one whose viewer changed is answered as that viewer; every other operation and
every other path looks the token up first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compatriot.core import claims
from compatriot.core.api import viewer_of
from compatriot.core.claims import TokenClaim, TokenNoLongerValid, claim
from compatriot.core.models import ApiToken, AuditEntry, Membership, Organisation, Role
from compatriot.core.tokens import hash_token
from compatriot.core.viewer import Viewer
from compatriot.people.models import Household, Person
from compatriot.people.schemas import PersonIn
from compatriot.people.services import person_register
from conftest import ApiClient

pytestmark = pytest.mark.django_db(transaction=True)

on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="only PostgreSQL's write confirms a claim"
)


def _secret(client: ApiClient) -> str:
    return client.headers["Authorization"].removeprefix("Bearer ")


def _token(client: ApiClient) -> ApiToken:
    return ApiToken.objects.get(key_hash=hash_token(_secret(client)))


def _look_ups(queries: CaptureQueriesContext) -> int:
    return sum(
        "compatriot_token_viewer" in q["sql"] or "revoked_at IS NULL" in q["sql"]
        for q in queries.captured_queries
    )


def _registered(client: ApiClient, person_payload: Callable[..., dict[str, Any]]) -> None:
    response = client.post("/persons", person_payload())
    assert response.status_code == 201, response.json()


def test_the_second_write_claims_the_token(client_a, person_payload) -> None:
    _registered(client_a, person_payload)  # looks the token up, records its use
    with CaptureQueriesContext(connection) as queries:
        _registered(client_a, person_payload)
    if connection.vendor == "postgresql":  # one round trip, the token confirmed inside it
        assert _look_ups(queries) == 0
        assert len(queries.captured_queries) == 1
        assert queries.captured_queries[0]["sql"].index("compatriot_token_confirm") < (
            queries.captured_queries[0]["sql"].index("compatriot_insert_person")
        )
    else:  # SQLite: no claim, the look-up as before
        assert _look_ups(queries) == 1
    assert Person.objects.count() == 2


def _revoke(client: ApiClient, org: Organisation) -> None:
    ApiToken.objects.filter(id=_token(client).id).update(revoked_at=timezone.now())


def _expire(client: ApiClient, org: Organisation) -> None:
    ApiToken.objects.filter(id=_token(client).id).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )


def _deactivate_user(client: ApiClient, org: Organisation) -> None:
    get_user_model().objects.filter(id=client.user.id).update(is_active=False)  # type: ignore[attr-defined]


def _deactivate_membership(client: ApiClient, org: Organisation) -> None:
    Membership.objects.filter(user=client.user).update(is_active=False)  # type: ignore[attr-defined]


def _delete_membership(client: ApiClient, org: Organisation) -> None:
    Membership.objects.filter(user=client.user).delete()  # type: ignore[attr-defined]


def _delete_token(client: ApiClient, org: Organisation) -> None:
    ApiToken.objects.filter(id=_token(client).id).delete()


@pytest.mark.parametrize(
    "change",
    [_revoke, _expire, _deactivate_user, _deactivate_membership, _delete_membership, _delete_token],
    ids=lambda f: f.__name__,
)
def test_a_token_no_longer_valid_is_refused_at_once(
    change, client_a, org_a, person_payload, row_counts
) -> None:
    _registered(client_a, person_payload)
    _registered(client_a, person_payload)  # a claim on PostgreSQL: the token is remembered
    change(client_a, org_a)
    before = row_counts()

    with CaptureQueriesContext(connection) as queries:
        response = client_a.post("/persons", person_payload(**_DETAILS))

    assert response.status_code == 401
    if connection.vendor == "postgresql":  # the claim was sent, refused, then looked up
        assert "compatriot_token_confirm" in queries.captured_queries[0]["sql"]
        assert _look_ups(queries) == 1
    assert response.json() == {
        "code": "UNAUTHENTICATED",
        "field": None,
        "message": "A valid bearer token is required.",
    }
    assert response["WWW-Authenticate"] == "Bearer"
    assert row_counts() == before
    assert hash_token(_secret(client_a)) not in claims._FOUND


_DETAILS = {
    "needs": [{"category": "shelter", "urgency": "high"}],
    "consents": [{"scope": "registration", "method": "verbal"}],
}


def test_a_role_that_may_no_longer_write_is_refused_403(
    client_a, person_payload, row_counts
) -> None:
    _registered(client_a, person_payload)
    _registered(client_a, person_payload)
    Membership.objects.filter(user=client_a.user).update(role=Role.VIEWER)
    before = row_counts()

    response = client_a.post("/persons", person_payload())

    assert response.status_code == 403
    assert response.json()["code"] == "PERMISSION_DENIED"
    assert row_counts() == before


def test_a_changed_role_writes_as_the_viewer_the_token_now_stands_for(
    client_a, person_payload
) -> None:
    _registered(client_a, person_payload)
    _registered(client_a, person_payload)
    Membership.objects.filter(user=client_a.user).update(role=Role.VOLUNTEER)

    response = client_a.post("/persons", person_payload(source_record_id="after-change"))

    assert response.status_code == 201, response.json()
    person = Person.objects.get(source_record_id="after-change")
    assert AuditEntry.objects.filter(object_type="person", object_id=str(person.id)).count() == 1
    found = claims._FOUND[hash_token(_secret(client_a))]
    assert found.viewer.role == Role.VOLUNTEER  # remembered afresh: the next write claims it
    with CaptureQueriesContext(connection) as queries:
        _registered(client_a, person_payload)
    if connection.vendor == "postgresql":
        assert _look_ups(queries) == 0


def test_a_changed_organisation_kind_is_written_as_it_is_now(
    client_a, org_a, person_payload
) -> None:
    _registered(client_a, person_payload)
    _registered(client_a, person_payload)
    Organisation.objects.filter(id=org_a.id).update(kind="ngo")

    _registered(client_a, person_payload)

    assert claims._FOUND[hash_token(_secret(client_a))].viewer.organisation_kind == "ngo"
    assert Person.objects.count() == 3


def test_a_changed_superuser_flag_is_written_as_it_is_now(client_a, person_payload) -> None:
    _registered(client_a, person_payload)
    _registered(client_a, person_payload)
    get_user_model().objects.filter(id=client_a.user.id).update(is_superuser=True)

    with CaptureQueriesContext(connection) as queries:
        _registered(client_a, person_payload)

    if connection.vendor == "postgresql":  # the claim was refused, then looked up
        assert _look_ups(queries) == 1
    assert claims._FOUND[hash_token(_secret(client_a))].viewer.is_platform_admin
    assert Person.objects.count() == 3


def test_a_revoked_token_learns_nothing_from_a_bad_body(client_a, person_payload) -> None:
    _registered(client_a, person_payload)
    _registered(client_a, person_payload)
    _revoke(client_a, Organisation.objects.get())

    assert client_a.post("/persons", {"given_name": 5}).status_code == 401
    assert client_a.post("/persons", person_payload(relationship="child")).status_code == 401


def test_a_valid_token_gets_the_same_refusals_as_before(client_a, person_payload) -> None:
    _registered(client_a, person_payload)
    _registered(client_a, person_payload)

    assert client_a.post("/persons", {"given_name": 5}).status_code == 422
    response = client_a.post("/persons", person_payload(relationship="child"))
    assert response.status_code == 422
    assert response.json()["field"] == "relationship"


def test_the_use_is_still_recorded_once_a_minute(client_a, person_payload, time_machine) -> None:
    time_machine.move_to(timezone.now(), tick=True)
    _registered(client_a, person_payload)
    first = _token(client_a).last_used_at
    assert first is not None
    _registered(client_a, person_payload)
    assert _token(client_a).last_used_at == first  # within the minute: not written again
    time_machine.shift(dt.timedelta(seconds=61))

    _registered(client_a, person_payload)

    assert _token(client_a).last_used_at > first  # type: ignore[operator]


def test_other_operations_look_the_token_up(client_a, person_payload) -> None:
    _registered(client_a, person_payload)
    _registered(client_a, person_payload)
    with CaptureQueriesContext(connection) as queries:
        assert client_a.get("/persons").status_code == 200
    assert _look_ups(queries) == 1
    _revoke(client_a, Organisation.objects.get())
    assert client_a.get("/persons").status_code == 401


def _claim_of(client: ApiClient) -> TokenClaim:
    found = claim(hash_token(_secret(client)), purpose="api", now=timezone.now())
    assert found is not None
    return found


def test_viewer_of_confirms_a_claim(client_a, person_payload) -> None:
    _registered(client_a, person_payload)
    request = RequestFactory().get("/")
    request.auth = _claim_of(client_a)  # type: ignore[attr-defined]

    assert isinstance(viewer_of(request), Viewer)
    _revoke(client_a, Organisation.objects.get())
    with pytest.raises(TokenNoLongerValid):
        viewer_of(request)


def test_the_household_path_confirms_a_claim_first(
    client_a, crisis, org_a, person_payload, row_counts
) -> None:
    _registered(client_a, person_payload)
    household = Household.objects.create(crisis=crisis, registered_by=org_a, label="H")
    data = PersonIn(**person_payload(household_id=str(household.id), relationship="child"))
    held = _claim_of(client_a)
    _revoke(client_a, org_a)
    before = row_counts()

    with pytest.raises(TokenNoLongerValid):
        person_register(held, data=data)

    assert row_counts() == before


@on_postgresql
def test_a_refused_claim_inside_a_transaction_writes_nothing(
    client_a, org_a, person_payload, row_counts
) -> None:
    _registered(client_a, person_payload)
    held = _claim_of(client_a)
    _revoke(client_a, org_a)
    before = row_counts()

    with transaction.atomic(), pytest.raises(TokenNoLongerValid):
        person_register(held, data=PersonIn(**person_payload()))

    assert row_counts() == before


def test_the_memory_is_bounded(client_a, make_client, org_a, monkeypatch) -> None:
    monkeypatch.setattr(claims, "CAPACITY", 2)
    clients = [client_a, make_client(org_a), make_client(org_a)]
    for client in clients:
        assert client.get("/crises").status_code == 200

    remembered = [hash_token(_secret(client)) in claims._FOUND for client in clients]
    assert remembered == [False, True, True]
    assert claims.remembered_count() <= 2
