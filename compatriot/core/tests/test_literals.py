"""core.literals: the untyped binding's own literals are the text psycopg writes, checked per
connection; whatever they do not write goes to psycopg; no value escapes its quotes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import psycopg
import pytest
from django.db import connection
from psycopg import adapt
from psycopg.types.json import Jsonb

from compatriot.core import literals, statements
from compatriot.core.literals import CANDIDATES, Literals, text_literal
from compatriot.core.statements import binder, json_text
from compatriot.core.tests.test_binder import ODD, VALUES, _cast_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]

# Text that must stay one literal: quotes, backslashes, the E'' prefix's own shapes, comments,
# statement ends, dollar quotes, placeholders, non-ASCII and control characters.
HOSTILE = [
    "'); DROP TABLE people_person; --",
    "O'Brien\\'; DROP TABLE people_person; --",
    "\\'; SELECT 1; --",
    "E'\\x27'",
    "''",
    "'\\\\'",
    "\\",
    "x' || pg_sleep(1) || '",
    "$$; DROP TABLE core_auditentry; $$",
    "%s %(x)s %% %",
    "Ольга ' \\ العربية 😀 \u2028 \t\n\x01",
    ODD,
]


def _raw_connection() -> Any:
    with connection.cursor() as cursor:
        return cursor.cursor.connection


def _untyped_mogrify(cursor: Any, sql: str, params: list[Any]) -> str:
    """What psycopg's own binding writes with the untyped adapters (the binder before apibind)."""
    raw = cursor.cursor
    adapters, _ = statements._untyped(raw.connection)
    query = raw._query_cls(adapt.Transformer(statements._Untyped(raw.connection, adapters)))
    query.convert(sql, params)
    return bytes(query.query).decode()


def test_every_function_agrees_with_psycopg_on_this_connection() -> None:
    raw = _raw_connection()
    _, checked = statements._untyped(raw)
    assert set(checked.by_type) == set(CANDIDATES)


def test_values_alone_and_together_are_bound_as_psycopg_binds_them() -> None:
    values = [*VALUES, *HOSTILE, Jsonb(["UA", "PL"], dumps=json_text), Jsonb(HOSTILE)]
    with connection.cursor() as cursor:
        bind = binder(cursor, untyped=True)
        for value in values:
            typed = cursor.mogrify("SELECT %s", [value])
            assert bind("SELECT %s", [value]) == typed.removesuffix(_cast_of(value)), value
        for start in range(len(values)):
            params = values[start : start + 4]
            sql = "SELECT " + ", ".join(["%s"] * len(params))
            assert bind(sql, params) == _untyped_mogrify(cursor, sql, params)
        # Statements psycopg's parser must read, and parameters that do not match, go to it.
        assert bind("SELECT '%%', %s", ["a'b"]) == cursor.mogrify("SELECT '%%', %s", ["a'b"])
        with pytest.raises(psycopg.ProgrammingError):
            bind("SELECT %s, %s", ["one"])
        with pytest.raises(psycopg.ProgrammingError):
            bind("SELECT %s", ["one", "two"])


