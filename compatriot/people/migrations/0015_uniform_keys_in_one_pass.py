"""On PostgreSQL, a statement of many consents (an import's batch) checks the keys that all its
rows share (the recording user and organisation, the withdrawing user) in one pass over the rows.

The per-set check of a key (migrations 0004, 0009) collects the statement's distinct keys: one
scan of the inserted rows and one hash look-up per row for each key column, then a probe of each
distinct parent. The consents of an import's batch all carry one recorder, one organisation and
no withdrawing user, and the three scans cost ~2.4 % of the database's instructions per imported
row (docs/benchmarks.md, branch importpg5). Now the first row's values are read, one scan tells,
for each of these columns, whether every row carries the same value; such a key is checked by one
probe of its parent (locked FOR KEY SHARE, as before), and a column whose rows differ is checked
per distinct parent as before. The person key, distinct per person, keeps its per-set check.
Same rows refused, same errors (the missing key named is the one value), same parents locked,
in the same order of columns.
"""

import importlib

from django.db import migrations

_KEYS_0004 = importlib.import_module(
    "compatriot.people.migrations.0004_statement_level_foreign_keys"
)
_PROBED_0009 = importlib.import_module(
    "compatriot.people.migrations.0009_key_checks_probe_each_parent"
)

# The child whose shared keys are read in one pass; its other key (the person) stays per set.
_CHILD = "people_consent"
_SPREAD = "people_person"
_DECLARED = "    seen integer := 0;\n"


def _uniform_check(child: str, column: str, parent: str) -> str:
    violation = _KEYS_0004._insert_violation(child, column, parent, f"one_{column}")
    return f"""
    IF same_{column} THEN
        IF one_{column} IS NOT NULL THEN
            PERFORM FROM {parent} p WHERE p.id = one_{column} FOR KEY SHARE OF p;
            IF NOT FOUND THEN
                {violation}
            END IF;
        END IF;
    ELSE{_PROBED_0009._probed_set_check(child, column, parent)}
    END IF;"""


def _one_pass(child: str, keys: list[tuple[str, str]]) -> str:
    """Migration 0009's function, its shared keys' per-set checks replaced by the above."""
    shared = [(column, parent) for column, parent in keys if parent != _SPREAD]
    function = _probing(child, keys)
    names = ", ".join(column for column, _ in shared)
    firsts = ", ".join(f"one_{column}" for column, _ in shared)
    same = ", ".join(
        f"bool_and(n.{column} IS NOT DISTINCT FROM one_{column})" for column, _ in shared
    )
    sames = ", ".join(f"same_{column}" for column, _ in shared)
    # The rows' first values, then one scan: does every row carry them?
    passes = f"""
    SELECT {names} INTO {firsts} FROM new_rows LIMIT 1;
    SELECT {same} INTO {sames} FROM new_rows n;"""  # noqa: S608  the model's columns
    for index, (column, parent) in enumerate(shared):
        old = _PROBED_0009._probed_set_check(child, column, parent)
        assert function.count(old) == 1  # noqa: S101  the text replaced is 0009's own
        new = _uniform_check(child, column, parent)
        function = function.replace(old, passes + new if index == 0 else new)
    declared = "".join(
        f"    one_{column} {child}.{column}%TYPE;\n    same_{column} boolean;\n"
        for column, _ in shared
    )
    assert function.count(_DECLARED) == 1  # noqa: S101
    return function.replace(_DECLARED, _DECLARED + declared)


def _probing(child: str, keys: list[tuple[str, str]]) -> str:
    """Migration 0009's function with 0012's setting (which a CREATE OR REPLACE clears)."""
    return _PROBED_0009._function(child, keys).replace(
        "RETURNS trigger LANGUAGE plpgsql AS $$",
        "RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $$",
        1,
    )


def _replace(schema_editor, function) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    _KEYS_0004._run(schema_editor, function(_CHILD, _KEYS_0004._children()[_CHILD]))


def forwards(apps, schema_editor) -> None:
    _replace(schema_editor, _one_pass)


def backwards(apps, schema_editor) -> None:
    _replace(schema_editor, _probing)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0014_person_checks_per_statement"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
