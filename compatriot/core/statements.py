"""Fixed-shape statements of the API's write path, built once.

The ORM builds and compiles the same INSERT on every `save()`; on the write path that cost more
CPU than the database spent running it (docs/benchmarks.md, *API write load*). `insert_row`
keeps what save() does for a plain model (pre_save() of each field, so auto_now and defaults
apply; the same conversion of every value; rollback marking on error; the instance's state) and
falls back to save() for anything else.
`fixed_statement` runs such SQL through Django's cursor (errors, query logging and
`execute_wrapper` hooks as for any query). Sending the values apart from the SQL and preparing
the statements (psycopg `prepare=True`) was measured too and saved nothing visible on either side.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Field, Model

# Only to fall back to save() if a receiver is ever connected: none is, and none should be.
from django.db.models.signals import post_save, pre_save  # noqa: TID251
from psycopg.types.json import Jsonb
from psycopg.types.numeric import Int2, Int4, Int8

_STATEMENTS: dict[tuple[type[Model], str], tuple[str, list[Field]]] = {}


def _statement(model: type[Model], alias: str) -> tuple[str, list[Field]] | None:
    connection = connections[alias]
    key = (model, connection.vendor)
    if key not in _STATEMENTS:
        meta = model._meta
        fields = [field for field in meta.local_concrete_fields if not field.generated]
        if (
            meta.parents
            or meta.db_returning_fields
            or meta.order_with_respect_to
            or any(hasattr(field, "get_placeholder") for field in fields)
        ):
            return None
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(field.column)) for field in fields)
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608  names from metadata
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        _STATEMENTS[key] = (sql, fields)
    return _STATEMENTS[key]


def insert_statement(instance: Model) -> tuple[str, list[Any]] | None:
    """The INSERT that `instance.save(force_insert=True)` would run, as SQL and parameters, or
    None when only save() will do (parents, database-returned fields, signal receivers, no
    primary key yet, an expression as a value). Prepares the instance as save() does."""
    model = type(instance)
    alias = router.db_for_write(model, instance=instance)
    statement = _statement(model, alias)
    if (
        statement is None
        or not instance._is_pk_set()  # type: ignore[attr-defined]  # Django's own test
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        return None
    sql, fields = statement
    instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    values = [field.pre_save(instance, True) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        return None
    connection = connections[alias]
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values, strict=True)
    ]
    return sql, params


def mark_inserted(instance: Model, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Set the instance's state as save() leaves it once its INSERT has run."""
    instance._state.adding = False
    instance._state.db = using


def insert_row(instance: Model) -> None:
    """Insert `instance` as `instance.save(force_insert=True)` would, with the SQL built once.

    Falls back to save() when the model has parents, database-returned fields or signal
    receivers, when its primary key is not set, or when a value is an expression."""
    alias = router.db_for_write(type(instance), instance=instance)
    statement = insert_statement(instance)
    if statement is None:
        instance.save(force_insert=True)
        return
    with transaction.mark_for_rollback_on_error(alias), fixed_statement(*statement, using=alias):
        pass
    mark_inserted(instance, using=alias)


@contextmanager
def fixed_statement(
    sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS
) -> Iterator[Any]:
    """Execute one statement whose SQL never varies (built once, not by the ORM on every call)
    and yield the cursor to fetch from."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        yield cursor


def can_send_together(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether `statements_together` works on this connection: PostgreSQL with Django's default
    client-side parameter binding (server-side binding allows one statement per query)."""
    connection = connections[using]
    return connection.vendor == "postgresql" and not connection.settings_dict.get(
        "OPTIONS", {}
    ).get("server_side_binding")


