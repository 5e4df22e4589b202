"""On PostgreSQL the API's write sends its INSERTs as calls of the functions of people migration
0010 (core.statements.as_call): the same columns in the same order, the same stored row and the
same errors as the INSERT itself."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Model

from compatriot.core.models import Crisis, Organisation
from compatriot.core.statements import Statement, as_call, new_row
from compatriot.people.models import Consent, Need, Person, Vulnerability
from compatriot.people.services import (
    _INSERT_FUNCTIONS,
    _is_source_record_clash,
    _no_such_crisis,
)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"),
        reason="the functions are PostgreSQL's; SQLite sends the INSERTs",
    ),
    pytest.mark.django_db,
]


CONSENT = {
    "scope": "registration",
    "method": "verbal",
    "given_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
}


def _person_values(crisis: Crisis, organisation: Organisation, **values: Any) -> dict[str, Any]:
    return {
        "crisis_id": crisis.id,
        "registered_by_id": organisation.id,
        "source": "hotline",
        "source_record_id": "fn-1",
        "given_name": "Олена",
        "family_name": "O'Brien %s",
        "birth_date": dt.date(1990, 5, 1),
        "birth_date_precision": "day",
        "nationalities": ["UA"],
        "phones": ["+380501234567"],
        "latitude": 50.450001,
        "longitude": 30.523333,
        "journey_stage": "in_transit",
        "category": "worker",
        **values,
    }


def _statement(model: type[Model], values: dict[str, Any]) -> Statement:
    built = new_row(model, values)
    assert built is not None
    return built[1]


def _row(model: type[Model], key: uuid.UUID) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT to_jsonb(t) FROM {model._meta.db_table} t WHERE id = %s", [key])  # noqa: S608
        return json.loads(cursor.fetchone()[0])  # Django reads jsonb as its text


def _run(statement: Statement) -> None:
    with connection.cursor() as cursor:
        cursor.execute(*statement)


def _refusal(statement: Statement) -> tuple[Any, ...]:
    with pytest.raises(DatabaseError) as raised, transaction.atomic():
        _run(statement)
    if isinstance(raised.value, IntegrityError):  # read as the write's error handling reads it
        assert _is_source_record_clash(raised.value) == ("duplicate key" in str(raised.value))
        assert not _no_such_crisis(raised.value)
    error = raised.value.__cause__
    assert isinstance(error, psycopg.Error)
    diag = error.diag
    return (
        type(error),
        diag.sqlstate,
        diag.message_primary,
        diag.message_detail,
        diag.constraint_name,
        diag.table_name,
        diag.column_name,
    )


def test_each_function_takes_its_models_columns_in_the_order_python_sends_them() -> None:
    for model, function in _INSERT_FUNCTIONS.items():
        insert = _statement(model, {"person_id": uuid.uuid4()} if model is not Person else {})
        columns = insert[0].split("(", 1)[1].split(")", 1)[0].replace('"', "").split(", ")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT proargnames, ARRAY(SELECT format_type(t, NULL) FROM unnest(proargtypes) t)"
                " FROM pg_proc WHERE proname = %s",
                [function],
            )
            ((names, types),) = cursor.fetchall()
            cursor.execute(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [model._meta.db_table],
            )
            column_types = dict(cursor.fetchall())
        assert names == [f"p_{column}" for column in columns], model
        assert types == [column_types[column] for column in columns], model


def test_a_call_stores_the_row_the_insert_stores(crisis, org_a) -> None:
    person_id = uuid.uuid4()
    statements: list[tuple[type[Model], uuid.UUID, Statement]] = [
        (Person, person_id, _statement(Person, _person_values(crisis, org_a, id=person_id)))
    ]
    details: list[tuple[type[Model], dict[str, Any]]] = [
        (Vulnerability, {"code": "pregnant", "note": "due in May"}),
        (Need, {"category": "shelter", "urgency": "high", "details": "two nights"}),
        (Consent, {**CONSENT, "partner_kinds": ["ngo"]}),
    ]
    for model, values in details:
        key = uuid.uuid4()
        statements.append(
            (model, key, _statement(model, {"id": key, "person_id": person_id, **values}))
        )
    rows: dict[str, list[Any]] = {"insert": [], "call": []}
    for how, send in (("insert", lambda _, statement: statement), ("call", as_call)):
        with transaction.atomic():  # the same statements each time, rolled back
            for model, _, statement in statements:
                _run(send(_INSERT_FUNCTIONS[model], statement))
            rows[how] = [_row(model, key) for model, key, _ in statements]
            transaction.set_rollback(True)
    assert rows["call"] == rows["insert"]
    assert len(rows["call"]) == 4
    assert rows["call"][0]["source_record_id"] == "fn-1"


def _refusals(statement: Statement, function: str) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    return _refusal(statement), _refusal(as_call(function, statement))


@pytest.mark.parametrize(
    "values",
    [
        {"birth_date_precision": "week"},  # a check constraint
        {"latitude": 91.0},
        {"given_name": "x" * 1000},  # longer than its column
        {"registered_by_user_id": 2_000_000_000},  # a deferred key, checked at once here
        {"source": None},  # not null
    ],
)
def test_a_call_refuses_a_person_as_the_insert_does(crisis, org_a, values) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    statement = _statement(Person, _person_values(crisis, org_a, **values))
    by_insert, by_call = _refusals(statement, "compatriot_insert_person")
    assert by_call == by_insert
    assert by_insert[1] is not None


def test_a_duplicate_source_record_is_refused_as_by_the_insert(crisis, org_a) -> None:
    _run(_statement(Person, _person_values(crisis, org_a)))
    statement = _statement(Person, _person_values(crisis, org_a))
    by_insert, by_call = _refusals(statement, "compatriot_insert_person")
    assert by_call == by_insert
    assert by_insert[1] == "23505"
    assert "source_record" in by_insert[4]


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Need, {"category": "food", "urgency": "low"}),
        (Vulnerability, {"code": "pregnant"}),
        (Consent, CONSENT),
    ],
)
def test_a_detail_of_no_person_is_refused_as_by_the_insert(
    model: type[Model], values: dict[str, Any]
) -> None:
    statement = _statement(model, {"person_id": uuid.uuid4(), **values})
    by_insert, by_call = _refusals(statement, _INSERT_FUNCTIONS[model])
    assert by_call == by_insert
    assert by_insert[1] == "23503"
