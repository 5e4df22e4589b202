"""On PostgreSQL, the foreign keys of the rows a bulk import writes by the hundred thousand are
checked once per statement instead of once per row.

Django's row-level constraints cost a trigger and an SPI query (`SELECT 1 ... FOR KEY SHARE`) per
inserted row and key: about 12 per imported person, 38-43 % of the database's CPU in an import
(docs/benchmarks.md). They are replaced, for the keys below only, by triggers that keep the same
integrity for every writer (API, admin, ORM, COPY, raw SQL):

- on the child table, AFTER INSERT FOR EACH STATEMENT over the inserted rows (a transition
  table): the parents are locked FOR KEY SHARE, as the row checks lock them, and a key with no
  parent raises foreign_key_violation (23503) naming the table, the column and the value. A
  statement of more than a few rows (an import's batch) counts its distinct keys and locks each
  parent once, in one query per key; a statement of a few rows (the API's) looks each row's
  parent up, which skips the hashing that costs more than it saves on two rows. An UPDATE that
  changes a key is checked row by row (a WHEN clause: other updates cost nothing);
- on the parent table, AFTER DELETE FOR EACH STATEMENT over the deleted rows, AFTER UPDATE of
  its key, and AFTER TRUNCATE: refused while a child row still references it (NO ACTION: Django
  emulates CASCADE and SET_NULL itself, deleting or updating the children first).

Unlike Django's constraints (DEFERRABLE INITIALLY DEFERRED) these checks are immediate: a child
must be inserted after its parent, and a parent deleted after its children, within a
transaction; every writer of these tables already does so. Concurrency, under READ COMMITTED
(the project's only level): a parent deleted by a transaction still running makes the child's
lock wait, then find no row and fail; a child inserted first holds its parent's key-share lock,
so the delete waits, and its check (a new snapshot per statement in PL/pgSQL) then sees the
committed child and fails. Tested with two connections in people/tests/test_foreign_keys.py.

The models still declare these constraints, so SQLite (and Django's migration state) keep them.
Persons' household key (checked late on purpose by the import across connections) and every
other foreign key keep Django's deferred constraints.
"""

from django.conf import settings
from django.db import migrations

# (child table, column, parent table): the parent's key is always "id".
USER = "auth_user"
KEYS = (
    ("people_person", "crisis_id", "core_crisis"),
    ("people_person", "registered_by_id", "core_organisation"),
    ("people_person", "registered_by_user_id", USER),
    ("people_vulnerability", "person_id", "people_person"),
    ("people_need", "person_id", "people_person"),
    ("people_consent", "person_id", "people_person"),
    ("people_consent", "recorded_by_id", USER),
    ("people_consent", "recorded_by_organisation_id", "core_organisation"),
    ("people_consent", "withdrawn_by_id", USER),
)
# The model fields, to recreate Django's constraints when the migration is reversed.
FIELDS = {
    ("people_person", "crisis_id"): ("person", "crisis"),
    ("people_person", "registered_by_id"): ("person", "registered_by"),
    ("people_person", "registered_by_user_id"): ("person", "registered_by_user"),
    ("people_vulnerability", "person_id"): ("vulnerability", "person"),
    ("people_need", "person_id"): ("need", "person"),
    ("people_consent", "person_id"): ("consent", "person"),
    ("people_consent", "recorded_by_id"): ("consent", "recorded_by"),
    ("people_consent", "recorded_by_organisation_id"): ("consent", "recorded_by_organisation"),
    ("people_consent", "withdrawn_by_id"): ("consent", "withdrawn_by"),
}


def _children() -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    for child, column, parent in KEYS:
        tables.setdefault(child, []).append((column, parent))
    return tables


def _parents() -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    for child, column, parent in KEYS:
        tables.setdefault(parent, []).append((child, column))
    return tables


def _violation(message: str, detail: str, table: str, column: str) -> str:
    return (
        f"RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = {message},"
        f" DETAIL = {detail}, TABLE = '{table}', COLUMN = '{column}';"
    )


_FEW_ROWS = 16


def _set_check(child: str, column: str, parent: str) -> str:
    """Many rows: the statement's distinct keys, and how many of them a parent row was found and
    locked for: one scan of the inserted rows and one look-up per distinct parent."""
    missing = (
        f"SELECT n.{column}::text INTO missing FROM new_rows n WHERE n.{column} IS NOT NULL"
        f" AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = n.{column}) LIMIT 1;"
    )
    return f"""
    WITH keys AS MATERIALIZED (
        SELECT DISTINCT n.{column} AS k FROM new_rows n WHERE n.{column} IS NOT NULL
    )
    SELECT (SELECT count(*) FROM keys),
           (SELECT count(*) FROM (SELECT 1 FROM {parent} p WHERE p.id IN (SELECT k FROM keys)
                                  FOR KEY SHARE OF p) AS locked)
    INTO wanted, got;
    IF got <> wanted THEN
        {missing}
        {_insert_violation(child, column, parent, "missing")}
    END IF;"""


def _row_check(child: str, column: str, parent: str) -> str:
    """A few rows: each row's parent looked up by its key and locked FOR KEY SHARE, in one query
    per key; the first row whose parent is missing stops it."""
    return f"""
    SELECT n.{column}::text INTO missing FROM new_rows n
    LEFT JOIN LATERAL (
        SELECT true AS found FROM {parent} p WHERE p.id = n.{column} FOR KEY SHARE OF p
    ) AS parent ON true
    WHERE n.{column} IS NOT NULL AND parent.found IS NULL LIMIT 1;
    IF FOUND THEN
        {_insert_violation(child, column, parent, "missing")}
    END IF;"""


