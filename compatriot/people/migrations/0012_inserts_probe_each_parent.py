"""On PostgreSQL, the checks of a child row's keys (`{child}_fk_inserted`, migrations 0008 and
0009) look each parent up by its primary key whatever the costs when the session planned them.

PL/pgSQL keeps each check's plan for the session. Made while a parent table was analysed at a
page or two, the few-rows check's per-row look-up (and the LATERAL probe of many rows', once per
key) is a sequential scan, which every later insert of the session repeated as the table grew:
a 20-row insert of needs read every person 17 times (docs/benchmarks.md, branch fkdel). The
functions now run with sequential scans disabled, as migration 0011 did for the delete checks:
every parent they probe is looked up by its primary key, and the setting costs ~0.75 µs per
statement (a function's SET is saved and restored around each call). Same rows, same errors.
"""

import importlib

from django.db import migrations

_KEYS_0004 = importlib.import_module("compatriot.people.migrations.0004_statement_level_foreign_keys")


def _set(setting: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for child in _KEYS_0004._children():
            _KEYS_0004._run(schema_editor, f"ALTER FUNCTION {child}_fk_inserted() {setting};")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0011_deletes_probe_each_child"),
    ]

    operations = [
        migrations.RunPython(_set("SET enable_seqscan = off"), _set("RESET enable_seqscan"))
    ]