@pytest.mark.parametrize("conforming", ["on", "off"])
def test_hostile_text_comes_back_as_it_was_sent(conforming: str) -> None:
    """Bound and run, every value is read back unchanged, whatever standard_conforming_strings
    says (libpq's E'' form reads the same either way), and nothing else ran."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET standard_conforming_strings = {conforming}")
        try:
            bind = binder(cursor, untyped=True)
            for value in HOSTILE:
                cursor.execute(bind("SELECT %s::text, %s::jsonb ->> 0", [value, Jsonb([value])]))
                assert cursor.fetchone() == (value, value)
            cursor.execute("SELECT to_regclass('people_person'), to_regclass('core_auditentry')")
            assert None not in cursor.fetchone()
        finally:
            cursor.execute("SET standard_conforming_strings = on")


def test_text_with_a_nul_is_refused_as_psycopg_refuses_it() -> None:
    assert text_literal("a\x00b") is None
    with connection.cursor() as cursor:
        bind = binder(cursor, untyped=True)
        with pytest.raises(psycopg.DataError):
            cursor.mogrify("SELECT %s", ["a\x00b"])
        with pytest.raises(psycopg.DataError):
            bind("SELECT %s", ["a\x00b"])
        document = Jsonb("x", dumps=lambda obj: "\x00")  # left to psycopg, whatever it writes
        assert bind("SELECT %s", [document]) == _untyped_mogrify(cursor, "SELECT %s", [document])


def test_a_function_that_disagrees_with_psycopg_is_not_used(monkeypatch) -> None:
    monkeypatch.setitem(CANDIDATES, str, (lambda value: "'" + value + "'", ["plain", "it's"]))
    monkeypatch.setitem(CANDIDATES, uuid.UUID, (lambda value: f"'{value}'", [uuid.UUID(int=1)]))
    raw = _raw_connection()
    adapters, _ = statements._untyped(raw)
    checked = Literals(adapt.Transformer(statements._Untyped(raw, adapters)))
    assert str not in checked.by_type
    assert uuid.UUID not in checked.by_type
    assert int in checked.by_type


def test_no_literal_is_written_here_when_texts_function_disagrees(monkeypatch) -> None:
    """The plain-text shortcut is text's function: without it every value goes to psycopg."""
    monkeypatch.setitem(CANDIDATES, str, (lambda value: "'" + value + "'", ["plain", "it's"]))
    with connection.cursor() as cursor:
        raw = cursor.cursor.connection
        monkeypatch.delitem(statements._UNTYPED, raw, raising=False)
        bind = binder(cursor, untyped=True)
        assert bind.__name__ == "mogrify"  # psycopg's binding, one Transformer
        values = ["plain", "O'Brien", uuid.UUID(int=5), 7]
        assert bind("SELECT %s, %s, %s, %s", values) == _untyped_mogrify(
            cursor, "SELECT %s, %s, %s, %s", values
        )


def test_only_utf8_connections_have_functions() -> None:
    class Latin1:
        encoding = "iso8859-1"

    assert Literals(Latin1()).by_type == {}


def test_a_list_of_text_is_written_as_psycopg_writes_it_each_time() -> None:
    """Lists of plain text are remembered by their items: the same items, the same text."""
    with connection.cursor() as cursor:
        for _ in range(2):
            bind = binder(cursor, untyped=True)
            for value in [["open", "possible_match"], ["open"], ["a b", "c,d", 'e"f'], [], ["x"]]:
                expected = _untyped_mogrify(cursor, "SELECT %s", [list(value)])
                assert bind("SELECT %s", [list(value)]) == expected
            others: list[Any] = [[1, 2], ["a", None], [uuid.UUID(int=1)], [["a"], ["b"]]]
            for other in others:
                assert bind("SELECT %s", [other]) == _untyped_mogrify(cursor, "SELECT %s", [other])


def test_the_candidates_cover_the_writes_values() -> None:
    """The types of the API write's values (people.services): all written without psycopg."""
    assert literals.CANDIDATES.keys() >= {type(None), str, bool, int, float, uuid.UUID, Jsonb}


def test_utc_text_is_str_of_the_datetime() -> None:
    """core.literals.utc_text, each second's text remembered: `str()` of every UTC datetime,
    the first time and again, and after the memory is cleared."""
    start = dt.datetime(2026, 12, 7, 23, 59, 58, tzinfo=dt.UTC)
    values = [start + dt.timedelta(microseconds=n * 333_337) for n in range(12)]
    values += [dt.datetime(1, 1, 1, tzinfo=dt.UTC), dt.datetime.max.replace(tzinfo=dt.UTC)]
    values += [dt.datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)]
    for _ in range(2):
        for value in values:
            assert literals.utc_text(value) == str(value), value
            assert literals._datetime(value) == "'" + str(value) + "'::timestamptz"
    for number in range(literals._SECONDS_KEPT + 5):
        value = start + dt.timedelta(seconds=number, microseconds=number)
        assert literals.utc_text(value) == str(value)
    assert len(literals._SECONDS) <= literals._SECONDS_KEPT