@contextmanager
def statements_together(
    statements: Sequence[tuple[str, Sequence[Any]]],
    *,
    after_commit: Sequence[tuple[str, Sequence[Any]]] = (),
    using: str = DEFAULT_DB_ALIAS,
) -> Iterator[Any]:
    """Send several statements in one round trip (PostgreSQL) and yield the cursor on the last
    one's result.

    Django's psycopg cursor binds parameters on the client and sends the text as one simple
    query. PostgreSQL runs the statements of one simple query as one transaction when none is
    open (the protocol's "multiple statements in a simple query"): all are committed or none,
    with no BEGIN and COMMIT round trips. Inside an open transaction they are part of it, as any
    statement. The first error stops the rest and is raised as usual.

    `after_commit`: reads that need the write committed (outside a transaction only), sent in
    the same round trip after it, each its own transaction; read their rows with
    `after_commit_rows`. The write is then bracketed by BEGIN and COMMIT (a COMMIT of the
    implicit transaction would warn in the server's log on every write)."""
    if not can_send_together(using):
        raise NotImplementedError("several statements in one query need PostgreSQL, client-bound")
    connection = connections[using]
    if after_commit and connection.in_atomic_block:
        raise transaction.TransactionManagementError("nothing commits inside a transaction")
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        # Each statement bound on its own, the text sent without parameters (so no % in it is
        # read as a placeholder): psycopg keeps the parse of a query's placeholders only for
        # queries of up to 50 parameters, which a person with a need or a consent exceeds, and
        # parsed that text anew on every request; each statement's own shape stays cached.
        quoting = _plain_quoting(cursor)
        parts = [_bound(cursor, quoting, statement, params) for statement, params in statements]
        if after_commit:
            parts = ["BEGIN", *parts, "COMMIT"]
            parts += [_bound(cursor, quoting, sql, params) for sql, params in after_commit]
        try:
            cursor.execute(";\n".join(parts))
        except Exception:
            if after_commit:
                _end_failed_transaction(connection)
            raise
        for _ in range(len(statements) - (0 if after_commit else 1)):
            cursor.nextset()  # to the last statement's result (past BEGIN's, if sent)
        yield cursor


def after_commit_rows(cursor: Any, count: int) -> list[Any]:
    """The first row (or None) of each of the `count` reads sent after the commit by
    `statements_together`, once the last statement's result has been read."""
    cursor.nextset()  # past COMMIT's
    rows = []
    for _ in range(count):
        cursor.nextset()
        rows.append(cursor.fetchone())
    return rows


def _end_failed_transaction(connection: Any) -> None:
    """A failed statement between BEGIN and COMMIT leaves the transaction open and failed (the
    rest of the text is skipped); roll it back, as the implicit transaction would have been, so
    the connection (in autocommit) is usable for the next request. A lost connection has nothing
    to roll back: the original error is the one to raise."""
    with suppress(Exception):  # the caller raises the original error
        connection.connection.rollback()


# Binding the write's values (~50 of them) through psycopg's adapters cost ~10 % of a request's
# CPU: a dumper looked up and called per value. The common types are quoted here instead, into
# the same literals (same value, same type) that psycopg writes; any other value, or a
# connection whose quoting rules differ, goes through psycopg as before.
_PLACEHOLDERS = re.compile(r"%.?", re.DOTALL)
_PLAIN_SQL: dict[str, bool] = {}
_INTEGERS = {int, Int2, Int4, Int8}  # psycopg writes the digits of each


def _plain_quoting(cursor: Any) -> bool:
    """Whether a string literal is '...' with only ' doubled: standard_conforming_strings on (a
    backslash is then an ordinary character) and UTF-8 (no multi-byte character ends in a
    quote byte). psycopg tracks both as the server reports them."""
    connection = cursor.connection
    return (
        connection.info.encoding == "utf-8"
        and connection.pgconn.parameter_status(b"standard_conforming_strings") == b"on"
    )


def _literal(value: Any) -> str | None:
    """The SQL literal of `value` as psycopg writes it, or None for a type left to psycopg."""
    if value is None:
        return "NULL"
    if isinstance(value, str):  # str and its enums (text choices)
        if "\x00" in value:
            return None  # psycopg refuses it, with its own error
        return "'" + value.replace("'", "''") + "'"
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind in _INTEGERS:
        return f" {value}" if value < 0 else str(value)  # " -5": never "--" after a "-"
    if kind is uuid.UUID:
        return f"'{value.hex}'::uuid"
    if kind is dt.datetime and value.tzinfo is dt.UTC:
        return f"'{value.isoformat(sep=' ')}'::timestamptz"
    if kind is dt.date:
        return f"'{value.isoformat()}'::date"
    if kind is float and math.isfinite(value):
        return f" {value!r}" if value < 0 else repr(value)
    if kind is Jsonb and value.dumps is not None:
        text = value.dumps(value.obj)
        if not isinstance(text, str) or "\x00" in text:
            return None
        return "'" + text.replace("'", "''") + "'::jsonb"
    return None


def _bound(cursor: Any, quoting: bool, sql: str, params: Sequence[Any]) -> str:
    """`sql` with its values bound, as `cursor.mogrify(sql, params)` returns it."""
    if quoting:
        plain = _PLAIN_SQL.get(sql)
        if plain is None:  # only %s and %% in it: Python's % reads them as psycopg does
            plain = all(m in {"%s", "%%"} for m in _PLACEHOLDERS.findall(sql))
            if len(_PLAIN_SQL) < 1000:  # fixed statements: a handful
                _PLAIN_SQL[sql] = plain
        if plain:
            literals = [_literal(value) for value in params]
            if None not in literals:
                return sql % tuple(literals)
    return cursor.mogrify(sql, params)
