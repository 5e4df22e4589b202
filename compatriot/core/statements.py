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

import inspect
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from json.encoder import encode_basestring_ascii  # the C one where there is one
from typing import Any, NamedTuple, TypeVar, cast
from uuid import UUID
from weakref import WeakKeyDictionary

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Field,
    FloatField,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
    TextField,
    UUIDField,
)
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute

# Only to fall back to save() if a receiver is ever connected: none is, and none should be.
from django.db.models.signals import post_init, post_save, pre_init, pre_save  # noqa: TID251
from django.utils.functional import Promise
from psycopg import adapt
from psycopg.types.json import Jsonb

from compatriot.core.literals import Literals

M = TypeVar("M", bound=Model)
Statement = tuple[str, list[Any]]


class _Insert(NamedTuple):
    """A model's INSERT and how its parameters are prepared, worked out once per process and
    database vendor."""

    sql: str
    fields: list[Field]  # its columns, in order
    # per field: the exact types whose values its conversion returns as they are (`_sends_as_is`)
    as_is: list[frozenset[type]]
    prepares: list[Callable[[Any, Any], Any]]  # per field: its conversion (`_preparer`)


_STATEMENTS: dict[tuple[type[Model], str], _Insert | None] = {}


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


def _sends_as_is(field: Field, connection: Any) -> frozenset[type]:
    """The exact types whose values the field's get_db_prep_save() returns as they are on this
    connection (for a datetime: with UTC's tzinfo, as `timezone.now()` gives; `_prepared`):

    - CharField, TextField and their plain subclasses: any str (not a lazy one) and None
      (`_keeps_text`);
    - a ForeignKey: None, and its target's types but text: its get_db_prep_save hands any value
      but None and "" to its target's;
    - and, of fields that override none of the conversion: a UUIDField on a database with a
      uuid type: a UUID and None (UUIDField.get_db_prep_value returns them as they are); on
      PostgreSQL, a DateTimeField: an aware datetime and None (its get_prep_value, Field's
      lazy-string cast, then to_python and the naive check, returns them as they are, and
      PostgreSQL's adapt_datetimefield_value returns its argument), a DateField: a date and
      None (likewise), a FloatField: a float and None (its get_prep_value: `float(value)`,
      which is the value itself); a JSONField: None (its get_db_prep_save returns None first).
    Field.get_db_prep_save returns a value with `as_sql` as it is and hands every other to
    get_db_prep_value, as none of these types has one."""
    kind = type(field)
    if _keeps_text(field):
        return frozenset({str, type(None)})
    if isinstance(field, ForeignKey) and kind.get_db_prep_save is ForeignKey.get_db_prep_save:
        # (not text: "" may become None, as on a database that stores "" as NULL)
        return (_sends_as_is(field.target_field, connection) - {str}) | {type(None)}
    if kind.get_db_prep_save is JSONField.get_db_prep_save:
        return frozenset({type(None)})
    if kind.get_db_prep_save is not Field.get_db_prep_save:
        return frozenset()
    postgresql = connection.vendor == "postgresql"
    operations = type(connection.ops)
    for field_class, kinds, needs in (
        (UUIDField, {UUID}, connection.features.has_native_uuid_field),
        (
            DateTimeField,
            {datetime},
            postgresql
            and operations.adapt_datetimefield_value
            is PostgresOperations.adapt_datetimefield_value,
        ),
        (
            DateField,
            {date},
            postgresql
            and operations.adapt_datefield_value is PostgresOperations.adapt_datefield_value,
        ),
        (FloatField, {float}, True),
        # AutoFieldMixin.get_db_prep_value: IntegerField's get_prep_value (`int(value)`, the
        # value itself), then validate_autopk_value, which returns it but on MySQL
        (
            AutoFieldMixin,
            {int},
            operations.validate_autopk_value is BaseDatabaseOperations.validate_autopk_value,
        ),
    ):
        if (
            needs
            and kind.get_db_prep_value is field_class.get_db_prep_value
            and kind.get_prep_value is _BASE_OF.get(field_class, field_class).get_prep_value
            and kind.to_python is _BASE_OF.get(field_class, field_class).to_python
        ):
            return frozenset({*kinds, type(None)})
    return frozenset()


