"""The audit chain's tail read by its index whatever the statistics (core migration 0013,
PostgreSQL).

`compatriot_audit_entry` and `compatriot_audit_tail` read the chain's last entry (`ORDER BY id
DESC LIMIT 1`) with a plan PL/pgSQL keeps for the session. Planned while `core_auditentry` was
analysed empty and had no page yet, that plan was a sequential scan and a sort, and every later
append of the session read the whole chain. These tests plan the functions in exactly that state
and count the table's sequential scans afterwards."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from compatriot.core.audit import AUDIT_LOCK_KEY, audit_maintenance, audit_verify
from compatriot.core.models import AuditAction
from compatriot.core.viewer import Viewer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's plans"),
]

MIGRATION = import_module("compatriot.core.migrations.0013_audit_tail_by_index")
APPENDS = 30


def _analysed_empty() -> None:
    """A new session (no plan kept yet) over an empty chain with no page, analysed so: the
    planner then believes the table empty, as after a restore or a reset that analysed it."""
    connection.close()
    with audit_maintenance(), connection.cursor() as cursor:  # refused otherwise (core 0014)
        cursor.execute("TRUNCATE core_auditentry")  # a new file of 0 pages
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_auditentry")
        cursor.execute(
            "SELECT relpages, reltuples FROM pg_class WHERE oid = 'core_auditentry'::regclass"
        )
        assert cursor.fetchone() == (0, 0)


def _scans(cursor) -> tuple[int, int]:
    """The session's sequential and index scans of the chain not yet reported (a transaction's
    and the ones before it since the last report): compare two readings."""
    cursor.execute(
        "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables"
        " WHERE relid = 'core_auditentry'::regclass"
    )
    return cursor.fetchone()


def _append_entries(actor: Viewer) -> tuple[int, int]:
    from compatriot.core import audit

    with transaction.atomic(), connection.cursor() as cursor:
        before = _scans(cursor)
        for number in range(APPENDS):
            sql, params = audit.entry_append_statement(
                actor, action=AuditAction.CREATE, object_type="thing", object_id=number
            )
            cursor.execute(sql, params)
        after = _scans(cursor)
    return after[0] - before[0], after[1] - before[1]


@pytest.fixture
def actor(org_a) -> Viewer:
    return Viewer(None, org_a.id, org_a.kind, None, False, purpose="test")


def test_appends_read_the_tail_by_its_index_after_an_empty_analyse(actor) -> None:
    _analysed_empty()
    seq_scans, index_scans = _append_entries(actor)
    assert seq_scans == 0  # main: one per append, each reading the whole chain
    assert index_scans >= APPENDS  # the tail by the primary key
    report = audit_verify()
    assert report.is_intact
    assert report.checked == APPENDS


def test_the_tail_function_reads_by_its_index_after_an_empty_analyse(actor) -> None:
    _analysed_empty()
    _append_entries(actor)  # entries to read; their plan is another function's
    with transaction.atomic(), connection.cursor() as cursor:
        before = _scans(cursor)
        tails = set()
        for _ in range(APPENDS):
            cursor.execute("SELECT compatriot_audit_tail(%s)", [AUDIT_LOCK_KEY])
            tails.add(cursor.fetchone()[0])
        assert _scans(cursor)[0] == before[0]  # main: one per call
    assert len(tails) == 1
    assert None not in tails


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _definitions() -> dict[str, tuple[str, list[str] | None]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosrc, proconfig FROM pg_proc WHERE proname IN"
            " ('compatriot_audit_entry', 'compatriot_audit_tail', 'compatriot_audit_append')"
        )
        return {name: (source, config) for name, source, config in cursor.fetchall()}


def test_0013_goes_back_to_0012s_functions_and_forward_again(actor) -> None:
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    with_0013 = _definitions()
    assert with_0013["compatriot_audit_entry"][1] == ["enable_seqscan=off"]
    assert with_0013["compatriot_audit_tail"][1] == ["enable_seqscan=off"]
    try:
        _migrate([("core", "0012_token_generation_audit_entry")])
        with_0012 = _definitions()
        assert all(config is None for _, config in with_0012.values())
        entry = with_0012["compatriot_audit_entry"][0]
        assert entry.strip() in MIGRATION.entry_0012.AUDIT
        assert with_0012["compatriot_audit_append"] == with_0013["compatriot_audit_append"]
        _append_entries(actor)  # 0012's function appends as before
        assert audit_verify().is_intact
    finally:
        _migrate(leaves)
    assert _definitions() == with_0013
    _append_entries(actor)
    assert audit_verify().is_intact
