"""core.statements.binder: psycopg's binding of several statements with one Transformer gives each
statement's text exactly as `cursor.mogrify` does, whatever the values and their order."""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import uuid
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import connection
from psycopg.types.json import Jsonb
from psycopg.types.numeric import Int4, Int8

from compatriot.core import statements
from compatriot.core.statements import binder

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]


class Colour(str, enum.Enum):  # noqa: UP042  a str mixin, as Django's choices
    RED = "red"


ODD = "100% '%s' %% %(x)s \\ \" ; -- $$ Ольга العربية \u2028 \t\n\x01 😀"
VALUES: list[Any] = [
    "",
    "plain",
    ODD,
    "'",
    "\\",
    Colour.RED,
    None,
    True,
    False,
    0,
    -5,
    2**40,
    -(2**70),
    Int4(7),
    Int8(-9),
    1.5,
    -0.0,
    math.inf,
    math.nan,
    Decimal("12.3400"),
    Decimal("NaN"),
    uuid.UUID("50d2e7c8-08c1-43aa-a07e-dde491a94a34"),
    uuid.uuid4(),
    dt.datetime(2026, 12, 7, 3, 4, 5, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 7, 3, 4, 5, tzinfo=ZoneInfo("Europe/Kyiv")),
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 7, 3, 4, 5),  # noqa: DTZ001  a naive one on purpose
    dt.date(2022, 2, 24),
    dt.time(12, 30),
    dt.timedelta(days=-1, seconds=5),
    b"bytes \x00 '",
    Jsonb({}),
    Jsonb({"a": [1, "x", None], "b": ODD}),
    Jsonb([]),
    Jsonb("text"),
    ["open", "possible_match"],
    [1, 2, 3],
    [2**40],
    [],
    [None, "a"],
    [uuid.UUID(int=1)],
    [[1, 2], [3, 4]],
    [dt.date(2020, 1, 1)],
]


def _typed_by_sql(value: Any) -> Any:
    """The plain text that `binder(untyped=True)` sends for a uuid or jsonb value."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, Jsonb):
        return (value.dumps or json.dumps)(value.obj)
    return value


def _cast_of(value: Any) -> str:
    """The cast psycopg writes after a value's literal that `binder(untyped=True)` leaves out."""
    for kind, name in ((uuid.UUID, "uuid"), (Jsonb, "jsonb")):
        if isinstance(value, kind):
            return f"::{name}"
        if isinstance(value, list) and value and all(isinstance(v, kind) for v in value):
            return f"::{name}[]"
    return ""


def test_untyped_binding_leaves_out_only_the_uuid_and_jsonb_casts() -> None:
    values = [*VALUES, [Jsonb({"a": 1})], Jsonb({"b": ODD})]
    with connection.cursor() as cursor:
        bind = binder(cursor, untyped=True)
        for value in values:
            typed = cursor.mogrify("SELECT %s", [value])
            cast = _cast_of(value)
            assert typed.endswith(cast), (value, typed)
            assert bind("SELECT %s", [value]) == typed.removesuffix(cast)
        cursor.execute(bind("SELECT %s = %s::uuid", [uuid.UUID(int=9), uuid.UUID(int=9)]))
        assert cursor.fetchone() == (True,)
        document = Jsonb({"k": ODD})
        cursor.execute(
            bind("SELECT jsonb_typeof(%s), %s::jsonb = %s", [document, document, document])
        )
        assert cursor.fetchone() == ("object", True)
    with connection.cursor() as cursor:  # the typed binding is unchanged on the same connection
        assert binder(cursor)("SELECT %s", [uuid.UUID(int=3)]) == cursor.mogrify(
            "SELECT %s", [uuid.UUID(int=3)]
        )


def _statements(values: list[Any]) -> list[tuple[str, list[Any]]]:
    """Statements of one to three values each, some of them with a literal %."""
    out = []
    for start in range(0, len(values), 3):
        chunk = values[start : start + 3]
        placeholders = ", ".join(["%s"] * len(chunk))
        out.append((f"SELECT '%%', {placeholders}", chunk))
    return out


