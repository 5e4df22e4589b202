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

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import CharField, Field, Model, TextField

# Only to fall back to save() if a receiver is ever connected: none is, and none should be.
from django.db.models.signals import post_save, pre_save  # noqa: TID251
from django.utils.functional import Promise

_STATEMENTS: dict[tuple[type[Model], str], tuple[str, list[Field], list[bool]]] = {}


def _keeps_text(field: Field) -> bool:
    """Whether the field's get_db_prep_save() returns any `str` (not a lazy one) or None as it
    is: true of CharField and TextField and subclasses that override none of the conversion
    (EmailField...), whose chain is Field.get_db_prep_save -> Field.get_db_prep_value ->
    their get_prep_value (Field's lazy-string cast, then to_python) -> to_python, which
    returns a str or None unchanged."""
    kind = type(field)
    return (
        kind.get_db_prep_save is Field.get_db_prep_save
        and kind.get_db_prep_value is Field.get_db_prep_value
        and (kind.get_prep_value, kind.to_python)
        in {
            (CharField.get_prep_value, CharField.to_python),
            (TextField.get_prep_value, TextField.to_python),
        }
    )


def _statement(model: type[Model], connection: Any) -> tuple[str, list[Field], list[bool]] | None:
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
        _STATEMENTS[key] = (sql, fields, [_keeps_text(field) for field in fields])
    return _STATEMENTS[key]


def insert_statement(instance: Model) -> tuple[str, list[Any]] | None:
    """The INSERT that `instance.save(force_insert=True)` would run, as SQL and parameters, or
    None when only save() will do (parents, database-returned fields, signal receivers, no
    primary key yet, an expression as a value). Prepares the instance as save() does."""
    model = type(instance)
    # One look-up of the connection per row: each costs a few µs (a thread-local read).
    connection = connections[router.db_for_write(model, instance=instance)]
    statement = _statement(model, connection)
    if (
        statement is None
        or not instance._is_pk_set()  # type: ignore[attr-defined]  # Django's own test
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        return None
    sql, fields, keeps_text = statement
    instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    values = [field.pre_save(instance, True) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        return None
    # Text is most of a row's values: what its fields' conversion would return unchanged is not
    # sent through it (about half of the conversion's cost on the write path). A choice (a str
    # subclass) is sent as the plain str of its value, the same text: psycopg looks up the adapter
    # of each new type through its bases on every cursor, ~2 µs per choice type per write.
    params = [
        (value if value is None or type(value) is str else str.__str__(value))
        if keeps and (value is None or (isinstance(value, str) and not isinstance(value, Promise)))
        else field.get_db_prep_save(value, connection)
        for field, value, keeps in zip(fields, values, keeps_text, strict=True)
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
    return _sends_together(connections[using])


def _sends_together(connection: Any) -> bool:
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
    connection = connections[using]
    if not _sends_together(connection):
        raise NotImplementedError("several statements in one query need PostgreSQL, client-bound")
    if after_commit and connection.in_atomic_block:
        raise transaction.TransactionManagementError("nothing commits inside a transaction")
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        # Each statement bound on its own, the text sent without parameters (so no % in it is
        # read as a placeholder): psycopg keeps the parse of a query's placeholders only for
        # queries of up to 50 parameters, which a person with a need or a consent exceeds, and
        # parsed that text anew on every request; each statement's own shape stays cached.
        # Django's cursor reads attributes through its __getattr__ (and wraps nextset anew on
        # every read): read each once.
        mogrify, nextset = cursor.mogrify, cursor.nextset
        parts = [mogrify(statement, params) for statement, params in statements]
        if after_commit:
            parts = ["BEGIN", *parts, "COMMIT"]
            parts += [mogrify(statement, params) for statement, params in after_commit]
        try:
            cursor.execute(";\n".join(parts))
        except Exception:
            if after_commit:
                _end_failed_transaction(connection)
            raise
        for _ in range(len(statements) - (0 if after_commit else 1)):
            nextset()  # to the last statement's result (past BEGIN's, if sent)
        yield cursor


def after_commit_rows(cursor: Any, count: int) -> list[Any]:
    """The first row (or None) of each of the `count` reads sent after the commit by
    `statements_together`, once the last statement's result has been read."""
    nextset, fetchone = cursor.nextset, cursor.fetchone  # Django wraps them anew on each read
    nextset()  # past COMMIT's
    rows = []
    for _ in range(count):
        nextset()
        rows.append(fetchone())
    return rows


def _end_failed_transaction(connection: Any) -> None:
    """A failed statement between BEGIN and COMMIT leaves the transaction open and failed (the
    rest of the text is skipped); roll it back, as the implicit transaction would have been, so
    the connection (in autocommit) is usable for the next request. A lost connection has nothing
    to roll back: the original error is the one to raise."""
    with suppress(Exception):  # the caller raises the original error
        connection.connection.rollback()
