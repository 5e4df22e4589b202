"""On PostgreSQL, the person's CHECK constraints are checked once per statement, by the persons'
statement-level triggers, instead of by the table's CHECK constraints.

A CHECK constraint costs every INSERT or UPDATE statement, whatever its rows, the reading of its
stored expression (`stringToNode`) and its planning (the folding of its constants, each with an
executor of its own) when the statement's executor starts: for the API's one-person write, 14 %
of the database's instructions, more than the INSERT itself (docs/benchmarks.md, branch apicheck).
A PL/pgSQL trigger keeps the plans of its queries for the session, so the same expressions cost
their evaluation only:

- INSERT: `people_person_fk_inserted` (migrations 0004 to 0012), which already reads the inserted
  rows once (a transition table) to check their keys, also reads the checks' results in that
  pass; a statement of more than a few rows (an import's batch) is checked in the filter of the
  scan that collects its crisis keys, before any key is looked up, where a failing row calls
  `people_person_check_failed(row)`, which raises its error;
- UPDATE: `people_person_checked`, AFTER UPDATE FOR EACH ROW WHEN a check is false: the WHEN
  clause costs an UPDATE what the CHECKs cost it (read and planned per statement), and no more.

The expressions are the constraints' own (Django's SQL for the model's CheckConstraints and for
the `version` column's check), and a row is refused when one of them is false, as by a CHECK
(NULL passes). The error is the CHECK's: check_violation (23514), the same message, detail
("Failing row contains (...)", each value clipped at 64 bytes), schema, table and constraint
name, for the first failing row and, in it, the first failing constraint by name (PostgreSQL's
order). What changes is when it is raised: at the end of the statement, after the row's NOT NULL
and unique checks and before its keys' checks, so a row that breaks a check and also a NOT NULL
or a unique key (or, in an UPDATE of several rows, an earlier row's key) is refused for the other
one first (an IntegrityError all the same). And the triggers see only rows that were written: an
`INSERT ... ON CONFLICT DO NOTHING` (`bulk_create(ignore_conflicts=True)`) whose failing row
clashes is skipped without an error (a CHECK refused it first), and `ON CONFLICT DO UPDATE`
checks the row as updated, not the one proposed; no failing row is stored either way, and
nothing in the project writes persons with ON CONFLICT. Writers that turn triggers off
(`session_replication_role = replica`, DISABLE TRIGGER) would skip these checks; nothing in the
project does. The failing row's detail lists the table's columns of this migration: a migration
that adds a column must replace `people_person_check_failed` too.

The model still declares the constraints, so SQLite (and Django's migration state) keep them; a
migration that alters or removes one of them must replace these triggers (Django's
RemoveConstraint would fail here: the constraint is not in the database).
"""

import importlib

from django.db import migrations, models
from django.db.models.sql.query import Query

_KEYS_0004 = importlib.import_module(
    "compatriot.people.migrations.0004_statement_level_foreign_keys"
)
_PROBED_0009 = importlib.import_module(
    "compatriot.people.migrations.0009_key_checks_probe_each_parent"
)

