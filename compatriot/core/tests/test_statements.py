"""The write path's own quoting (core.statements): the literals it writes for the common types
are the values and types psycopg binds, and anything else, or a connection whose quoting rules
differ, is left to psycopg."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from typing import Any

import pytest
from django.db import connection
from psycopg.types.json import Jsonb
from psycopg.types.numeric import Int4

from compatriot.core.models import Crisis
from compatriot.core.statements import _bound, _literal, insert_statement, statements_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]

ODD = [
    "a'b\\c",
    "\\'",
    "''",
    "'; DROP TABLE core_crisis; --",
    "100% '%s' %% %(x)s \\ \" ; -- Ольга",
    "$$x$$",
    "\n\t\r",
    "Ölçü ه्",
]
VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    7,
    -7,
    2**70,
    Int4(-3),
    1.5,
    -2.25,
    1e300,
    *ODD,
    uuid.uuid4(),
    dt.datetime.now(dt.UTC),
    dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    dt.date(2020, 1, 2),
    Jsonb(["UA", "é", *ODD], dumps=json.dumps),
    Jsonb({"k": [1, None, "x'"]}, dumps=json.dumps),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_literal_is_the_value_and_type_psycopg_binds(value: Any) -> None:
    ours = _literal(value)
    assert ours is not None
    with connection.cursor() as cursor:
        theirs = cursor.mogrify("%s", [value])
        cursor.execute(
            f"SELECT {ours} IS NOT DISTINCT FROM {theirs},"  # noqa: S608  the literals under test
            f" pg_typeof({ours}) = pg_typeof({theirs})"
        )
        assert cursor.fetchone() == (True, True)


@pytest.mark.parametrize(
    "value",
    [
        decimal.Decimal("1.5"),
        float("nan"),
        "nul\x00",
        dt.datetime(2020, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ],
    ids=repr,
)
def test_other_values_and_statements_are_bound_by_psycopg(value: Any) -> None:
    with connection.cursor() as cursor:
        if value == "nul\x00":
            assert _literal(value) is None
            return
        assert _bound(cursor, True, "SELECT %s", [value]) == cursor.mogrify("SELECT %s", [value])
        named = "SELECT %(v)s"
        assert _bound(cursor, True, named, {"v": 1}) == cursor.mogrify(named, {"v": 1})  # type: ignore[arg-type]


def test_without_standard_conforming_strings_backslashes_still_arrive_whole() -> None:
    """With the setting off a backslash escapes in '...': the write goes through psycopg's
    quoting (E'...'), which the server reports and psycopg tracks."""
    name = "back\\slash 'quote' \\n"
    with connection.cursor() as cursor:
        cursor.execute("SET standard_conforming_strings = off")
    try:
        crisis = Crisis(name=name, kind="disaster", started_on=dt.date(2026, 1, 1))
        with statements_together([insert_statement(crisis)]):  # type: ignore[list-item]
            pass
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET standard_conforming_strings = on")
    assert Crisis.objects.get(id=crisis.id).name == name
