"""API tokens: the secret is shown once, only its SHA-256 is kept, and a token stops working when
it is revoked, expires, or its membership or user is deactivated."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compatriot.core.models import ApiToken, AuditEntry, Membership, Role
from conftest import ApiClient


def test_create_token_returns_the_secret_once(client_a, org_a):
    response = client_a.post("/tokens", {"name": "laptop"})

    assert response.status_code == 201
    body = response.json()
    secret = body["token"]
    token = ApiToken.objects.get(id=body["id"])
    assert body == {
        "id": str(token.id),
        "name": "laptop",
        "prefix": secret[:12],
        "organisation_id": str(org_a.id),
        "created_at": body["created_at"],
        "expires_at": None,
        "last_used_at": None,
        "revoked_at": None,
        "token": secret,
    }
    assert secret.startswith("cpt_")
    assert len(secret) == 47
    assert (token.user_id, token.organisation_id) == (client_a.user.id, org_a.id)
    assert AuditEntry.objects.get(object_id=str(token.id)).action == "create"
    assert ApiClient(secret).get("/tokens").status_code == 200


def test_the_database_keeps_only_the_hash(client_a):
    secret = client_a.post("/tokens", {"name": "laptop"}).json()["token"]

    token = ApiToken.objects.get(name="laptop")

    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(getattr(token, field.attname)) for field in ApiToken._meta.concrete_fields]
    assert [value for value in stored if secret in value] == []


def test_the_list_never_shows_a_secret(client_a, org_a):
    secret = client_a.post("/tokens", {"name": "laptop"}).json()["token"]

    response = client_a.get("/tokens")

    assert response.status_code == 200
    assert sorted(token["name"] for token in response.json()) == ["laptop", "test"]
    assert {key for token in response.json() for key in token} == {
        "id", "name", "prefix", "organisation_id", "created_at", "expires_at", "last_used_at",
        "revoked_at",
    }  # fmt: skip
    assert secret not in response.content.decode()


def test_the_list_shows_only_the_callers_tokens(client_a, client_b, make_client, org_a):
    colleague = make_client(org_a, Role.ADMIN)
    client_a.post("/tokens", {"name": "laptop"})

    def listed(client):
        return sorted(token["id"] for token in client.get("/tokens").json())

    def own(client):
        return sorted(
            str(i) for i in ApiToken.objects.filter(user=client.user).values_list("id", flat=True)
        )

    assert len(listed(client_a)) == 2
    assert listed(client_a) == own(client_a)
    assert listed(colleague) == own(colleague)
    assert listed(client_b) == own(client_b)
    assert len(listed(client_b)) == 1


def test_a_revoked_token_is_refused(client_a):
    created = client_a.post("/tokens", {"name": "phone"}).json()
    phone = ApiClient(created["token"])
    assert phone.get("/tokens").status_code == 200

    revoked = client_a.post(f"/tokens/{created['id']}/revoke")

    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    refused = phone.get("/tokens")
    assert refused.status_code == 401
    assert refused.json() == {
        "code": "UNAUTHENTICATED",
        "field": None,
        "message": "A valid bearer token is required.",
    }
    assert refused["WWW-Authenticate"] == "Bearer"
    assert client_a.get("/tokens").status_code == 200  # the caller's other token still works


def test_a_token_of_a_deactivated_membership_is_refused(make_client, client_a, org_a):
    admin = make_client(org_a, Role.ADMIN)
    membership = Membership.objects.get(user=client_a.user)

    response = admin.patch(
        f"/organisations/{org_a.id}/members/{membership.id}", {"is_active": False}
    )

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert client_a.get("/tokens").status_code == 401
    assert client_a.get("/persons").status_code == 401


def test_a_token_of_a_deactivated_user_is_refused(client_a):
    client_a.user.is_active = False
    client_a.user.save(update_fields=["is_active"])

    assert client_a.get("/tokens").status_code == 401


def test_an_expired_token_is_refused(client_a):
    created = client_a.post(
        "/tokens",
        {"name": "short", "expires_at": (timezone.now() + dt.timedelta(hours=1)).isoformat()},
    ).json()
    short = ApiClient(created["token"])
    assert short.get("/tokens").status_code == 200

    ApiToken.objects.filter(id=created["id"]).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    assert short.get("/tokens").status_code == 401


def test_a_token_cannot_expire_in_the_past(client_a, row_counts):
    before = row_counts()

    response = client_a.post("/tokens", {"name": "old", "expires_at": "2020-01-01T00:00:00Z"})

    assert response.status_code == 422
    assert response.json()["field"] == "expires_at"
    assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "headers"),
    [
        ("no header", {}),
        ("unknown token", {"Authorization": "Bearer cpt_not-a-real-token"}),
        ("overlong token", {"Authorization": "Bearer " + "x" * 5000}),
        ("wrong scheme", {"Authorization": "Basic dXNlcjpwYXNz"}),
    ],
)
def test_requests_without_a_valid_token_are_refused(_case, headers, db, row_counts):
    client = ApiClient(None)
    client.headers = headers
    before = row_counts()

    response = client.get("/persons")

    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHENTICATED"
    assert row_counts() == before


def test_use_is_recorded(client_a):
    token = ApiToken.objects.get(user=client_a.user)
    assert token.last_used_at is None

    client_a.get("/tokens")

    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("_case", "role", "same_organisation", "status"),
    [
        ("colleague caseworker", Role.CASEWORKER, True, 404),
        ("org_b admin", Role.ADMIN, False, 404),
        ("own organisation's admin", Role.ADMIN, True, 200),
    ],
)
def test_who_may_revoke_someone_elses_token(
    _case, role, same_organisation, status, make_client, client_a, org_a, org_b
):
    other = make_client(org_a if same_organisation else org_b, role)
    token = ApiToken.objects.get(user=client_a.user)

    response = other.post(f"/tokens/{token.id}/revoke")

    assert response.status_code == status
    token.refresh_from_db()
    assert (token.revoked_at is not None) is (status == 200)
    assert (client_a.get("/tokens").status_code == 401) is (status == 200)


def test_the_token_look_up_returns_python_values(make_member, org_a) -> None:
    """The look-up reads plain rows: UUIDs, booleans and aware datetimes must come back as such on
    both databases (SQLite stores them as text and integers)."""
    from compatriot.core.schemas import TokenIn
    from compatriot.core.selectors import viewer_for_token
    from compatriot.core.services import token_create
    from compatriot.core.viewer import Viewer

    user = make_member(org_a, Role.ADMIN, superuser=True)
    actor = Viewer(user.id, org_a.id, org_a.kind, Role.ADMIN, True)
    secret = token_create(actor, data=TokenIn(name="types")).secret
    ApiToken.objects.filter(user=user).update(
        last_used_at=timezone.now(), expires_at=timezone.now() + dt.timedelta(days=1)
    )
    found = viewer_for_token(secret, purpose="check")
    assert found is not None
    viewer, token = found
    stored = ApiToken.objects.get(user=user)
    assert token.id == stored.id
    assert token.organisation_id == org_a.id
    assert viewer.organisation_id == org_a.id
    assert viewer.user_id == user.id
    assert viewer.is_platform_admin is True
    assert viewer.role == Role.ADMIN
    assert viewer.organisation_kind == org_a.kind
    assert viewer.purpose == "check"
    assert token.last_used_at == stored.last_used_at
    assert token.last_used_at is not None
    assert timezone.is_aware(token.last_used_at)
    assert token.expires_at == stored.expires_at
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert viewer_for_token(secret) is None


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_the_look_up_is_the_function_and_answers_as_the_query(
    make_member, org_a, org_b
) -> None:
    """compatriot_token_viewer (core migrations 0006, 0012) must return exactly what the plain query
    returns, in every state that decides whether a token is accepted, and read the rows afresh
    on every call (its plan is kept, never its answer)."""
    from compatriot.core.schemas import TokenIn
    from compatriot.core.selectors import _token_sql, viewer_for_token
    from compatriot.core.services import token_create
    from compatriot.core.tokens import hash_token
    from compatriot.core.viewer import Viewer

    user = make_member(org_a, Role.ADMIN, superuser=True)
    Membership.objects.create(user=user, organisation=org_b, role=Role.VOLUNTEER)
    secrets = [
        token_create(
            Viewer(user.id, org.id, org.kind, role, True), data=TokenIn(name=org.name)
        ).secret
        for org, role in ((org_a, Role.ADMIN), (org_b, Role.VOLUNTEER))
    ]

    def both(secret: str) -> tuple[list[tuple], list[tuple]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM compatriot_token_viewer(%s)", [hash_token(secret)])
            from_function = [row[:-1] for row in cursor.fetchall()]  # less the generation (0012)
            cursor.execute(_token_sql(), [True, hash_token(secret), True])
            return from_function, cursor.fetchall()

    def check(*, accepted: list[bool]) -> None:
        for secret, expected in zip(secrets, accepted, strict=True):
            for _ in range(7):  # past the five custom plans, onto the kept generic one
                from_function, from_query = both(secret)
                assert from_function == from_query
                assert len(from_function) == int(expected)
            with CaptureQueriesContext(connection) as queries:
                assert (viewer_for_token(secret) is not None) is expected
            assert len(queries) == 1
            assert "compatriot_token_viewer" in queries[0]["sql"]

    check(accepted=[True, True])
    assert both(secrets[1])[0][0][-1] == Role.VOLUNTEER  # the membership of the token's org
    Membership.objects.filter(user=user, organisation=org_b).update(is_active=False)
    check(accepted=[True, False])
    ApiToken.objects.filter(organisation=org_a).update(revoked_at=timezone.now())
    check(accepted=[False, False])
    ApiToken.objects.filter(organisation=org_a).update(revoked_at=None)
    check(accepted=[True, False])
    user.is_active = False
    user.save(update_fields=["is_active"])
    check(accepted=[False, False])
    assert both("not-a-token") == ([], [])
