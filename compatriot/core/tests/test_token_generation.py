"""The token generation (core migration 0012, PostgreSQL): a claim is confirmed by one number that
every change to what the token look-up reads raises in its own transaction. Each change that
could alter the look-up's answer must make `compatriot_token_confirm` refuse the number read
before it; recording a token's use or a sign-in must not."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from compatriot.core import claims, services
from compatriot.core.claims import REFUSED_SQLSTATE
from compatriot.core.models import ApiToken, Membership, Organisation, Role
from compatriot.core.schemas import MembershipIn, TokenIn
from compatriot.core.selectors import token_look_up
from compatriot.core.services import membership_add, token_create, token_touch
from compatriot.core.tokens import hash_token
from compatriot.core.viewer import Viewer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's triggers"),
]

MIGRATION = import_module("compatriot.core.migrations.0012_token_generation_audit_entry")


@pytest.fixture
def token(make_member, org_a) -> tuple[Any, str]:
    user = make_member(org_a, Role.CASEWORKER)
    actor = Viewer(user.id, org_a.id, org_a.kind, Role.CASEWORKER, False)
    return user, hash_token(token_create(actor, data=TokenIn(name="t")).secret)


def _generation(key_hash: str) -> int:
    found = token_look_up(key_hash)
    assert found is not None
    assert found[2] is not None
    return found[2]


def _confirms(generation: int | None) -> bool:
    """Whether the confirmation passes; a refusal must be its own (CPT01), not another error."""
    refusal = None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT compatriot_token_confirm(%s)", [generation])
    except DatabaseError as error:
        refusal = getattr(error.__cause__, "sqlstate", None)
    assert refusal in (None, REFUSED_SQLSTATE)
    return refusal is None


def _sql(statement: str) -> Callable[[Any, str], object]:
    def change(user: Any, key_hash: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, {"user": user.id, "key_hash": key_hash})

    change.__name__ = statement
    return change


CHANGES: list[Callable[[Any, str], object]] = [
    lambda user, key_hash: ApiToken.objects.filter(key_hash=key_hash).update(
        revoked_at=timezone.now()
    ),
    lambda user, key_hash: ApiToken.objects.filter(key_hash=key_hash).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    ),
    lambda user, key_hash: ApiToken.objects.filter(key_hash=key_hash).delete(),
    lambda user, key_hash: ApiToken.objects.get(key_hash=key_hash).save(),  # every column
    lambda user, key_hash: get_user_model().objects.filter(id=user.id).update(is_active=False),
    lambda user, key_hash: get_user_model().objects.filter(id=user.id).update(is_superuser=True),
    lambda user, key_hash: Organisation.objects.update(kind="ngo"),
    lambda user, key_hash: Membership.objects.filter(user=user).update(role=Role.VIEWER),
    lambda user, key_hash: Membership.objects.filter(user=user).update(is_active=False),
    lambda user, key_hash: Membership.objects.filter(user=user).delete(),
    _sql(
        "UPDATE core_apitoken SET key_hash = left(key_hash, 63) || 'x' WHERE key_hash = %(key_hash)s"
    ),
    _sql("UPDATE core_apitoken SET user_id = user_id WHERE key_hash = %(key_hash)s"),
    _sql("UPDATE core_apitoken SET organisation_id = organisation_id"),
    _sql("UPDATE core_membership SET organisation_id = organisation_id"),
    _sql("UPDATE core_membership SET user_id = user_id WHERE user_id = %(user)s"),
    _sql("UPDATE core_organisation SET id = id"),
    _sql("UPDATE auth_user SET id = id WHERE id = %(user)s"),
    _sql("DELETE FROM core_membership WHERE user_id = %(user)s"),
    _sql("TRUNCATE core_apitoken"),
    _sql("TRUNCATE core_membership"),
    lambda user, key_hash: Organisation.objects.create(name="New", kind="ngo"),
]


@pytest.mark.parametrize("change", CHANGES, ids=range(len(CHANGES)))
def test_every_change_the_look_up_reads_refuses_the_generation_read_before(change, token) -> None:
    user, key_hash = token
    before = _generation(key_hash)
    assert _confirms(before)

    change(user, key_hash)

    assert not _confirms(before)


def _revoke_then_fail(key_hash: str) -> None:
    with transaction.atomic():
        ApiToken.objects.filter(key_hash=key_hash).update(revoked_at=timezone.now())
        raise RuntimeError


def test_no_generation_is_never_confirmed(token) -> None:
    assert _confirms(_generation(token[1]))
    assert not _confirms(None)  # a claim read without one (SQLite's look-up) is refused


def test_a_change_rolled_back_leaves_the_generation(token) -> None:
    _user, key_hash = token
    before = _generation(key_hash)
    with pytest.raises(RuntimeError):
        _revoke_then_fail(key_hash)
    assert _confirms(before)


def test_a_look_up_inside_a_rolled_back_change_is_never_confirmed(token) -> None:
    """A number read inside a transaction that rolls back is never raised to again (F1: with
    `generation + 1` an unrelated later commit reproduced it and confirmed a stale claim)."""
    user, key_hash = token
    get_user_model().objects.filter(id=user.id).update(is_active=False)

    def look_up_then_fail() -> None:
        with transaction.atomic():
            get_user_model().objects.filter(id=user.id).update(is_active=True)
            assert claims.authenticated(key_hash, purpose="api", now=timezone.now()) is not None
            raise RuntimeError

    with pytest.raises(RuntimeError):
        look_up_then_fail()
    Organisation.objects.create(name="Other", kind="ngo")  # an unrelated commit
    claim = claims.claim(key_hash, purpose="api", now=timezone.now())
    assert claim is not None
    assert not _confirms(claim.generation)


def test_recording_use_and_sign_in_and_other_columns_leave_it(token) -> None:
    user, key_hash = token
    before = _generation(key_hash)
    found = token_look_up(key_hash)
    assert found is not None
    assert token_touch(found[1], now=timezone.now())
    update_last_login(type(user), user)
    Organisation.objects.update(name="Renamed", website="https://example.org")
    ApiToken.objects.filter(key_hash=key_hash).update(name="renamed")
    get_user_model().objects.filter(id=user.id).update(first_name="Olena")

    assert _confirms(before)
    assert _generation(key_hash) == before


def test_the_triggers_name_every_column_the_look_up_reads() -> None:
    """Each alias.column `compatriot_token_viewer` reads is a column its table's UPDATE trigger
    names (so a new condition there cannot be left out of the triggers)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'compatriot_token_viewer'")
        source = cursor.fetchone()[0]
        cursor.execute(
            "SELECT c.relname, a.attname FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = ANY (t.tgattr)"
            " WHERE t.tgname LIKE '%%_token_generation_updated'"
        )
        named: dict[str, set[str]] = {}
        for table, column in cursor.fetchall():
            named.setdefault(table, set()).add(column)
    aliases = {
        "t": ApiToken._meta.db_table,
        "u": get_user_model()._meta.db_table,
        "o": Organisation._meta.db_table,
        "m": Membership._meta.db_table,
    }
    read = set(re.findall(r"\b([tuom])\.(\w+)", source))
    assert read, source
    for alias, column in read:
        if column != "last_used_at":  # returned, not a condition; touched once a minute
            assert column in named[aliases[alias]], (alias, column)
    assert set(named) == set(aliases.values())


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _signatures() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.oid::regprocedure::text || ' ' || pg_get_function_result(p.oid)"
            " FROM pg_proc p WHERE proname IN ('compatriot_token_confirm',"
            " 'compatriot_token_viewer', 'compatriot_audit_entry') ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def _append_source() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'compatriot_audit_append'")
        return cursor.fetchone()[0]


