"""A PostgreSQL function for tracing's check after every registration (tracing/tasks.py
`active_request_statement`: is there an active request in the crisis?). It runs the same query;
only, PL/pgSQL keeps the plan of its query for the connection's life, whereas the query sent as
text was parsed and planned on every API write, which cost the backend about 120 µs per write,
more than running it (docs/benchmarks.md, "the lead: tracing's check as a function"). It reads
the table afresh on every call; the statuses that count as active are passed by the caller, so
that the model stays their one definition."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION compatriot_tracing_active(p_crisis_id uuid, p_statuses text[])
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (
        SELECT FROM {request} WHERE {crisis} = p_crisis_id AND {status} = ANY (p_statuses)
    );
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS compatriot_tracing_active(uuid, text[]);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.connection.ops.quote_name
    meta = apps.get_model("tracing", "TracingRequest")._meta
    sql = CREATE.format(
        request=quote(meta.db_table),
        crisis=quote(meta.get_field("crisis").column),
        status=quote(meta.get_field("status").column),
    )
    schema_editor.execute(sql, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("tracing", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
