"""On PostgreSQL, the key checks of a statement of a few rows (the API's one-row INSERTs) read
the inserted rows once, instead of counting them first and then querying them once per key.

Migration 0004's AFTER INSERT trigger functions first counted the inserted rows (up to 17), then,
for a few rows, ran one query per key over them. Each query a PL/pgSQL function runs costs the
backend about 20-25 µs (a snapshot, the executor's set-up); for the API's write that is 3.5
queries per statement and about 110 µs of the database's CPU per write in all
(docs/benchmarks.md, branch apipg). Now one loop reads the inserted rows, counting them as it
goes, and looks each row's parents up and locks them FOR KEY SHARE (the plan of Django's
row-level check); at the 17th row it stops and the statement is checked per distinct parent, as
before. So a statement of more than a few rows (an import's batch) has at most its first 16
rows' parents looked up once more, beside the same per-set checks as before; the per-row errors,
their order by key, the locks and every other trigger are unchanged.
"""

import importlib

from django.db import migrations

_KEYS_0004 = importlib.import_module("compatriot.people.migrations.0004_statement_level_foreign_keys")
_FEW_ROWS = _KEYS_0004._FEW_ROWS


def _row_checks(child: str, keys: list[tuple[str, str]]) -> str:
    return "".join(
        f"""
        IF inserted.{column} IS NOT NULL THEN
            PERFORM FROM {parent} p WHERE p.id = inserted.{column} FOR KEY SHARE OF p;
            IF NOT FOUND THEN
                {_KEYS_0004._insert_violation(child, column, parent, f"inserted.{column}")}
            END IF;
        END IF;"""
        for column, parent in keys
    )


def _one_pass(child: str, keys: list[tuple[str, str]]) -> str:
    per_set = "".join(_KEYS_0004._set_check(child, column, parent) for column, parent in keys)
    columns = ", ".join(column for column, _ in keys)
    return f"""
CREATE OR REPLACE FUNCTION {child}_fk_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    got bigint;
    missing text;
    inserted record;
    seen integer := 0;
BEGIN
    -- A few rows (the API's writes): each row's parents, in the one pass that counts them. More
    -- (an import's batch): each distinct parent once, over the whole statement.
    FOR inserted IN SELECT {columns} FROM new_rows LOOP
        seen := seen + 1;
        EXIT WHEN seen > {_FEW_ROWS};{_row_checks(child, keys)}
    END LOOP;
    IF seen > {_FEW_ROWS} THEN{per_set}
    END IF;
    RETURN NULL;
END
$$;
"""


def _counted_first(child: str, keys: list[tuple[str, str]]) -> str:
    """Migration 0004's function, for the way back."""
    per_set = "".join(_KEYS_0004._set_check(child, column, parent) for column, parent in keys)
    per_row = "".join(_KEYS_0004._row_check(child, column, parent) for column, parent in keys)
    rows = f"(SELECT count(*) FROM (SELECT 1 FROM new_rows LIMIT {_FEW_ROWS + 1}) AS few)"
    return f"""
CREATE OR REPLACE FUNCTION {child}_fk_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""


def _replace(schema_editor, function) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for child, keys in _KEYS_0004._children().items():
        _KEYS_0004._run(schema_editor, function(child, keys))


def forwards(apps, schema_editor) -> None:
    _replace(schema_editor, _one_pass)


def backwards(apps, schema_editor) -> None:
    _replace(schema_editor, _counted_first)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_nationality_not_indexed"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
