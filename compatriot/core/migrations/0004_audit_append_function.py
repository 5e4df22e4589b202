"""A PostgreSQL function that appends one audit entry in one round trip: it takes the chain's
advisory lock, reads the last hash, and inserts the entry with its SHA-256 computed here over the
canonical JSON that core/audit.py prepares (everything but the previous hash). The chain lock is
then held for this one statement and the commit (see core/audit.py and ADR 0002)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION compatriot_audit_append(
    lock_key bigint,
    p_at timestamptz,
    p_actor_user_id integer,
    p_actor_organisation_id uuid,
    p_action varchar,
    p_object_type varchar,
    p_object_id varchar,
    p_purpose varchar,
    p_details jsonb,
    p_digest_prefix text
) RETURNS TABLE (entry_id bigint, entry_previous_hash varchar, entry_entry_hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    previous varchar;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    previous := COALESCE(
        (SELECT e.entry_hash FROM core_auditentry e ORDER BY e.id DESC LIMIT 1), repeat('0', 64)
    );
    RETURN QUERY
    INSERT INTO core_auditentry AS e (
        at, actor_user_id, actor_organisation_id, action, object_type, object_id, purpose,
        details, previous_hash, entry_hash
    ) VALUES (
        p_at, p_actor_user_id, p_actor_organisation_id, p_action, p_object_type, p_object_id,
        p_purpose, p_details, previous,
        encode(sha256(convert_to(p_digest_prefix || to_json(previous)::text || ']', 'UTF8')), 'hex')
    )
    RETURNING e.id, e.previous_hash, e.entry_hash;
END
$$;
"""
DROP = (
    "DROP FUNCTION IF EXISTS compatriot_audit_append("
    "bigint, timestamptz, integer, uuid, varchar, varchar, varchar, varchar, jsonb, text);"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_tail_function")]
    operations = [migrations.RunPython(create, drop)]
