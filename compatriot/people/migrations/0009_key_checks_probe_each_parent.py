"""On PostgreSQL, a statement of many rows (an import's batch) has each distinct parent looked up
by its key, whatever plan the session cached when the parent table was small.

Migration 0004's per-set check locked `parent WHERE id IN (SELECT k FROM keys)`. PL/pgSQL plans a
query without parameters once per session and keeps the plan; the import's writer connections
plan it on their first batch, when the persons table holds that batch alone, and a hash semi-join
over a sequential scan of the table is then the cheaper plan. Every later batch kept it: each
details statement read the whole persons table (8.8 million tuples over a 236,414-row import,
growing with the square of the import; docs/benchmarks.md, branch importpg3). Now each distinct
key probes its parent through a LATERAL subquery that locks it: a subquery with FOR KEY SHARE is
never flattened into a join, so the plan is a nested loop over the keys with a probe of the
parent's primary key per key, as the few-rows path and Django's row checks do. The keys are
already distinct, so the IN's second de-duplication goes too, and they are probed in key order
(neighbouring keys share the index's pages). Same rows locked, same errors, same counts; only
the plan and the order of the locks change.
"""

import importlib

from django.db import migrations

_KEYS_0004 = importlib.import_module("compatriot.people.migrations.0004_statement_level_foreign_keys")
_ONE_PASS_0008 = importlib.import_module("compatriot.people.migrations.0008_few_rows_keys_in_one_pass")


def _probed_set_check(child: str, column: str, parent: str) -> str:
    """Many rows: the statement's distinct keys, each parent probed and locked once."""
    missing = (
        f"SELECT n.{column}::text INTO missing FROM new_rows n WHERE n.{column} IS NOT NULL"
        f" AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = n.{column}) LIMIT 1;"
    )
    return f"""
    WITH keys AS MATERIALIZED (
        SELECT DISTINCT n.{column} AS k FROM new_rows n WHERE n.{column} IS NOT NULL ORDER BY 1
    )
    SELECT (SELECT count(*) FROM keys),
           (SELECT count(*) FROM keys CROSS JOIN LATERAL (
                SELECT 1 FROM {parent} p WHERE p.id = keys.k FOR KEY SHARE OF p) AS locked)
    INTO wanted, got;
    IF got <> wanted THEN
        {missing}
        {_KEYS_0004._insert_violation(child, column, parent, "missing")}
    END IF;"""


def _function(child: str, keys: list[tuple[str, str]]) -> str:
    """Migration 0008's function with the per-set checks above in place of 0004's."""
    function = _ONE_PASS_0008._one_pass(child, keys)
    for column, parent in keys:
        old = _KEYS_0004._set_check(child, column, parent)
        assert function.count(old) == 1  # noqa: S101  the text replaced is 0008's own
        function = function.replace(old, _probed_set_check(child, column, parent))
    return function


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for child, keys in _KEYS_0004._children().items():
        _KEYS_0004._run(schema_editor, _function(child, keys))


def backwards(apps, schema_editor) -> None:
    _ONE_PASS_0008.forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0008_few_rows_keys_in_one_pass"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
