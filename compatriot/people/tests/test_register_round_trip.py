"""A registration without household, outside any transaction (as in production, not inside a test
transaction): on PostgreSQL the person, its details and its audit entry go as one simple query,
which PostgreSQL runs as one transaction. Everything or nothing is stored, the refusals are those
of the ORM path, and on SQLite the ORM path answers the same."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from compatriot.core import audit
from compatriot.core.audit import audit_verify
from compatriot.core.models import AuditEntry, Crisis
from compatriot.core.statements import (
    _call_sql,
    _check_call,
    after_commit_rows,
    insert_statement,
    scalar_calls,
    statements_together,
)
from compatriot.people.models import Consent, Need, Person, Vulnerability

pytestmark = pytest.mark.django_db(transaction=True)

DETAILS = {
    "vulnerabilities": [{"code": "serious_medical_condition", "note": "insulin"}],
    "needs": [{"category": "shelter", "urgency": "high"}, {"category": "food"}],
    "consents": [{"scope": "registration", "method": "verbal"}],
}


def test_a_registration_stores_everything_with_its_audit_entry(client_a, person_payload) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client_a.post("/persons", person_payload(source_record_id="rt-1", **DETAILS))
    assert response.status_code == 201, response.json()
    body = response.json()
    person = Person.objects.get(id=body["id"])
    assert person.source_record_id == "rt-1"
    assert Vulnerability.objects.filter(person=person).count() == 1
    assert Need.objects.filter(person=person).count() == 2
    assert Consent.objects.filter(person=person).count() == 1
    assert [need["category"] for need in body["needs"]] == ["shelter", "food"]
    assert {str(n.id) for n in Need.objects.filter(person=person)} == {
        need["id"] for need in body["needs"]
    }
    entry = AuditEntry.objects.get(object_type="person", object_id=str(person.id))
    assert entry.action == "create"
    assert audit_verify().is_intact
    if connection.vendor == "postgresql":  # one round trip for every row of the write
        writes = [q["sql"] for q in queries.captured_queries if "compatriot_insert" in q["sql"]]
        assert len(writes) == 1
        # Each INSERT as a call of its function, whose plan the backend keeps (people 0010).
        assert "INSERT" not in writes[0]
        # The calls as one SELECT, in the rows' order, the audit entry last (branch apipg5).
        selects = [part for part in writes[0].split(";\n") if "compatriot_insert" in part]
        assert len(selects) == 1
        assert re.findall(r"^(?:SELECT )?(compatriot_\w+)\(", selects[0], re.MULTILINE) == [
            "compatriot_insert_person",
            "compatriot_insert_vulnerability",
            "compatriot_insert_need",
            "compatriot_insert_need",
            "compatriot_insert_consent",
            "compatriot_audit_entry",  # core migration 0012
        ]
        # The functions' signatures type the values: no casts but psycopg's date and timestamptz
        # (C dumpers) and the literal empty details (docs/benchmarks.md, branch apifn).
        assert "::uuid" not in writes[0]
        assert writes[0].count("::jsonb") == 1
        assert "'{}'::jsonb" in writes[0]
        assert "::varchar" not in writes[0]
        assert "::integer" not in writes[0]


def test_a_duplicate_source_record_id_writes_nothing(client_a, person_payload, row_counts) -> None:
    first = client_a.post("/persons", person_payload(source_record_id="rt-dup"))
    assert first.status_code == 201
    before = row_counts()
    again = client_a.post("/persons", person_payload(source_record_id="rt-dup", **DETAILS))
    assert again.status_code == 409, again.json()
    assert again.json()["field"] == "source_record_id"
    assert row_counts() == before  # no details, no audit entry: the whole write rolled back
    assert audit_verify().is_intact
    after = client_a.post("/persons", person_payload(source_record_id="rt-next"))
    assert after.status_code == 201  # the connection is usable after the refusal


@pytest.fixture
def test_calls() -> Iterator[None]:
    """upper, lower, abs and nextval, and a function that fails when it runs (plpgsql: never
    folded while the statement is planned, as `1 / 0` is), callable as `calls=True`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE SEQUENCE calls_together_seq;"
            " CREATE FUNCTION calls_together_fail(integer) RETURNS integer LANGUAGE plpgsql"
            " AS $$ BEGIN RAISE division_by_zero; END $$"
        )
    scalar_calls("upper", "lower", "abs", "nextval", "calls_together_fail")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP SEQUENCE calls_together_seq; DROP FUNCTION calls_together_fail")


