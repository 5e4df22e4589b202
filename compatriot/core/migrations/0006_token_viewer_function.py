"""A PostgreSQL function for the bearer-token look-up that every API request makes
(core/selectors.py `viewer_for_token`). It runs the same query; only, PL/pgSQL keeps the plan of
its query for the connection's life, whereas the query sent as text was parsed and planned on every
request (a four-table join: planning cost the backend more than running it, ~0.4 ms of ~0.5 ms
measured, see docs/benchmarks.md). It reads the rows afresh on every call: a revoked token, an
expired one, or a deactivated user or membership is refused at once, as before."""

from django.conf import settings
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION compatriot_token_viewer(p_key_hash varchar)
RETURNS TABLE (
    token_id {token}.id%TYPE,
    token_user_id {token}.user_id%TYPE,
    token_organisation_id {token}.organisation_id%TYPE,
    token_expires_at {token}.expires_at%TYPE,
    token_last_used_at {token}.last_used_at%TYPE,
    organisation_kind {organisation}.kind%TYPE,
    user_is_superuser {user}.is_superuser%TYPE,
    membership_role {membership}.role%TYPE
)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT t.id, t.user_id, t.organisation_id, t.expires_at, t.last_used_at,
           o.kind, u.is_superuser, m.role
    FROM {token} t
    JOIN {user} u ON u.id = t.user_id
    JOIN {organisation} o ON o.id = t.organisation_id
    JOIN {membership} m
      ON m.user_id = t.user_id AND m.organisation_id = t.organisation_id AND m.is_active
    WHERE t.key_hash = p_key_hash AND t.revoked_at IS NULL AND u.is_active;
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS compatriot_token_viewer(varchar);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.connection.ops.quote_name
    tables = {
        "token": apps.get_model("core", "ApiToken")._meta.db_table,
        "user": apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table,
        "organisation": apps.get_model("core", "Organisation")._meta.db_table,
        "membership": apps.get_model("core", "Membership")._meta.db_table,
    }
    sql = CREATE.format(**{key: quote(name) for key, name in tables.items()})
    schema_editor.execute(sql, params=None)  # no placeholders: its % signs are %TYPE


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_entry_hash_without_like_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [migrations.RunPython(create, drop)]
