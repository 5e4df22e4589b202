"""On PostgreSQL, functions that run the INSERTs of the API's write (a person and its
vulnerabilities, needs and consents) with the same columns, in the same order, as the INSERT
Django would send (core/statements.py): `SELECT compatriot_insert_person(<the INSERT's values>)`.

An INSERT sent as text is parsed, analysed and planned anew by every write, which cost the backend
more CPU than running it; PL/pgSQL keeps the plan of its INSERT for the connection's life
(docs/benchmarks.md, branch apipg3). The row, its defaults (every column is given), the checks,
the triggers (the keys' statement triggers run at the end of the function's INSERT, as at the end
of the sent one; the deferred keys at commit) and the errors (SQLSTATE, message, detail,
constraint) are those of the INSERT itself. An argument takes its column's type without its
length: a text too long for its column is refused by the INSERT, with the same error.

people/tests/test_insert_functions.py checks that each function's arguments are the model's
columns in the order Python sends them: a migration that changes one of these tables' columns
must replace its function.
"""

from django.db import migrations

FUNCTIONS = {
    "compatriot_insert_person": (
        "people_person",
        [
            "id", "crisis_id", "registered_by_id", "registered_by_user_id", "source",
            "source_record_id", "given_name", "family_name", "given_name_latin",
            "family_name_latin", "search_text", "sex", "birth_date", "birth_date_precision",
            "nationality", "nationalities", "languages", "phones", "email", "country",
            "admin_area", "place_name", "latitude", "longitude", "journey_stage", "category",
            "household_id", "relationship", "merged_into_id", "version", "created_at",
            "updated_at",
        ],
    ),
    "compatriot_insert_vulnerability": (
        "people_vulnerability",
        ["id", "person_id", "code", "note", "recorded_at"],
    ),
    "compatriot_insert_need": (
        "people_need",
        ["id", "person_id", "category", "urgency", "status", "details", "created_at", "updated_at"],
    ),
    "compatriot_insert_consent": (
        "people_consent",
        [
            "id", "person_id", "scope", "partner_kinds", "method", "given_at", "recorded_by_id",
            "recorded_by_organisation_id", "withdrawn_at", "withdrawn_by_id",
        ],
    ),
}  # fmt: skip


def _create(function: str, table: str, columns: list[str]) -> str:
    arguments = ", ".join(f"p_{column} {table}.{column}%TYPE" for column in columns)
    return f"""
CREATE FUNCTION {function}({arguments})
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {table} ({", ".join(columns)})
    VALUES ({", ".join(f"p_{column}" for column in columns)});
END
$$;
"""


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for function, (table, columns) in FUNCTIONS.items():
        schema_editor.execute(_create(function, table, columns), params=None)


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for function in FUNCTIONS:
            # Its one signature, whatever the columns' types: by name.
            cursor.execute(
                "SELECT oid::regprocedure::text FROM pg_proc WHERE proname = %s", [function]
            )
            for (signature,) in cursor.fetchall():
                schema_editor.execute(f"DROP FUNCTION {signature}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0009_key_checks_probe_each_parent"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
