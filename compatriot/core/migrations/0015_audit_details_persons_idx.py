"""The entries naming several persons (details.persons: a household's read, a candidate pair's)
indexed for a person's history (PostgreSQL).

`core.selectors.audit_history` finds a person's entries by the object index, by the partial
index on details.person (0009) and now by `details -> 'persons' @> '["<id>"]'`: without an
index for that arm PostgreSQL would walk the whole chain for every person page, as before 0009.
A GIN index (jsonb_path_ops: containment only, the smaller kind), partial like 0009's: only the
entries that have the key write anything in it, so the import and the API's writes pay nothing.
Not in the model state: SQLite has no GIN index (its arm is a LIKE over the list's text).
"""

from django.db import migrations

CREATE = """
CREATE INDEX audit_details_persons_idx ON core_auditentry
    USING gin ((details -> 'persons') jsonb_path_ops) WHERE details ? 'persons';
"""
DROP = "DROP INDEX IF EXISTS audit_details_persons_idx;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0014_audit_append_only")]
    operations = [migrations.RunPython(create, drop)]
