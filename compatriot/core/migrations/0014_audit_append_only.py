"""The audit log append-only in the database itself, not by convention only (ADR 0002).

Triggers refuse every UPDATE and DELETE of `core_auditentry` rows (and, on PostgreSQL, a
TRUNCATE of the table) with an integrity error naming the table, unless the transaction has
entered the log's maintenance path, `compatriot.core.audit.audit_maintenance()`:

- PostgreSQL: a row-level BEFORE UPDATE OR DELETE trigger and a statement-level BEFORE TRUNCATE
  trigger call `compatriot_audit_append_only()`, which lets the change through only while the
  transaction-local setting `compatriot.audit_maintenance` is 'on' (`SET LOCAL`, or
  `set_config(..., true)`: it ends with the transaction, or with the savepoint rolled back).
- SQLite: BEFORE UPDATE and BEFORE DELETE triggers `RAISE(ABORT, ...)` unless the one-row table
  `compatriot_audit_maintenance` holds its row. A trigger cannot read a TEMP table, so the row is
  a real one: the maintenance path inserts it and deletes it again inside one transaction, and
  SQLite's one writer at a time means no other connection sees it (an aborted transaction rolls
  it back with everything else). SQLite has no TRUNCATE: `DELETE FROM` runs the triggers.

Why not "only the chained columns": every column but `id` is covered by the entry's hash, and
`id` is the chain's order, so there is no column an UPDATE may change. Why a maintenance path at
all: nothing in the application updates or deletes entries (no foreign key leads to or from the
table, actors are plain ids, the importer and the API only insert), but `manage.py flush`
(Django's TransactionTestCase empties the database with it after each test: TRUNCATE on
PostgreSQL, DELETE on SQLite) does, and a future retention or erasure job will: they run in
`audit_maintenance()` (core's `flush` command does). The triggers fire on UPDATE, DELETE and
TRUNCATE only: the append (INSERT, and the import's COPY) pays nothing.

This stops the application (a stray `save()`, `delete()`, a bulk update, the admin) from
altering the log; it does not stop whoever holds the database's credentials, who may set the
setting or drop the triggers: against that, `compatriot audit verify` and anchoring the chain's
head elsewhere (ADR 0002). On SQLite, Django's AlterField of `AuditEntry` rebuilds the table and
drops these triggers: such a migration must create them again (core/tests/test_audit_append_only.py
fails otherwise).
"""

from django.db import migrations

TABLE = "core_auditentry"
REFUSED = f"{TABLE} is append-only (ADR 0002)"

POSTGRESQL = f"""
CREATE FUNCTION compatriot_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('compatriot.audit_maintenance', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;  -- NULL for TRUNCATE, a statement-level trigger whose result is ignored
    END IF;
    RAISE EXCEPTION '{REFUSED}: % refused', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Entries are only appended; maintenance runs in '
                     'compatriot.core.audit.audit_maintenance() (docs/operations.md).';
END
$$;
CREATE TRIGGER {TABLE}_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION compatriot_audit_append_only();
CREATE TRIGGER {TABLE}_append_only_truncate
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION compatriot_audit_append_only();
"""
POSTGRESQL_BACK = f"""
DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};
DROP TRIGGER IF EXISTS {TABLE}_append_only_truncate ON {TABLE};
DROP FUNCTION IF EXISTS compatriot_audit_append_only();
"""

SQLITE_FLAG = "compatriot_audit_maintenance"
SQLITE = [
    f"CREATE TABLE {SQLITE_FLAG} (only_row integer PRIMARY KEY CHECK (only_row = 1))",
    *(
        f"""CREATE TRIGGER {TABLE}_append_only_{operation.lower()}
    BEFORE {operation} ON {TABLE}
    WHEN NOT EXISTS (SELECT 1 FROM {SQLITE_FLAG})
BEGIN
    SELECT RAISE(ABORT, '{REFUSED}: {operation} refused');
END"""
        for operation in ("UPDATE", "DELETE")
    ),
]
SQLITE_BACK = [
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only_update",
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only_delete",
    f"DROP TABLE IF EXISTS {SQLITE_FLAG}",
]


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def create(apps, schema_editor):
    _run(schema_editor, {"postgresql": [POSTGRESQL], "sqlite": SQLITE})


def drop(apps, schema_editor):
    _run(schema_editor, {"postgresql": [POSTGRESQL_BACK], "sqlite": SQLITE_BACK})


class Migration(migrations.Migration):
    dependencies = [("core", "0013_audit_tail_by_index")]
    operations = [migrations.RunPython(create, drop)]
