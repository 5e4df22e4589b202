"""SQL literals of a write's common values, the text psycopg's client-side binding writes for them,
without its dumpers (core.statements.binder).

psycopg writes each parameter through its Transformer: a dumper looked up (and, for every new
Transformer, built) per type, the value dumped to bytes, quoted by libpq (`PQescapeLiteral`), a
cast looked up, and the statement's text formatted as bytes and decoded back. On the API's write
(~56 values in 5 statements) that was ~540,000 instructions per request, a fifth of the worker's
(docs/benchmarks.md, branch apibind). Here each common type has a function that writes the same
text from the value itself; anything else, and any value a function declines (None: text with a
NUL, which psycopg refuses with its own error), goes to psycopg.

No function is trusted blindly: `Literals` asks the connection's own Transformer for the literal
of sample values of each type once per connection and keeps only the functions that wrote the
same text for all of them; the others' types go to psycopg. Only for connections whose client
encoding is UTF-8: libpq's quoting is then plain (a multi-byte character never holds a quote or
a backslash byte).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb
from psycopg.types.numeric import Int2, Int4, Int8

Literal = Callable[[Any], "str | None"]

_BIG = 2**63  # beyond bigint psycopg writes a numeric: left to it


def text_literal(value: str) -> str | None:
    """libpq's `PQescapeLiteral` of UTF-8 text: quotes doubled; with a backslash, backslashes
    doubled and the literal written as E'...' after a space. None for text with a NUL."""
    if "\x00" in value:
        return None
    if "'" in value:
        value = value.replace("'", "''")
    if "\\" in value:
        return " E'" + value.replace("\\", "\\\\") + "'"
    return "'" + value + "'"


def _null(value: None) -> str:
    return "NULL"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _integer(value: int) -> str | None:
    """psycopg's text of an integer: its digits, a space before a minus sign."""
    if value >= 0:
        return str(value) if value < _BIG else None
    return " " + str(value) if value >= -_BIG else None


def _float(value: float) -> str | None:
    """psycopg's text of a float: its repr, a space before a minus sign; infinities and NaN
    (quoted, with a cast) are left to psycopg."""
    if value - value != 0.0:  # inf or nan: inf - inf and nan - nan are nan
        return None
    text = repr(value)
    return " " + text if text[0] == "-" else text  # -0.0 too


def _uuid(value: UUID) -> str:
    """An untyped uuid: its 32 hex digits, quoted (psycopg's UUID dumper writes no dashes)."""
    return "'%032x'" % value.int  # noqa: UP031  the fastest of the forms measured


def _date(value: dt.date) -> str:
    return "'" + str(value) + "'::date"


def _datetime(value: dt.datetime) -> str:
    """psycopg's text of a datetime: `str()`, a timestamptz if it has a tzinfo, else a timestamp.
    A UTC one (`timezone.now()`'s, every datetime of the API's write) by `utc_text`."""
    if value.tzinfo is dt.UTC:
        return "'" + utc_text(value) + "'::timestamptz"
    return "'" + str(value) + ("'::timestamptz" if value.tzinfo else "'::timestamp")


_SECONDS: dict[tuple[int, int, int, int], str] = {}
_SECONDS_KEPT = 1024


def utc_text(value: dt.datetime) -> str:
    """`str(value)` of a datetime whose tzinfo is UTC: its second's text (remembered: a write's
    times fall in the same second) and its microseconds, ~5,000 instructions against ~12,600
    for `str()`'s C formatting (docs/benchmarks.md, branch apiworker)."""
    key = (value.toordinal(), value.hour, value.minute, value.second)
    second = _SECONDS.get(key)
    if second is None:
        if len(_SECONDS) >= _SECONDS_KEPT:
            _SECONDS.clear()
        second = _SECONDS[key] = str(value.replace(microsecond=0, tzinfo=None))
    microsecond = value.microsecond
    return second + (".%06d+00:00" % microsecond if microsecond else "+00:00")  # noqa: UP031


def _jsonb(value: Jsonb) -> str | None:
    """An untyped Jsonb with a `dumps` of its own that writes text: that text, quoted."""
    dumps = value.dumps
    if not dumps:  # the dumper's own function (psycopg: `obj.dumps or self.dumps`)
        return None
    text = dumps(value.obj)
    return text_literal(text) if type(text) is str else None


_UUID = UUID("50d2e7c8-08c1-43aa-a07e-dde491a94a34")
_TEXTS = ["", "plain", "O'Brien", "it''s", "back\\slash", "'\\'", "Ольга ' \\ العربية 😀", "%s %%"]
_WHEN = dt.datetime(2026, 12, 7, 3, 4, 5, 123456, tzinfo=dt.UTC)
_OFFSET = dt.timezone(dt.timedelta(hours=5, minutes=30))

# Each type's function and the values it is checked with against psycopg on each connection.
CANDIDATES: dict[type, tuple[Literal, list[Any]]] = {
    type(None): (_null, [None]),
    str: (text_literal, _TEXTS),
    bool: (_bool, [True, False]),
    int: (_integer, [0, 7, -5, 2**40, -(2**40), _BIG - 1, -_BIG]),
    Int2: (_integer, [Int2(0), Int2(-3), Int2(300)]),
    Int4: (_integer, [Int4(1), Int4(-70000), Int4(2**31 - 1)]),
    Int8: (_integer, [Int8(1), Int8(-9), Int8(2**62)]),
    float: (_float, [0.0, -0.0, 1.5, -1.5, 46.49213, 1e300, -1e-300, 1e16, 2.0**-1074]),
    UUID: (_uuid, [_UUID, UUID(int=0), UUID(int=2**128 - 1)]),
    dt.date: (_date, [dt.date(2022, 2, 24), dt.date(1, 1, 1), dt.date(9999, 12, 31)]),
    dt.datetime: (
        _datetime,
        [
            _WHEN,
            _WHEN.replace(microsecond=0),
            _WHEN.replace(tzinfo=_OFFSET),
            _WHEN.replace(tzinfo=None),
            dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        ],
    ),
    Jsonb: (
        _jsonb,
        [
            Jsonb(["UA", "PL"], dumps=lambda obj: '["UA", "PL"]'),
            Jsonb({"a": "it's \\ \u00e9"}, dumps=lambda obj: '{"a": "it\'s \\\\ \\u00e9"}'),
        ],
    ),
}


class Literals:
    """The functions that write, for a connection, the literals its Transformer writes: by exact
    type (a subclass, a str enum for one, goes to psycopg). `lists` remembers the literal psycopg
    wrote for a list of plain strings (tracing's statuses on every write): the same list, the
    same text."""

    def __init__(self, transformer: Any) -> None:
        self.by_type: dict[type, Literal] = {}
        self.lists: dict[tuple[str, ...], str] = {}
        if transformer.encoding != "utf-8":
            return
        for kind, (function, samples) in CANDIDATES.items():
            if all(_agrees(function, transformer, sample) for sample in samples):
                self.by_type[kind] = function


def _agrees(function: Literal, transformer: Any, value: Any) -> bool:
    """Whether `function` writes the literal psycopg writes for `value`."""
    written = function(value)
    if value is None:
        return written == "NULL"  # psycopg's own text for None, without a dumper
    try:
        expected = bytes(transformer.as_literal(value)).decode(transformer.encoding)
    except Exception:  # psycopg refuses it: so must we
        return False
    return written == expected