@pytest.mark.parametrize("order", ["given", "reversed", "interleaved"])
def test_each_statement_is_bound_as_mogrify_binds_it(order: str) -> None:
    values = list(VALUES)
    if order == "reversed":
        values.reverse()
    elif order == "interleaved":  # the same types again with other values, in another order
        values = values[::2] + values[1::2] + values
    sent = _statements(values)
    with connection.cursor() as cursor:
        bind = binder(cursor)
        assert [bind(sql, params) for sql, params in sent] == [
            cursor.mogrify(sql, params) for sql, params in sent
        ]


def test_each_value_alone_and_after_every_other_is_bound_as_mogrify_binds_it() -> None:
    with connection.cursor() as cursor:
        bind = binder(cursor)
        for first in VALUES:
            for second in VALUES:
                sql, params = "SELECT %s, %s", [first, second]
                assert bind(sql, params) == cursor.mogrify(sql, params), (first, second)


def test_the_bound_text_runs_and_returns_the_values() -> None:
    values = [ODD, uuid.UUID(int=5), dt.datetime(2026, 1, 1, tzinfo=dt.UTC), Jsonb({"k": "'"})]
    with connection.cursor() as cursor:
        cursor.execute(binder(cursor)("SELECT %s, %s, %s, %s", values))
        *row, document = cursor.fetchone()
        assert row == [ODD, uuid.UUID(int=5), values[2]]
        assert json.loads(document) == {"k": "'"}  # Django reads jsonb as its text


def test_a_value_psycopg_refuses_is_refused_as_by_mogrify() -> None:
    with connection.cursor() as cursor:
        bind = binder(cursor)
        for bad in ["nul \x00 inside", object()]:
            with pytest.raises(psycopg.Error) as by_mogrify:
                cursor.mogrify("SELECT %s", [bad])
            with pytest.raises(type(by_mogrify.value)):
                bind("SELECT %s", [bad])
        assert bind("SELECT %s", ["fine"]) == cursor.mogrify("SELECT %s", ["fine"])


def test_other_cursors_keep_their_mogrify() -> None:
    class Wrapper:
        cursor = object()  # not psycopg's client-side cursor

        def mogrify(self, sql: str, params: Any) -> str:
            return f"mogrified {sql}"

    assert binder(Wrapper())("SELECT %s", [1]) == "mogrified SELECT %s"


def test_a_registration_sends_the_text_mogrify_gives(client_a, person_payload, monkeypatch) -> None:
    """The write's every statement (the token's confirmation, the rows, the audit append and the
    reads after the commit) is bound as mogrify would bind it, its uuid and jsonb values as plain
    text (`untyped`: the statements type them)."""
    compared: list[str] = []
    odd = "100% '%s' %% %(x)s \\ \" ; -- $$ Ольга العربية 😀"  # what the API accepts

    def checked(cursor: Any, **options: Any) -> Any:
        bind = binder(cursor, **options)

        def both(sql: str, params: Any) -> str:
            text = bind(sql, params)
            assert text == cursor.mogrify(sql, [_typed_by_sql(value) for value in params])
            compared.append(text)
            return text

        return both

    monkeypatch.setattr(statements, "binder", checked)
    details = {
        "vulnerabilities": [{"code": "serious_medical_condition", "note": odd}],
        "needs": [{"category": "shelter", "urgency": "high"}, {"category": "food"}],
        "consents": [{"scope": "registration", "method": "verbal"}],
    }
    for number in range(2):
        payload = person_payload(source_record_id=f"bind-{number}", place_name=odd, **details)
        response = client_a.post("/persons", payload)
        assert response.status_code == 201, response.json()
    assert len(compared) >= 12  # per write: 5 rows and the audit append, at least