def _insert_violation(child: str, column: str, parent: str, value: str) -> str:
    return _violation(
        f"'insert or update on table \"{child}\" violates foreign key on column \"{column}\"'",
        f"format('Key ({column})=(%s) is not present in table \"{parent}\".', {value})",
        child,
        column,
    )


def _child_sql(child: str, keys: list[tuple[str, str]]) -> str:
    per_set = "".join(_set_check(child, column, parent) for column, parent in keys)
    per_row = "".join(_row_check(child, column, parent) for column, parent in keys)
    rows = f"(SELECT count(*) FROM (SELECT 1 FROM new_rows LIMIT {_FEW_ROWS + 1}) AS few)"
    row_checks = "".join(
        f"""
    IF NEW.{column} IS NOT NULL AND NEW.{column} IS DISTINCT FROM OLD.{column} THEN
        PERFORM 1 FROM {parent} p WHERE p.id = NEW.{column} FOR KEY SHARE OF p;
        IF NOT FOUND THEN
            {_insert_violation(child, column, parent, f"NEW.{column}")}
        END IF;
    END IF;"""
        for column, parent in keys
    )
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column, _ in keys)
    columns = ", ".join(column for column, _ in keys)
    return f"""
CREATE FUNCTION {child}_fk_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    got bigint;
    missing text;
BEGIN
    -- Many rows (an import's batch): each distinct parent once. A few (the API's writes): each
    -- row's parent, without the hashing that costs more than it saves on a few rows.
    IF {rows} > {_FEW_ROWS} THEN{per_set}
    ELSE{per_row}
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER {child}_fk_inserted AFTER INSERT ON {child}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {child}_fk_inserted();
CREATE FUNCTION {child}_fk_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{row_checks}
    RETURN NULL;
END
$$;
CREATE TRIGGER {child}_fk_updated AFTER UPDATE OF {columns} ON {child}
    FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {child}_fk_updated();
"""


def _referenced_violation(parent: str, child: str, column: str, value: str) -> str:
    return _violation(
        f"'update or delete on table \"{parent}\" violates foreign key on column \"{column}\""
        f" of table \"{child}\"'",
        f"format('Key (id)=(%s) is still referenced from table \"{child}\".', {value})",
        child,
        column,
    )


def _parent_sql(parent: str, children: list[tuple[str, str]]) -> str:
    deleted = "".join(
        f"""
    SELECT c.{column}::text INTO referenced FROM {child} c
    WHERE c.{column} IN (SELECT o.id FROM old_rows o) LIMIT 1;
    IF FOUND THEN
        {_referenced_violation(parent, child, column, "referenced")}
    END IF;"""
        for child, column in children
    )
    rekeyed = "".join(
        f"""
    IF EXISTS (SELECT 1 FROM {child} c WHERE c.{column} = OLD.id) THEN
        {_referenced_violation(parent, child, column, "OLD.id")}
    END IF;"""
        for child, column in children
    )
    # TRUNCATE of several tables at once runs the AFTER TRUNCATE triggers once all are empty:
    # truncating the children with their parent passes, truncating the parent alone does not.
    truncated = "".join(
        f"""
    IF EXISTS (SELECT 1 FROM {child} c WHERE c.{column} IS NOT NULL) THEN
        {_referenced_violation(parent, child, column, "'any'")}
    END IF;"""
        for child, column in children
    )
    return f"""
CREATE FUNCTION {parent}_fk_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    referenced text;
BEGIN{deleted}
    RETURN NULL;
END
$$;
CREATE TRIGGER {parent}_fk_deleted AFTER DELETE ON {parent}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {parent}_fk_deleted();
CREATE FUNCTION {parent}_fk_rekeyed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{rekeyed}
    RETURN NULL;
END
$$;
CREATE TRIGGER {parent}_fk_rekeyed AFTER UPDATE OF id ON {parent}
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION {parent}_fk_rekeyed();
CREATE FUNCTION {parent}_fk_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{truncated}
    RETURN NULL;
END
$$;
CREATE TRIGGER {parent}_fk_truncated AFTER TRUNCATE ON {parent}
    FOR EACH STATEMENT EXECUTE FUNCTION {parent}_fk_truncated();
"""


def _drop_sql() -> str:
    functions = [
        *(f"{child}_fk_{event}" for child in _children() for event in ("inserted", "updated")),
        *(
            f"{parent}_fk_{event}"
            for parent in _parents()
            for event in ("deleted", "rekeyed", "truncated")
        ),
    ]
    # Dropping a function with CASCADE drops its trigger.
    return "".join(f"DROP FUNCTION IF EXISTS {name}() CASCADE;\n" for name in functions)


_FOREIGN_KEY_NAMES = """
SELECT c.conname FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s
"""


def _run(schema_editor, sql: str) -> None:
    # Without parameters: the functions' format() strings hold %s placeholders of their own.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def _check(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    assert apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table == USER  # noqa: S101
    with schema_editor.connection.cursor() as cursor:
        for child, column, _ in KEYS:
            cursor.execute(_FOREIGN_KEY_NAMES, [child, column])
            for (name,) in cursor.fetchall():
                schema_editor.execute(f'ALTER TABLE {child} DROP CONSTRAINT "{name}"')
    for child, keys in _children().items():
        _run(schema_editor, _child_sql(child, keys))
    for parent, children in _parents().items():
        _run(schema_editor, _parent_sql(parent, children))


def _uncheck(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    _run(schema_editor, _drop_sql())
    for (model_name, field_name) in FIELDS.values():
        model = apps.get_model("people", model_name)
        field = model._meta.get_field(field_name)
        schema_editor.execute(
            schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_entry_hash_without_like_index"),
        ("people", "0003_fewer_redundant_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [migrations.RunPython(_check, _uncheck)]
