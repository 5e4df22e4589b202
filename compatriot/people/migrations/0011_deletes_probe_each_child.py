"""On PostgreSQL, a statement that deletes persons (or crises, organisations, users) has each
deleted row's children looked up by the index of their key, whatever plan the session cached when
the children's tables were small.

Migration 0004's AFTER DELETE check asked `child WHERE column IN (SELECT id FROM old_rows)`.
PL/pgSQL plans a query without parameters once per session and keeps the plan; planned while the
child table is small, it is a hash semi-join over a sequential scan of the child, and every later
delete of the session read the whole child table (the defect migration 0009 fixed on the
inserting side; docs/benchmarks.md, branch fkdel). Now each deleted row probes each child through
a LATERAL subquery with LIMIT 1, which is never flattened into a join: a nested loop over the
deleted rows, one look-up per row. That alone still lets a plan made on a table of a page or two
(an analysed small table) read the child sequentially once per deleted row, so the function runs
with sequential scans disabled: every child column it probes has an index whose leading column it
is (migration 0006 left one partial, `WHERE ... IS NOT NULL`, which an equality implies). The
per-row check of a key update (`_fk_rekeyed`, planned with its parameter but cached as a generic
plan after five calls) gets the same setting. Same rows refused, same errors; when several deleted
rows are referenced, the one named is the first deleted, where it was the first the plan met.
"""

import importlib

from django.db import migrations

_KEYS_0004 = importlib.import_module("compatriot.people.migrations.0004_statement_level_foreign_keys")


def _probing(parent: str, children: list[tuple[str, str]]) -> str:
    checks = "".join(
        f"""
    SELECT o.id::text INTO referenced FROM old_rows o
    CROSS JOIN LATERAL (SELECT FROM {child} c WHERE c.{column} = o.id LIMIT 1) AS child LIMIT 1;
    IF FOUND THEN
        {_KEYS_0004._referenced_violation(parent, child, column, "referenced")}
    END IF;"""
        for child, column in children
    )
    return f"""
CREATE OR REPLACE FUNCTION {parent}_fk_deleted() RETURNS trigger LANGUAGE plpgsql
SET enable_seqscan = off AS $$
DECLARE
    referenced text;
BEGIN{checks}
    RETURN NULL;
END
$$;
ALTER FUNCTION {parent}_fk_rekeyed() SET enable_seqscan = off;
"""


def _scanning(parent: str, children: list[tuple[str, str]]) -> str:
    """Migration 0004's functions, for the way back: its delete check, cut from its own text."""
    created = _KEYS_0004._parent_sql(parent, children)
    start = created.index(f"CREATE FUNCTION {parent}_fk_deleted()")
    end = created.index(f"CREATE TRIGGER {parent}_fk_deleted")
    function = created[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    return f"{function}ALTER FUNCTION {parent}_fk_rekeyed() RESET enable_seqscan;\n"


def _replace(schema_editor, function) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for parent, children in _KEYS_0004._parents().items():
        _KEYS_0004._run(schema_editor, function(parent, children))


def forwards(apps, schema_editor) -> None:
    _replace(schema_editor, _probing)


def backwards(apps, schema_editor) -> None:
    _replace(schema_editor, _scanning)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0010_insert_functions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