def test_going_back_before_0012_restores_0004s_and_0008s_functions(token) -> None:
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    _user, key_hash = token
    before = _generation(key_hash)
    with_0012 = _signatures()
    append_with_0012 = _append_source()
    assert "compatriot_token_confirm(bigint) void" in with_0012
    assert any(s.startswith("compatriot_audit_entry(bigint,") for s in with_0012)
    assert "compatriot_audit_entry(" in append_with_0012
    try:
        _migrate([("core", "0011_audit_at_not_indexed")])
        signatures = _signatures()
        assert len(signatures) == 2  # no compatriot_audit_entry
        assert signatures[0].startswith("compatriot_token_confirm(character varying,uuid,")
        assert "token_generation" not in signatures[1]
        assert _append_source().strip() in MIGRATION.append_0004.CREATE
        assert "RETURN QUERY\n    INSERT INTO core_auditentry" in _append_source()
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [MIGRATION.TABLE])
            assert cursor.fetchone()[0] is None
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%%token_gen%%'")
            assert cursor.fetchone()[0] == 0
            cursor.execute("SELECT to_regclass(%s)", [MIGRATION.SEQUENCE])
            assert cursor.fetchone()[0] is None
        with transaction.atomic():
            services.token_generation_first()  # nothing to lock: nothing done
    finally:
        _migrate(leaves)
    assert _signatures() == with_0012
    assert _append_source() == append_with_0012
    assert _confirms(_generation(key_hash))
    assert _generation(key_hash) > before  # the sequence starts afresh from the clock


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM pg_locks WHERE pid = %s AND NOT granted)", [pid])
        return bool(cursor.fetchone()[0])