def _sequence() -> tuple[int, bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM calls_together_seq")
        return cursor.fetchone()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_calls_together_are_one_select_evaluated_in_order(test_calls: None) -> None:
    calls: list[tuple[str, list[Any]]] = [
        ("SELECT upper(%s)", ["a"]),
        ("SELECT lower(%s)", ["B"]),
        ("SELECT abs(%s)", [-3]),
    ]
    read: tuple[str, list[Any]] = ("SELECT 1 WHERE %s", [True])
    with statements_together(calls, after_commit=[read], calls=True) as cursor:
        assert cursor.fetchone() == ("A", "b", 3)
        assert after_commit_rows(cursor, 1) == [(1,)]
    with transaction.atomic(), statements_together(calls, calls=True) as cursor:
        assert cursor.fetchone() == ("A", "b", 3)
    # The first failing call stops the rest, and the calls before it have run (the sequence is
    # never rolled back): the select list is evaluated left to right, as PostgreSQL's executor
    # does (the manual leaves that order undefined: this pins it).
    nextval = ("SELECT nextval(%s)", ["calls_together_seq"])
    fail = ("SELECT calls_together_fail(%s)", [0])
    with (
        pytest.raises(DataError),
        statements_together([nextval, fail, nextval], after_commit=[read], calls=True),
    ):
        pass
    assert _sequence() == (1, True)  # the first call ran, the third did not
    with pytest.raises(DataError), statements_together([fail, nextval], calls=True):
        pass
    assert _sequence() == (1, True)  # the call after the failing one did not run


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize(
    "statement",
    [
        ("VALUES (1)", []),
        # The reviewer's shapes: each would change which calls run, how often or in what order.
        ("SELECT * FROM generate_series(1, %s)", [3]),  # the earlier calls run 3 times
        ("SELECT 1 WHERE %s = 0", [3]),  # no row: no call runs, no error
        (audit._APPEND, [None] * 9),  # a FROM function runs before the select list
        ("SELECT generate_series(1, %s)", [3]),  # a set in the select list: repeats the rest
        ("SELECT nextval(%s) FROM calls_together_seq", ["calls_together_seq"]),
        ("SELECT upper(%s), lower(%s)", ["a", "b"]),
        ("SELECT abs((%s))", [1]),
        ("SELECT not_registered(%s)", [1]),
        ("SELECT upper(%s); SELECT 1", ["a"]),
    ],
)
def test_calls_together_refuse_anything_but_one_scalar_call(
    test_calls: None, statement: tuple[str, list[Any]]
) -> None:
    nextval = ("SELECT nextval(%s)", ["calls_together_seq"])
    with (
        pytest.raises(ValueError, match=re.escape(repr(statement[0]))),
        statements_together([nextval, statement], calls=True),
    ):
        pass
    assert _sequence() == (1, False)  # nothing was sent


def test_the_writes_calls_are_accepted() -> None:
    """The statements of the one-round-trip write pass `calls`' check (the API tests send them)."""
    from compatriot.core.claims import _CONFIRM_SQL
    from compatriot.people.services import _INSERT_FUNCTIONS

    inserts = [_call_sql(name, 3) for name in _INSERT_FUNCTIONS.values()]
    for sql in [_CONFIRM_SQL, *inserts, audit._APPEND_WITHOUT_DETAILS]:
        _check_call(sql)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_statements_together_is_all_or_nothing() -> None:
    crisis = Crisis(name="Together", kind="disaster", started_on=dt.date(2026, 1, 1))
    clash = Crisis(id=crisis.id, name="Same key", kind="disaster", started_on=dt.date(2026, 1, 1))
    statements = [insert_statement(crisis), insert_statement(clash)]
    with pytest.raises(IntegrityError), statements_together(statements):  # type: ignore[arg-type]
        pass
    assert not Crisis.objects.filter(id=crisis.id).exists()  # the first INSERT rolled back too


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_statements_together_inside_a_transaction_belongs_to_it() -> None:
    crisis = Crisis(name="Inside", kind="disaster", started_on=dt.date(2026, 1, 1))
    with transaction.atomic():
        with statements_together([insert_statement(crisis)]):  # type: ignore[list-item]
            pass
        transaction.set_rollback(True)
    assert not Crisis.objects.filter(id=crisis.id).exists()
    other = Crisis(id=uuid.uuid4(), name="Kept", kind="disaster", started_on=dt.date(2026, 1, 1))
    with transaction.atomic(), statements_together([insert_statement(other)]):  # type: ignore[list-item]
        pass
    assert Crisis.objects.filter(id=other.id).exists()


def test_percent_signs_and_quotes_are_stored_as_sent(client_a, person_payload) -> None:
    """The write's text goes without parameters (core.statements.statements_together): no % in a
    value may be read as a placeholder, and quotes and backslashes must arrive whole."""
    odd = "100% '%s' %% %(x)s \\ \" ; -- Ольга"
    details = {**DETAILS, "needs": [{"category": "food", "details": odd}]}
    response = client_a.post(
        "/persons",
        person_payload(source_record_id="rt-odd", place_name=odd, admin_area="%", **details),
    )
    assert response.status_code == 201, response.json()
    person = Person.objects.get(id=response.json()["id"])
    assert (person.place_name, person.admin_area) == (odd, "%")
    assert Need.objects.get(person=person).details == odd
    assert audit_verify().is_intact


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_write_with_details_reuses_psycopgs_parse_of_its_statements(
    client_a, person_payload, monkeypatch
) -> None:
    """psycopg caches the parse of a query's placeholders only up to 50 parameters; a person
    (32) with its audit entry (10) and a need or a consent is over, so the write is bound one
    statement at a time: after the first registration of a shape, nothing is parsed anew."""
    from psycopg import _queries

    parsed: list[bytes] = []
    uncached = _queries._query2pg_client_nocache

    def counted(query, *args):
        parsed.append(query)
        return uncached(query, *args)

    monkeypatch.setattr(_queries, "_query2pg_client_nocache", counted)
    for number in range(3):
        parsed.clear()
        payload = person_payload(source_record_id=f"rt-p{number}", **DETAILS)
        response = client_a.post("/persons", payload)
        assert response.status_code == 201, response.json()
    assert parsed == []


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_reads_after_the_commit_see_it_and_a_failed_write_leaves_the_connection_usable() -> None:
    crisis = Crisis(name="Then read", kind="disaster", started_on=dt.date(2026, 1, 1))
    read = ("SELECT name FROM core_crisis WHERE id = %s", [crisis.id])
    with statements_together([insert_statement(crisis)], after_commit=[read, read]) as cursor:  # type: ignore[list-item]
        assert after_commit_rows(cursor, 2) == [("Then read",), ("Then read",)]
    clash = Crisis(id=crisis.id, name="Same key", kind="disaster", started_on=dt.date(2026, 1, 1))
    other = Crisis(name="Not kept", kind="disaster", started_on=dt.date(2026, 1, 1))
    failing = [insert_statement(other), insert_statement(clash)]
    with pytest.raises(IntegrityError), statements_together(failing, after_commit=[read]):  # type: ignore[arg-type]
        pass
    assert not Crisis.objects.filter(id=other.id).exists()  # rolled back, connection usable
    assert Crisis.objects.get(id=crisis.id).name == "Then read"
    with transaction.atomic(), pytest.raises(transaction.TransactionManagementError):  # noqa: SIM117
        with statements_together([insert_statement(other)], after_commit=[read]):  # type: ignore[list-item]
            pass