_BASE_OF: dict[type[Field], type[Field]] = {AutoFieldMixin: IntegerField}  # type: ignore[dict-item]


def _preparer(field: Field, connection: Any) -> Callable[[Any, Any], Any]:
    """The field's get_db_prep_save, or a function that returns the same for every value:
    a choice (a str subclass) in a text field is sent as the plain str of its value, the same
    text (psycopg looks up the adapter of each new type through its bases on every cursor,
    ~2 µs per choice type per write); a JSONField's `Jsonb` is written by `json_text`
    (`_with_json_text`), and a list or dict goes straight into it where the conversion is
    Django's own on PostgreSQL (`_json_preparer`)."""
    prepare = field.get_db_prep_save
    if _keeps_text(field):
        return _text_preparer(prepare)
    if isinstance(field, JSONField):
        return _json_preparer(field, connection)
    if isinstance(field, IntegerField):
        return _integer_preparer(field, connection)
    return prepare


def _integer_preparer(field: IntegerField, connection: Any) -> Callable[[Any, Any], Any]:
    """An IntegerField's get_db_prep_save; where the conversion is Django's own on PostgreSQL
    (get_prep_value: `int(value)`; adapt_integerfield_value: the psycopg wrapper of the field's
    type), an int straight into that wrapper (`Int4(1)`: ~10,000 instructions fewer)."""
    prepare = field.get_db_prep_save
    kind = type(field)
    if not (
        kind.get_db_prep_save is Field.get_db_prep_save
        and kind.get_db_prep_value is IntegerField.get_db_prep_value
        and kind.get_prep_value is IntegerField.get_prep_value
        and type(connection.ops).adapt_integerfield_value
        is PostgresOperations.adapt_integerfield_value
    ):
        return prepare
    wrapper = connection.ops.integerfield_type_map[field.get_internal_type()]

    def prepared(value: Any, connection: Any) -> Any:
        return wrapper(value) if type(value) is int else prepare(value, connection)

    return prepared