def test_a_membership_added_while_a_token_is_created_does_not_deadlock(
    make_member, org_a, monkeypatch
) -> None:
    """membership_add holds its organisation's lock when token_create for that organisation
    starts (F2): on 888faa7 the token's trigger took the generation row first and its commit's
    foreign-key check then waited for the organisation, which membership_add held while waiting
    for the generation row (a deadlock, token_create's 500). Both must commit."""
    admin = make_member(org_a, Role.ADMIN)
    member = make_member(org_a, Role.CASEWORKER)
    newcomer = make_member(Organisation.objects.create(name="Elsewhere", kind="ngo"), Role.VIEWER)
    admin_viewer = Viewer(admin.id, org_a.id, org_a.kind, Role.ADMIN, False)
    member_viewer = Viewer(member.id, org_a.id, org_a.kind, Role.CASEWORKER, False)
    locked = threading.Event()
    token_pid: list[int] = []
    token_written = threading.Event()
    errors: list[BaseException] = []
    original = services._organisation_for_update

    def holding(actor: Viewer, organisation_id: Any) -> Organisation:
        organisation = original(actor, organisation_id)
        locked.set()  # then wait until token_create has written its token or waits for a lock
        deadline = time.monotonic() + 30
        while not token_written.is_set() and time.monotonic() < deadline:
            if token_pid and _waits_for_a_lock(token_pid[0]):
                break
            time.sleep(0.02)
        return organisation

    monkeypatch.setattr(services, "_organisation_for_update", holding)

    def add() -> None:
        try:
            membership_add(
                admin_viewer,
                organisation_id=org_a.id,
                data=MembershipIn(username=newcomer.username, role=Role.VIEWER),
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def create() -> None:
        try:
            connection.ensure_connection()
            token_pid.append(connection.connection.info.backend_pid)
            assert locked.wait(30)
            with transaction.atomic():
                token_create(member_viewer, data=TokenIn(name="during"))
                token_written.set()
        except BaseException as error:
            errors.append(error)
        finally:
            token_written.set()
            connection.close()

    threads = [threading.Thread(target=add), threading.Thread(target=create)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert Membership.objects.filter(user=newcomer, organisation=org_a).exists()
    assert ApiToken.objects.filter(user=member, name="during").exists()


def test_the_admins_deletion_of_a_user_takes_the_generation_first(
    token, client, monkeypatch
) -> None:
    """The admin's deletions (and saves) of those tables lock the generation before any row, as
    the services do, and like any change refuse the claims read before."""
    from compatriot.core import admin as core_admin

    user, key_hash = token
    taken: list[bool] = []

    def first() -> None:
        taken.append(get_user_model().objects.filter(id=user.id).exists())  # nothing deleted yet
        services.token_generation_first()

    monkeypatch.setattr(core_admin, "token_generation_first", first)
    staff = get_user_model().objects.create_superuser("staff", password="not-used-in-tests-1")
    client.force_login(staff)
    before = _generation(key_hash)
    response = client.post(f"/admin/auth/user/{user.id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert taken == [True]
    assert not get_user_model().objects.filter(id=user.id).exists()
    assert not ApiToken.objects.filter(key_hash=key_hash).exists()
    assert not _confirms(before)
