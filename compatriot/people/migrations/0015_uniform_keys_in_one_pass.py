"""On PostgreSQL, a statement of many consents or persons (an import's batch) checks the keys
that all its rows share in one pass over the rows: a consent's recording user and organisation
and its withdrawing user, a person's registering organisation and user.

The per-set check of a key (migrations 0004, 0009) collects the statement's distinct keys: one scan
of the inserted rows and one hash look-up per row for each key column, then a probe of each
distinct parent. The rows of an import's batch all carry one recorder, one organisation, one
registering user and no withdrawing user, and these scans cost ~2.5 % of the database's
instructions per imported row for the consents alone (docs/benchmarks.md, branch importpg5). Now
the first row's values are read, one scan tells, for each of these columns, whether every row
carries the same value; such a key needs no other check, since the first rows' loop (migration
0008, kept, run first) has looked that value up in the first row and locked its parent FOR KEY
SHARE, or refused it; a column whose rows differ is checked per distinct parent as before. The keys
distinct per row stay per set: the consents' person, and the person's crisis, whose scan also
checks the person's CHECKs (migration 0014). The first few rows' pass (the API's writes) is
unchanged. Same rows refused, same errors (the missing key named is the one value), the same
parents locked, the columns checked in the same order.
"""

import importlib

from django.db import migrations

_KEYS_0004 = importlib.import_module(
    "compatriot.people.migrations.0004_statement_level_foreign_keys"
)
_PROBED_0009 = importlib.import_module(
    "compatriot.people.migrations.0009_key_checks_probe_each_parent"
)
_CHECKS_0014 = importlib.import_module(
    "compatriot.people.migrations.0014_person_checks_per_statement"
)

_CONSENT = "people_consent"
_PERSON = "people_person"
_DECLARED = "    seen integer := 0;\n"


def _uniform_check(child: str, column: str, parent: str) -> str:
    return f"""
    IF same_{column} THEN
        NULL;  -- the first 16 rows' loop above has checked the first row's value and locked it
    ELSE{_PROBED_0009._probed_set_check(child, column, parent)}
    END IF;"""


def _one_pass(function: str, child: str, shared: list[tuple[str, str]]) -> str:
    """A function of migration 0009's form, the `shared` keys' per-set checks replaced by the
    above."""
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


def _seqscan_off(function: str) -> str:
    """0012's setting (which a CREATE OR REPLACE clears) in the function's own text."""
    return function.replace(
        "RETURNS trigger LANGUAGE plpgsql AS $$",
        "RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $$",
        1,
    )


def _functions(apps, schema_editor) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The consents' and the persons' insert functions as migrations 0012 and 0014 left them,
    each with the keys its rows share."""
    consent_keys = _KEYS_0004._children()[_CONSENT]
    consent = _seqscan_off(_PROBED_0009._function(_CONSENT, consent_keys))
    checks = _CHECKS_0014._checks(apps, schema_editor)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_CHECKS_0014._COLUMNS, [_PERSON])
        columns = [column for (column,) in cursor.fetchall()]
    person = _seqscan_off(_CHECKS_0014._inserted_sql(checks, columns))
    person_keys = _KEYS_0004._children()[_PERSON]
    return [
        (consent, _CONSENT, [key for key in consent_keys if key[1] != _PERSON]),
        # The crisis (the first key) is collected by the scan that checks the CHECKs.
        (person, _PERSON, person_keys[1:]),
    ]


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for function, child, shared in _functions(apps, schema_editor):
        _KEYS_0004._run(schema_editor, _one_pass(function, child, shared))


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for function, _, _ in _functions(apps, schema_editor):
        _KEYS_0004._run(schema_editor, function)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0014_person_checks_per_statement"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