def _text_preparer(prepare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def prepared(value: Any, connection: Any) -> Any:
        if isinstance(value, str) and not isinstance(value, Promise):
            return str.__str__(value)
        return prepare(value, connection)

    return prepared


def _statement(model: type[Model], connection: Any) -> _Insert | None:
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
            _STATEMENTS[key] = None
            return None
        _STATEMENTS[key] = _insert(meta.db_table, fields, connection)
    return _STATEMENTS[key]


def _insert(table: str, fields: list[Field], connection: Any, returning: str = "") -> _Insert:
    """The INSERT of these columns (then `returning`, a RETURNING clause) and their conversions."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    sql = (
        f"INSERT INTO {quote(table)} ({columns}) "  # noqa: S608  names from metadata
        f"VALUES ({', '.join(['%s'] * len(fields))}){returning}"
    )
    return _Insert(
        sql,
        fields,
        [_sends_as_is(field, connection) for field in fields],
        [_preparer(field, connection) for field in fields],
    )


def json_text(value: Any) -> str:
    """`json.dumps(value)`, the text Django's JSONField has psycopg send. A list of plain strings
    (phones, nationalities, languages: most of the JSON a write sends) is written item by item
    with the encoder's own escaping, without building an encoder: ~12,000 instructions fewer
    per list (docs/benchmarks.md, branch apipy). The same text: `ensure_ascii`, ", " between
    items."""
    if type(value) is list and all(type(item) is str for item in value):
        return "[" + ", ".join(map(encode_basestring_ascii, value)) + "]"
    return json.dumps(value)


def _with_json_text(prepare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A JSONField's get_db_prep_save, its `Jsonb` written by `json_text` where Django's would
    be written by `json.dumps` (a field without an encoder of its own, on PostgreSQL)."""

    def prepared(value: Any, connection: Any) -> Any:
        value = prepare(value, connection)
        if type(value) is Jsonb and value.dumps is json.dumps:
            return Jsonb(value.obj, dumps=json_text)
        return value

    return prepared


def _json_preparer(field: JSONField, connection: Any) -> Callable[[Any, Any], Any]:
    """A JSONField's `_with_json_text` conversion; for a list or a dict, where the field's
    conversion is Django's own with no encoder on PostgreSQL (get_prep_value: a lazy string's
    cast; adapt_json_value: `Jsonb(value, dumps=json.dumps)`), that Jsonb with `json_text`
    made at once (~8,000 instructions fewer per value)."""
    prepare = _with_json_text(field.get_db_prep_save)
    kind = type(field)
    if not (
        field.encoder is None
        and kind.get_db_prep_save is JSONField.get_db_prep_save
        and kind.get_db_prep_value is JSONField.get_db_prep_value
        and kind.get_prep_value is Field.get_prep_value
        and type(connection.ops).adapt_json_value is PostgresOperations.adapt_json_value
    ):
        return prepare

    def prepared(value: Any, connection: Any) -> Any:
        if type(value) in _JSON_CONTAINERS:
            return Jsonb(value, dumps=json_text)
        return prepare(value, connection)

    return prepared


_JSON_CONTAINERS = (list, dict)


def insert_statement(instance: Model) -> Statement | None:
    """The INSERT that `instance.save(force_insert=True)` would run, as SQL and parameters, or
    None when only save() will do (parents, database-returned fields, signal receivers, no
    primary key yet, an expression as a value). Prepares the instance as save() does."""
    model = type(instance)
    # One look-up of the connection per row: each costs a few µs (a thread-local read).
    connection = connections[router.db_for_write(model, instance=instance)]
    insert = _statement(model, connection)
    if (
        insert is None
        or not instance._is_pk_set()  # type: ignore[attr-defined]  # Django's own test
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        return None
    instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    values = [field.pre_save(instance, True) for field in insert.fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        return None
    return insert.sql, _prepared(insert, values, connection)


def _prepared(insert: _Insert, values: Sequence[Any], connection: Any) -> list[Any]:
    """Each field's `get_db_prep_save(value)`, the parameters of the row's INSERT.

    A value its field's conversion would return as it is (`_sends_as_is`: text, most of a
    row's values; None; a uuid; a datetime of `timezone.now()`...) is not sent through it:
    2,200 to 13,800 instructions each (docs/benchmarks.md, branches apibind and apiworker).
    The others go through the field's `_preparer`."""
    return [
        value
        if type(value) in as_is and (type(value) is not datetime or value.tzinfo is UTC)
        else prepare(value, connection)
        for as_is, prepare, value in zip(insert.as_is, insert.prepares, values, strict=True)
    ]


class _RowPlan(NamedTuple):
    """What `new_row` needs of a model besides its INSERT."""

    insert: _Insert
    attnames: list[str]  # of its fields, in the order Model.__init__ takes them
    places: dict[str, int]  # each attname's place in that order
    # The row of a model with no values given: each field's default where Django's get_default
    # returns the same value on every call (no default: None or ""; a default that is not
    # callable: that value), and the fields whose default is called on every row (a uuid4...).
    fixed: list[Any]
    called: list[tuple[int, str, Callable[[], Any]]]
    # Fields whose pre_save() is not a plain read of the value set by Model.__init__ (auto_now
    # and auto_now_add times, files...): their pre_save() runs, as in save().
    pre_saved: list[tuple[int, Field]]
    # Whether Model.__init__ would only store each value in the instance's __dict__: every
    # field's attribute a DeferredAttribute (no __set__) or a ForeignKeyDeferredAttribute
    # (whose __set__, on a new instance with nothing cached, stores the value), and no
    # __init__ of the model's own (`_instance`).
    plain: bool


_ROWS: dict[tuple[type[Model], str], _RowPlan | None] = {}


def _reads_what_init_set(field: Field) -> bool:
    """Whether `field.pre_save(instance, add)` returns the value Model.__init__ set: Field's
    own pre_save is `getattr(instance, attname)`, and these descriptors return the attribute
    as stored."""
    return type(field).pre_save is Field.pre_save and field.descriptor_class in {
        DeferredAttribute,
        ForeignKeyDeferredAttribute,
    }


def _has_fixed_default(field: Field) -> bool:
    """Whether the field's get_default returns the same value on every call: Field's (and a
    ForeignKey's, which hands a model instance's key back) with no default (None, or "" for a
    text field) or a default that is not callable (`lambda: self.default`), and no default of
    the database's."""
    if field.has_db_default() or type(field).get_default not in {
        Field.get_default,
        ForeignKey.get_default,
    }:
        return False
    if not field.has_default():
        return True
    return type(field).get_default is Field.get_default and not callable(field.default)


def _row_plan(model: type[Model], connection: Any) -> _RowPlan | None:
    key = (model, connection.vendor)
    if key not in _ROWS:
        insert = _statement(model, connection)
        meta = model._meta
        fields = list(meta.concrete_fields)
        _ROWS[key] = (
            None
            # Model.__init__ takes positional values in concrete_fields' order; a private field
            # (a generic foreign key) would need _prepare_related_fields_for_save.
            if insert is None or insert.fields != fields or meta.private_fields
            else _RowPlan(
                insert,
                [field.attname for field in fields],
                {field.attname: i for i, field in enumerate(fields)},
                [field.get_default() if _has_fixed_default(field) else None for field in fields],
                [
                    (i, field.attname, field.get_default)
                    for i, field in enumerate(fields)
                    if not _has_fixed_default(field)
                ],
                [(i, field) for i, field in enumerate(fields) if not _reads_what_init_set(field)],
                model.__init__ is Model.__init__
                and all(
                    type(inspect.getattr_static(model, field.attname)) in _PLAIN_ATTRIBUTES
                    for field in fields
                ),
            )
        )
    return _ROWS[key]


_PLAIN_ATTRIBUTES = {DeferredAttribute, ForeignKeyDeferredAttribute}


def _instance(model: type[M], plan: _RowPlan, row: list[Any]) -> M:
    """`model(*row)`: where Model.__init__ would only store the values (`_RowPlan.plain`, and
    no pre_init or post_init receiver), the instance is made with its state and the values
    stored at once (~60,000 instructions fewer for a person: docs/benchmarks.md, branch
    apiworker)."""
    if not plan.plain or post_init.has_listeners(model):
        return model(*row)
    instance = model.__new__(model)
    instance._state = ModelState()
    instance.__dict__.update(zip(plan.attnames, row, strict=True))
    return instance


def new_row(model: type[M], values: Mapping[str, Any]) -> tuple[M, Statement] | None:
    """`model(**values)` and the INSERT its `save(force_insert=True)` would run, as
    `insert_statement` gives it, or None when only save() will do (as there, and also when a
    pre_init receiver is connected). `values` are plain values (no expressions) by attribute
    name (`person_id`, not `person`); the others take their defaults, as in Model.__init__.

    Cheaper than building the instance and asking `insert_statement` (docs/benchmarks.md,
    branches apirow and apiworker): the values are placed in a row of the fixed defaults, the
    instance made as Model.__init__ makes it (`_instance`), and the values prepared from the
    row; no related instance is cached on the row, so save()'s check of related instances has
    nothing to check."""
    connection = connections[router.db_for_write(model)]
    plan = _row_plan(model, connection)
    if (
        plan is None
        or pre_init.has_listeners(model)
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        return None
    row = plan.fixed.copy()
    places = plan.places
    try:
        for name, value in values.items():
            row[places[name]] = value
    except KeyError:
        unexpected = sorted(set(values) - set(places))
        raise TypeError(f"{model.__qualname__}() got unexpected values {unexpected}") from None
    for place, name, default in plan.called:
        if name not in values:
            row[place] = default()
    instance = _instance(model, plan, row)
    for place, field in plan.pre_saved:  # as save() does: auto_now times set on the instance too
        row[place] = field.pre_save(instance, True)
    if not instance._is_pk_set():  # type: ignore[attr-defined]  # Django's own test
        return None
    return instance, (plan.insert.sql, _prepared(plan.insert, row, connection))


def as_call(function: str, statement: Statement) -> Statement:
    """An INSERT `statement` sent as `SELECT function(<its values>)`: a PostgreSQL function
    that runs that INSERT from arguments in its column order (people migration 0010), so that
    the backend keeps the INSERT's plan instead of parsing and planning its text every time."""
    return _call_sql(function, len(statement[1])), statement[1]


@cache
def _call_sql(function: str, arguments: int) -> str:
    return f"SELECT {function}({', '.join(['%s'] * arguments)})"


def mark_inserted(instance: Model, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Set the instance's state as save() leaves it once its INSERT has run."""
    instance._state.adding = False
    instance._state.db = using


def insert_row(instance: Model) -> None:
    """Insert `instance` as `instance.save(force_insert=True)` would, with the SQL built once.

    Falls back to save() when the model has parents, database-returned fields or signal
    receivers, when its primary key is not set, or when a value is an expression."""
    if not inserted(instance):
        instance.save(force_insert=True)


def inserted(instance: Model) -> bool:
    """`insert_row` without its save(): False, having done nothing, where only save() will do.
    For rows that `bulk_create` would write (which sends no signals, as this does not)."""
    alias = router.db_for_write(type(instance), instance=instance)
    statement = insert_statement(instance)
    if statement is None:
        return False
    with transaction.mark_for_rollback_on_error(alias), fixed_statement(*statement, using=alias):
        pass
    mark_inserted(instance, using=alias)
    return True


_KEYED: dict[tuple[type[Model], str], _Insert | None] = {}


def _keyed_statement(model: type[Model], connection: Any) -> _Insert | None:
    """The INSERT of a row whose key the database draws (an auto field), returning that key:
    the statement save() builds for it (Django's own RETURNING clause), built once."""
    key = (model, connection.vendor)
    if key not in _KEYED:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.pk]
        if (
            meta.parents
            or list(meta.db_returning_fields) != [meta.pk]
            or meta.order_with_respect_to
            or not connection.features.can_return_columns_from_insert
            or any(hasattr(field, "get_placeholder") for field in fields)
        ):
            _KEYED[key] = None
            return None
        returning, _ = connection.ops.return_insert_columns([meta.pk])
        _KEYED[key] = _insert(meta.db_table, fields, connection, f" {returning}")
    return _KEYED[key]


def insert_keyed_row(instance: Model) -> None:
    """`instance.save(force_insert=True)` for a new row whose key the database draws (the audit
    entry's on SQLite), with the SQL built once; the key is set from the INSERT's RETURNING.
    Falls back to save() where `insert_row` would."""
    model = type(instance)
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    insert = _keyed_statement(model, connection)
    if (
        insert is None
        or instance._is_pk_set()  # type: ignore[attr-defined]  # Django's own test
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        instance.save(force_insert=True)
        return
    instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    values = [field.pre_save(instance, True) for field in insert.fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        instance.save(force_insert=True)
        return
    params = _prepared(insert, values, connection)
    with (
        transaction.mark_for_rollback_on_error(alias),
        fixed_statement(insert.sql, params, using=alias) as cursor,
    ):
        (instance.pk,) = cursor.fetchone()
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
    untyped: bool = False,
    calls: bool = False,
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
    implicit transaction would warn in the server's log on every write).

    `untyped`: uuid and jsonb values are sent as plain literals, without the cast psycopg writes
    after them (`binder`), for statements (and reads) that give every value its type: an
    argument of a function with one signature, a comparison with a column.

    `calls`: every statement is `SELECT f(<arguments>)`, one call of a function registered by
    `scalar_calls` (anything else is refused with ValueError before anything is sent); they go
    as one `SELECT` of the calls, in their order, and the cursor is on its one row (a column per
    call). PostgreSQL's executor evaluates a select list's items left to right and stops at the
    first error, as it does statements: the manual leaves the order of evaluation of
    subexpressions undefined, so this is the implementation's behaviour (relied on widely, and
    pinned by people/tests/test_register_round_trip.py with an error raised at run time). Each
    call's own statements still see the earlier calls' rows (a VOLATILE function's statements
    take a new snapshot each). A statement a call saves is its parse, analysis, plan, portal and
    snapshot in the backend (~-20,000 instructions each; docs/benchmarks.md, branch apipg5)."""
    connection = connections[using]
    if not _sends_together(connection):
        raise NotImplementedError("several statements in one query need PostgreSQL, client-bound")
    if after_commit and connection.in_atomic_block:
        raise transaction.TransactionManagementError("nothing commits inside a transaction")
    if calls:  # refused before anything is sent (nor the transaction marked for rollback)
        for statement, _ in statements:
            _check_call(statement)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        # Each statement bound on its own, the text sent without parameters (so no % in it is
        # read as a placeholder): psycopg keeps the parse of a query's placeholders only for
        # queries of up to 50 parameters, which a person with a need or a consent exceeds, and
        # parsed that text anew on every request; each statement's own shape stays cached.
        # Django's cursor reads attributes through its __getattr__ (and wraps nextset anew on
        # every read): read each once.
        bind, nextset = binder(cursor, untyped=untyped), cursor.nextset
        parts = [bind(statement, params) for statement, params in statements]
        if calls:
            parts = [_one_select(parts)]
        sent = len(parts)
        if after_commit:
            parts = ["BEGIN", *parts, "COMMIT"]
            parts += [bind(statement, params) for statement, params in after_commit]
        try:
            cursor.execute(";\n".join(parts))
        except Exception:
            if after_commit:
                _end_failed_transaction(connection)
            raise
        for _ in range(sent - (0 if after_commit else 1)):
            nextset()  # to the last statement's result (past BEGIN's, if sent)
        yield cursor


# Functions that `statements_together(..., calls=True)` may call: each returns one value and
# its call is the whole statement. Only such calls keep their meaning in one select list: a
# set-returning function would repeat the other calls, a FROM function would run before them,
# a WHERE could skip them all, with no error.
_SCALAR_CALLS: set[str] = set()
# The unbound text of one call: `SELECT name(arguments)`, the arguments without parentheses,
# quotes but whole literals, or semicolons (a bound value is always one literal).
_ONE_CALL = re.compile(r"SELECT ([a-z_][a-z0-9_]*)\((?:[^()';]|'[^']*')*\)")


def scalar_calls(*functions: str) -> None:
    """Let `statements_together(..., calls=True)` call these functions: each must return one
    value (not a set, not a table) per call."""
    _SCALAR_CALLS.update(functions)
    _call_function.cache_clear()


@lru_cache(maxsize=256)  # the statements are texts built once: checked once each
def _call_function(sql: str) -> str | None:
    one = _ONE_CALL.fullmatch(sql)
    return one[1] if one and one[1] in _SCALAR_CALLS else None


def _check_call(sql: str) -> None:
    if _call_function(sql) is None:
        raise ValueError(f"not `SELECT f(...)` of one function registered by scalar_calls: {sql!r}")


def _one_select(calls: list[str]) -> str:
    """`SELECT f(…)`, `SELECT g(…)` as `SELECT f(…),\ng(…)` (bound texts of statements that
    `_check_call` accepted)."""
    return "SELECT " + ",\n".join(call[len("SELECT ") :] for call in calls)


def binder(cursor: Any, *, untyped: bool = False) -> Callable[[str, Sequence[Any]], str]:
    """`cursor.mogrify` for several statements: each statement's text exactly as `mogrify` gives
    it. Other cursors keep their `mogrify`.

    `untyped`: uuid and jsonb values go as plain literals ('...' where psycopg wrote '...'::uuid),
    for statements that give every value its type (`statements_together`): the function's
    parameter or the column gives it, through the same input function, where each cast cost the
    backend a look-up of the type's name (docs/benchmarks.md, branch apifn). psycopg's other
    dumpers of this kind (date, datetime) are C types that cannot be derived from. Such
    statements' values of the common types are written by core.literals (the same text, checked
    against psycopg once per connection) into the statement's text split once at its
    placeholders; any other value, and any statement with another `%` than `%s` or whose
    parameters do not match its placeholders, is bound by psycopg (docs/benchmarks.md, branch
    apibind).

    psycopg's binding is `mogrify`'s with one `Transformer` for all the statements:
    `ClientCursor.mogrify` makes a new Transformer on every call, so each statement looked up
    and built its dumpers and its types' names (`::uuid`, `::timestamptz`) anew; psycopg itself
    binds all the parameters of a query, and the rows of an `executemany`, with one
    (docs/benchmarks.md, branch apisrv2)."""
    raw = cursor.cursor  # Django's wrapper around psycopg's cursor
    if not isinstance(raw, psycopg.ClientCursor):
        return cast(Callable[[str, Sequence[Any]], str], cursor.mogrify)
    connection = raw.connection
    adapters, literals = _untyped(connection) if untyped else (None, None)
    # What mogrify does (psycopg 3.3, client_cursor.py), the Transformer made once, when needed.
    query_class = raw._query_cls
    made: list[Any] = []

    def transformer() -> Any:
        if not made:
            context = raw if adapters is None else _Untyped(connection, adapters)
            made.append(adapt.Transformer(context))
        return made[0]

    def mogrify(sql: str, params: Sequence[Any]) -> str:
        query = query_class(transformer())
        query.convert(sql, params)
        return cast(bytes, query.query).decode(transformer().encoding)

    # Text's function must have agreed with psycopg: `_literal_binder` writes plain text (no
    # quote, backslash or NUL) itself. None agree on a connection that is not UTF-8.
    if literals is None or str not in literals.by_type:
        return mogrify
    return _literal_binder(literals, transformer, mogrify)


def _literal_binder(
    literals: Literals, transformer: Callable[[], Any], mogrify: Callable[[str, Sequence[Any]], str]
) -> Callable[[str, Sequence[Any]], str]:
    """`binder`'s binding of untyped statements: the literals written by `literals` where it has
    a function for the value's type, by `transformer()` (psycopg) for the others, and a
    statement psycopg's parser must read by `mogrify`."""
    by_type, lists = literals.by_type, literals.lists

    def literal(value: Any) -> str:
        """psycopg's literal of one value."""
        if type(value) is list and all(type(item) is str for item in value):
            key = tuple(value)
            if key not in lists:
                if len(lists) >= _LISTS_KEPT:
                    lists.clear()
                lists[key] = _as_literal(transformer(), value)
            return lists[key]
        return _as_literal(transformer(), value)

    def bind(sql: str, params: Sequence[Any]) -> str:
        if (
            type(params) not in _SEQUENCES
            or type(sql) is not str
            or _placeholders(sql) != len(params)
        ):
            return mogrify(sql, params)
        # Plain text, most of the values, is written here; every other value by its function.
        written = [
            "'" + value + "'"
            if type(value) is str and "'" not in value and "\\" not in value and "\x00" not in value
            else by_type.get(type(value), _declined)(value)
            for value in params
        ]
        if None in written:  # psycopg's, for the values no function wrote
            written = [
                literal(value) if text is None else text
                for value, text in zip(params, written)  # noqa: B905  the same length
            ]
        return sql % tuple(written)  # every % of it a %s: the literals in their places

    return bind


def _as_literal(transformer: Any, value: Any) -> str:
    return cast(str, bytes(transformer.as_literal(value)).decode(transformer.encoding))


_SEQUENCES = (list, tuple)
_LISTS_KEPT = 64
_PLACEHOLDERS: dict[str, int] = {}
_PLACEHOLDERS_KEPT = 1024


def _placeholders(sql: str) -> int:
    """How many `%s` placeholders `sql` has, or -1 if it has any other `%` (a literal `%%`, a
    named placeholder...), which psycopg's parser is left to read."""
    count = _PLACEHOLDERS.get(sql)
    if count is None:
        count = sql.count("%s")
        if sql.count("%") != count:
            count = -1
        if len(_PLACEHOLDERS) >= _PLACEHOLDERS_KEPT:
            _PLACEHOLDERS.clear()
        _PLACEHOLDERS[sql] = count
    return count


def _declined(value: Any) -> None:
    """No function of core.literals for this type: psycopg writes it."""


_UNTYPED: WeakKeyDictionary[Any, tuple[adapt.AdaptersMap, Literals]] = WeakKeyDictionary()


def _untyped(connection: Any) -> tuple[adapt.AdaptersMap, Literals]:
    """A connection's adapters, but for uuid and jsonb values, whose dumpers are the
    connection's with no type (psycopg writes a cast only after the literal of a typed value),
    and the core.literals functions that write what a Transformer of them writes. Made once per
    connection."""
    found = _UNTYPED.get(connection)
    if found is None:
        adapters = adapt.AdaptersMap(connection.adapters)
        for kind in (UUID, Jsonb):
            dumper = adapters.get_dumper(kind, adapt.PyFormat.TEXT)
            try:
                untyped = type(f"Untyped{dumper.__name__}", (dumper,), {"oid": 0})
            except TypeError:  # a C type (as psycopg's date dumper): its casts stay
                continue
            adapters.register_dumper(kind, untyped)
        literals = Literals(adapt.Transformer(_Untyped(connection, adapters)))
        found = _UNTYPED[connection] = (adapters, literals)
    return found


class _Untyped:
    """The psycopg context of a Transformer with a connection's untyped adapters (`_untyped`)."""

    def __init__(self, connection: Any, adapters: adapt.AdaptersMap) -> None:
        self.connection = connection
        self.adapters = adapters


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
