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
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Field, Model

# Only to fall back to save() if a receiver is ever connected: none is, and none should be.
from django.db.models.signals import post_save, pre_save  # noqa: TID251

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


def insert_row(instance: Model) -> None:
    """Insert `instance` as `instance.save(force_insert=True)` would, with the SQL built once.

    Falls back to save() when the model has parents, database-returned fields or signal
    receivers, when its primary key is not set, or when a value is an expression."""
    model = type(instance)
    alias = router.db_for_write(model, instance=instance)
    statement = _statement(model, alias)
    if (
        statement is None
        or not instance._is_pk_set()  # type: ignore[attr-defined]  # Django's own test
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        instance.save(force_insert=True)
        return
    sql, fields = statement
    instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    values = [field.pre_save(instance, True) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        instance.save(force_insert=True)
        return
    connection = connections[alias]
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values, strict=True)
    ]
    with transaction.mark_for_rollback_on_error(alias), fixed_statement(sql, params, using=alias):
        pass
    instance._state.adding = False
    instance._state.db = alias


@contextmanager
def fixed_statement(
    sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS
) -> Iterator[Any]:
    """Execute one statement whose SQL never varies (built once, not by the ORM on every call)
    and yield the cursor to fetch from."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        yield cursor
