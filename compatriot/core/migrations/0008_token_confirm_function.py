"""A PostgreSQL function that confirms, inside a write's own transaction, that a bearer token
still stands for the viewer this process last found for it (core/claims.py). It re-checks what
`compatriot_token_viewer` (0006) reads: the token is not revoked nor expired, its user is active,
its membership is active, and the token, user, organisation, organisation kind, role and superuser
flag are the ones claimed. Otherwise it raises SQLSTATE CPT01, so that the whole simple query
that carries the write is refused and nothing of it is stored."""

from django.conf import settings
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION compatriot_token_confirm(
    p_key_hash varchar,
    p_token_id {token}.id%TYPE,
    p_user_id {token}.user_id%TYPE,
    p_organisation_id {token}.organisation_id%TYPE,
    p_organisation_kind {organisation}.kind%TYPE,
    p_user_is_superuser {user}.is_superuser%TYPE,
    p_role {membership}.role%TYPE,
    p_now timestamptz
)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM 1
    FROM {token} t
    JOIN {user} u ON u.id = t.user_id
    JOIN {organisation} o ON o.id = t.organisation_id
    JOIN {membership} m
      ON m.user_id = t.user_id AND m.organisation_id = t.organisation_id AND m.is_active
    WHERE t.key_hash = p_key_hash AND t.revoked_at IS NULL AND u.is_active
      AND (t.expires_at IS NULL OR t.expires_at > p_now)
      AND t.id = p_token_id AND t.user_id = p_user_id AND t.organisation_id = p_organisation_id
      AND o.kind = p_organisation_kind AND u.is_superuser = p_user_is_superuser
      AND m.role = p_role;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'bearer token no longer as claimed' USING ERRCODE = 'CPT01';
    END IF;
END
$$;
"""
DROP = """DROP FUNCTION IF EXISTS compatriot_token_confirm(
    varchar, uuid, integer, uuid, varchar, boolean, varchar, timestamptz
);"""


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
        ("core", "0007_audit_codes_collate_c"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [migrations.RunPython(create, drop)]
