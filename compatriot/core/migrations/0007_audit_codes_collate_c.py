"""On PostgreSQL, the audit entries' hash and object columns compare bytes (collation "C").

They hold hex digests, model labels and ids, never language: the database's default collation
(a libc locale, even C.UTF-8 on PostgreSQL 15) made every comparison a `strcoll` call, and the
`entry_hash` key, random by nature, compares a 64-character hash at each level of its B-tree on
every append: about 4 µs of the database's CPU per entry of a bulk import (docs/benchmarks.md).
Equality is the same under any deterministic collation; only ORDER BY on these columns could
differ, and nothing orders by them. The model state does not change (SQLite has no "C"
collation); a later AlterField of these columns must keep the collation (see AuditEntry).
"""

from django.db import migrations

TABLE = "core_auditentry"
COLUMNS = (("entry_hash", 64), ("object_type", 60), ("object_id", 64))


def _collate(collation: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        changes = ", ".join(
            f"ALTER COLUMN {column} TYPE varchar({length}) COLLATE {collation}"
            for column, length in COLUMNS
        )
        schema_editor.execute(f"ALTER TABLE {TABLE} {changes}")

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0006_token_viewer_function")]
    operations = [migrations.RunPython(_collate('"C"'), _collate('pg_catalog."default"'))]
