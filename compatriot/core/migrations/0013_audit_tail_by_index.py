"""The audit chain's tail read by its index whatever the statistics (PostgreSQL;
docs/benchmarks.md, branch apipg5).

`compatriot_audit_entry` (0012) and `compatriot_audit_tail` (0003) read the chain's last entry
with `ORDER BY id DESC LIMIT 1`, a plan PL/pgSQL keeps for the session. Planned while
`core_auditentry` had been analysed empty and had no page yet (after a reset, a restore), that
plan was a sequential scan and a sort, and every later append of the session read the whole
chain (quadratic). Both functions now run with sequential scans disabled, as the key checks do
(people migrations 0011 and 0012): the backward scan of the primary key is the only plan left.

`compatriot_audit_entry` also takes the chain's lock in a plain expression: `PERFORM` runs a
query (a snapshot, an executor) where an expression is evaluated in place, which pays for the
setting (~-5,600 instructions per append against the setting's ~+7,700). The tail is read after
the lock, in the next statement's own snapshot, as before; the entry, its hash and its id are
0012's. `compatriot_audit_append` calls it and is unchanged.
"""

from importlib import import_module

from django.db import migrations

entry_0012 = import_module("compatriot.core.migrations.0012_token_generation_audit_entry")

ENTRY = f"""
CREATE OR REPLACE FUNCTION compatriot_audit_entry({entry_0012.AUDIT_ARGUMENTS}
) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off
AS $$
DECLARE
    previous varchar;
    appended bigint;
BEGIN
    -- The lock as an expression (PERFORM would run it as a query); void is never NULL.
    IF pg_advisory_xact_lock(lock_key) IS NULL THEN
        NULL;
    END IF;
    previous := COALESCE(
        (SELECT e.entry_hash FROM core_auditentry e ORDER BY e.id DESC LIMIT 1), repeat('0', 64)
    );
    INSERT INTO core_auditentry AS e (
        at, actor_user_id, actor_organisation_id, action, object_type, object_id, purpose,
        details, previous_hash, entry_hash
    ) VALUES (
        p_at, p_actor_user_id, p_actor_organisation_id, p_action, p_object_type, p_object_id,
        p_purpose, p_details, previous,
        encode(sha256(convert_to(p_digest_prefix || to_json(previous)::text || ']', 'UTF8')), 'hex')
    )
    RETURNING e.id INTO appended;
    RETURN appended;
END
$$;
ALTER FUNCTION compatriot_audit_tail(bigint) SET enable_seqscan = off;
"""

# Back: 0012's entry function (its CREATE, after dropping this one; the append calls it by
# name) and 0003's tail function without the setting.
BACK = f"""
{entry_0012.DROP_AUDIT}
ALTER FUNCTION compatriot_audit_tail(bigint) RESET enable_seqscan;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ENTRY, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACK, params=None)
        schema_editor.execute(entry_0012.AUDIT, params=None)  # also 0012's append, as it is


class Migration(migrations.Migration):
    dependencies = [("core", "0012_token_generation_audit_entry")]
    operations = [migrations.RunPython(create, drop)]