TABLE = "people_person"
_FEW_ROWS = _KEYS_0004._FEW_ROWS
_FOREIGN_KEY_RAISE = "RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation'"
_LOOP = "FOR inserted IN SELECT {columns} FROM new_rows LOOP"
_STORED_CHECKS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = %s::regclass AND contype = 'c' ORDER BY conname
"""
_COLUMNS = """
SELECT attname FROM pg_attribute
WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
"""
# A failing row as ExecBuildSlotValueDescription writes it: each value as text, NULL as null,
# a value of more than 64 bytes clipped to whole characters and followed by "...".
_CLIPPED = """
CREATE FUNCTION compatriot_failing_value(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    kept integer := 64;
BEGIN
    IF value IS NULL THEN
        RETURN 'null';
    END IF;
    IF octet_length(value) <= 64 THEN
        RETURN value;
    END IF;
    WHILE octet_length(left(value, kept)) > 64 LOOP
        kept := kept - 1;
    END LOOP;
    RETURN left(value, kept) || '...';
END
$$;
"""


def _checks(apps, schema_editor, row: str = "") -> list[tuple[str, str]]:
    """The table's CHECK constraints, by name (the order PostgreSQL checks them in), each with
    Django's SQL for it; with `row`, its columns are that row's (`NEW."latitude"`)."""
    model = apps.get_model("people", "Person")
    quote = schema_editor.connection.ops.quote_name
    expected: dict[str, str] = {}
    for field in model._meta.local_concrete_fields:
        check = field.db_check(schema_editor.connection)
        if check:  # PostgreSQL's name for a column's CHECK
            column = quote(field.column)
            expected[f"{TABLE}_{field.column}_check"] = (
                check.replace(column, f"{row}.{column}") if row else check
            )
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            # CheckConstraint._get_check_sql, its columns qualified by the table's name.
            query = Query(model=model, alias_cols=bool(row))
            where = query.build_where(constraint.condition)
            compiler = query.get_compiler(connection=schema_editor.connection)
            sql, params = where.as_sql(compiler, schema_editor.connection)
            sql %= tuple(schema_editor.quote_value(p) for p in params)
            expected[constraint.name] = sql.replace(f"{quote(TABLE)}.", f"{row}.") if row else sql
    return sorted(expected.items())


def _set_check(checks: list[tuple[str, str]], columns: list[str], rows: str = "new_rows") -> str:
    """The first of `rows` for which a check is false, if any: its check_violation."""
    every = " AND ".join(f"({sql})" for _, sql in checks)
    which = " ".join(f"WHEN NOT ({sql}) THEN {n}" for n, (_, sql) in enumerate(checks, 1))
    names = ", ".join(f"'{name}'" for name, _ in checks)
    values = ", ".join(f"compatriot_failing_value({column}::text)" for column in columns)
    return f"""
        SELECT CASE {which} END, concat_ws(', ', {values}) INTO failed, failing
        FROM {rows} WHERE NOT ({every}) LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation',
                MESSAGE = format('new row for relation "{TABLE}" violates check constraint "%s"',
                                 (ARRAY[{names}])[failed]),
                DETAIL = format('Failing row contains (%s).', failing),
                SCHEMA = current_schema, TABLE = '{TABLE}',
                CONSTRAINT = (ARRAY[{names}])[failed];
        END IF;"""  # noqa: S608  constants and the model's SQL


def _failed_sql(checks: list[tuple[str, str]], columns: list[str]) -> str:
    """A row's check_violation, if one of its checks is false (false otherwise): for a query
    over many rows, where a row passes in its scan's filter with `(checks) IS NOT FALSE OR
    people_person_check_failed(row)` and this runs for a failing row only."""
    check = _set_check(checks, columns, rows="(SELECT (failing_row).*) AS new_rows")
    return f"""
CREATE FUNCTION {TABLE}_check_failed(failing_row {TABLE}) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    failed integer;
    failing text;
BEGIN{check}
    RETURN false;
END
$$;
"""


def _inserted_sql(checks: list[tuple[str, str]], columns: list[str]) -> str:
    """Migration 0009's people_person_fk_inserted with the checks: read in its pass over the
    rows (a row's failing check raised before its keys are looked up), and, for more than a
    few rows, in the scan that collects the crisis keys, before the keys' per-set checks. A
    key's violation found in the pass first looks for a later row's failing check, which is
    raised instead, as the CHECK constraints were checked before the keys' statement triggers
    ran."""
    keys = _KEYS_0004._children()[TABLE]
    function = _PROBED_0009._function(TABLE, keys)
    check = _set_check(checks, columns)
    every = " AND ".join(f"({sql})" for _, sql in checks)
    key_columns = ", ".join(column for column, _ in keys)
    many = f"IF seen > {_FEW_ROWS} THEN"
    assert function.count(many) == 1  # noqa: S101  the texts replaced are 0009's own
    head, tail = function.split(many)
    head = head.replace(
        _FOREIGN_KEY_RAISE, f"{check.strip()}\n                {_FOREIGN_KEY_RAISE}"
    )
    # Many rows: the checks in the scan of the rows that collects the first key's values (the
    # crisis's, a NOT NULL column), before any key is looked up: no other pass over the rows.
    first = keys[0][0]
    scan = f"FROM new_rows n WHERE n.{first} IS NOT NULL ORDER BY 1"
    assert tail.count(scan) == 1  # noqa: S101
    tail = tail.replace(
        scan,
        f"FROM new_rows n WHERE n.{first} IS NOT NULL"
        f" AND (({every}) IS NOT FALSE OR {TABLE}_check_failed(n)) ORDER BY 1",
    )
    function = f"{head}{many}{tail}"
    for old, new in (
        (
            _LOOP.format(columns=key_columns),
            _LOOP.format(columns=f"{key_columns}, ({every}) AS checked"),
        ),
        ("    missing text;", "    missing text;\n    failed integer;\n    failing text;"),
        (
            f"EXIT WHEN seen > {_FEW_ROWS};",
            f"EXIT WHEN seen > {_FEW_ROWS};\n        IF NOT inserted.checked THEN{check}\n"
            "        END IF;",
        ),
    ):
        assert function.count(old) == 1, old  # noqa: S101
        function = function.replace(old, new)
    return function


def _updated_sql(checks: list[tuple[str, str]]) -> str:
    """An updated row whose check is false: its check_violation. A row-level trigger whose WHEN
    is the checks (prepared once per statement, as the CHECKs were, and evaluated on each row),
    so that an UPDATE keeps no copy of its rows; its function runs for a failing row only."""
    every = " AND ".join(f"({sql})" for _, sql in checks)
    return f"""
CREATE FUNCTION {TABLE}_checked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM {TABLE}_check_failed(NEW);
    RETURN NULL;
END
$$;
CREATE TRIGGER {TABLE}_checked AFTER UPDATE ON {TABLE}
    FOR EACH ROW WHEN (NOT ({every})) EXECUTE FUNCTION {TABLE}_checked();
"""


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    checks = _checks(apps, schema_editor)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_STORED_CHECKS, [TABLE])
        stored = [name for name, _ in cursor.fetchall()]
        cursor.execute(_COLUMNS, [TABLE])
        columns = [column for (column,) in cursor.fetchall()]
    # The database's checks are the model's, and no other.
    assert stored == [name for name, _ in checks], stored  # noqa: S101
    _KEYS_0004._run(schema_editor, _CLIPPED)
    _KEYS_0004._run(schema_editor, _failed_sql(checks, columns))
    _KEYS_0004._run(schema_editor, _inserted_sql(checks, columns))
    _KEYS_0004._run(schema_editor, f"ALTER FUNCTION {TABLE}_fk_inserted() SET enable_seqscan = off")
    _KEYS_0004._run(schema_editor, _updated_sql(_checks(apps, schema_editor, row="NEW")))
    for name, _ in checks:
        schema_editor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, sql in _checks(apps, schema_editor):
        schema_editor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" CHECK ({sql})')
    _KEYS_0004._run(schema_editor, f"DROP FUNCTION {TABLE}_checked() CASCADE")
    # The person's function only, as 0009 wrote it: rewriting the other tables' too would drop
    # the setting 0012 gave them (CREATE OR REPLACE clears a function's SET options).
    _KEYS_0004._run(schema_editor, _PROBED_0009._function(TABLE, _KEYS_0004._children()[TABLE]))
    _KEYS_0004._run(schema_editor, f"ALTER FUNCTION {TABLE}_fk_inserted() SET enable_seqscan = off")
    _KEYS_0004._run(schema_editor, f"DROP FUNCTION {TABLE}_check_failed({TABLE})")
    _KEYS_0004._run(schema_editor, "DROP FUNCTION compatriot_failing_value(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0013_consent_recorders_brin"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
