"""On PostgreSQL, persons' source record id and code columns compare bytes (collation "C").

They hold identifiers and ASCII codes, never language: the database's default collation (a libc
locale, even C.UTF-8 on PostgreSQL 15) made every comparison in their indexes a `strcoll` call,
about 3 µs of the database's CPU per person a bulk import inserts (the `(registered_by,
source_record_id)` key and the country, nationality and journey stage indexes;
docs/benchmarks.md). Equality is the same under any deterministic collation. Order differs only
from a linguistic collation, for ORDER BY source_record_id (the export's tie-break after
`created_at`); under C.UTF-8 it is the same code-point order. The model state does not change
(SQLite has no "C" collation); a later AlterField of these columns must keep the collation.
"""

from django.db import migrations

TABLE = "people_person"
COLUMNS = (("source_record_id", 100), ("country", 2), ("nationality", 2), ("journey_stage", 20))


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
    dependencies = [("people", "0004_statement_level_foreign_keys")]
    operations = [migrations.RunPython(_collate('"C"'), _collate('pg_catalog."default"'))]
