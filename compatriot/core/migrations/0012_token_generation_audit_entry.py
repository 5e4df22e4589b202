"""Two cheaper statements of the API's one-round-trip write (PostgreSQL; docs/benchmarks.md,
branch apipg, 7 December 2026 evening).

1. A bearer token's claim confirmed by one number instead of a four-table join.

`compatriot_token_generation` holds one row, a number that statement-level triggers on the four
tables the token look-up reads (tokens, users, organisations, memberships) set to a new value of
the sequence `compatriot_token_generation_seq`, in the changing transaction itself, on every
INSERT, DELETE and TRUNCATE and on every UPDATE that names a column the look-up reads (a
token's id, key hash, user, organisation, expiry and revocation; a user's id, active and
superuser flags; an organisation's id and kind; a membership's id, user, organisation, role and
active flag). Recording a token's use (`last_used_at`) or a sign-in
(`last_login`) names none of them and leaves the number alone.

`compatriot_token_viewer` (0006) now also returns the number, read in the same snapshot as the
token's rows; a process remembers it with the viewer it found (core/claims.py). The write's
`compatriot_token_confirm(generation)` refuses (SQLSTATE CPT01, as 0008's did) unless the number
is still the one remembered, i.e. unless no transaction that could have changed what the look-up
returned has committed since that look-up: a revoked or expired (`expires_at` named) token, an
inactive or deleted user or membership, a changed role, kind or superuser flag are refused
exactly as 0008's join refused them (and any other change to those tables is refused too, once:
the caller then looks the token up afresh). The claim's own expiry against its time is judged by
the process before it claims (`claims.claim`), on the expiry read with that number.

Numbers are never reused: a sequence's values are not given back by a rollback, so a number read
inside a transaction that rolled back (or any uncommitted one) is never the committed generation
later (`generation + 1` gave it back, and an unrelated later commit reproduced it: a stale claim
was confirmed). The sequence starts at the clock's microseconds since 1970, so migrating back and
forward again does not reuse the numbers of before either.

Every statement changing those tables ends by updating the one row, held to commit. So that this
lock makes no lock-order cycle, the core services that write them (core/services.py) and the admin
for them (core/admin.py) lock the row first, before any other row (`token_generation_first`), and
services lock organisations FOR NO KEY UPDATE, which a foreign-key check's FOR KEY SHARE does not
wait for (membership_add holding an organisation against token_create for it deadlocked). The
API's write only reads the row (its confirmation) and never waits for it.

2. The audit append as a scalar function, `compatriot_audit_entry(...)`, returning the new
entry's id: the chain's lock, its tail read, the entry's insert and hash exactly as 0004's
`compatriot_audit_append`, which now calls it and reads the entry's id and hashes back for the
callers that want them (core/audit.py `audit_record`). The write path, which wants nothing back,
calls the scalar one in its select list: no function scan, no RETURN QUERY (~-47,000 of the
backend's instructions per write).
"""

from importlib import import_module

from django.conf import settings
from django.db import migrations

# Going back restores the functions as those migrations made them.
viewer_0006 = import_module("compatriot.core.migrations.0006_token_viewer_function")
confirm_0008 = import_module("compatriot.core.migrations.0008_token_confirm_function")
append_0004 = import_module("compatriot.core.migrations.0004_audit_append_function")

TABLE = "compatriot_token_generation"

# Per table: the columns `compatriot_token_viewer` reads (and the confirmation relied on).
READ_COLUMNS = {
    "token": ["id", "key_hash", "user_id", "organisation_id", "expires_at", "revoked_at"],
    "user": ["id", "is_active", "is_superuser"],
    "organisation": ["id", "kind"],
    "membership": ["id", "user_id", "organisation_id", "role", "is_active"],
}

SEQUENCE = f"{TABLE}_seq"

# The numbers come from a sequence, whose values a rollback never gives back: a number read inside
# a transaction that then rolls back is never the generation again (with `generation + 1` a later
# unrelated commit reproduced it, and a claim read in that transaction was confirmed). It starts
# at the clock's microseconds since 1970, so migrating back and forward again does not reuse the
# numbers of before (unless more than one change a microsecond was made on average meanwhile).
CREATE_TABLE = f"""
CREATE SEQUENCE {SEQUENCE} AS bigint;
SELECT setval('{SEQUENCE}', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
CREATE TABLE {TABLE} (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    generation bigint NOT NULL
);
ALTER SEQUENCE {SEQUENCE} OWNED BY {TABLE}.generation;
INSERT INTO {TABLE} (only_row, generation) VALUES (true, nextval('{SEQUENCE}'));
CREATE FUNCTION compatriot_token_generation_raise() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {TABLE} SET generation = nextval('{SEQUENCE}');
    RETURN NULL;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER {name}_token_generation
    AFTER INSERT OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION compatriot_token_generation_raise();
CREATE TRIGGER {name}_token_generation_updated
    AFTER UPDATE OF {columns} ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION compatriot_token_generation_raise();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS {name}_token_generation ON {table};
DROP TRIGGER IF EXISTS {name}_token_generation_updated ON {table};
"""

VIEWER = """
DROP FUNCTION IF EXISTS compatriot_token_viewer(varchar);
CREATE FUNCTION compatriot_token_viewer(p_key_hash varchar)
RETURNS TABLE (
    token_id {token}.id%TYPE,
    token_user_id {token}.user_id%TYPE,
    token_organisation_id {token}.organisation_id%TYPE,
    token_expires_at {token}.expires_at%TYPE,
    token_last_used_at {token}.last_used_at%TYPE,
    organisation_kind {organisation}.kind%TYPE,
    user_is_superuser {user}.is_superuser%TYPE,
    membership_role {membership}.role%TYPE,
    token_generation bigint
)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT t.id, t.user_id, t.organisation_id, t.expires_at, t.last_used_at,
           o.kind, u.is_superuser, m.role, g.generation
    FROM {token} t
    JOIN {user} u ON u.id = t.user_id
    JOIN {organisation} o ON o.id = t.organisation_id
    JOIN {membership} m
      ON m.user_id = t.user_id AND m.organisation_id = t.organisation_id AND m.is_active
    CROSS JOIN {generation} g
    WHERE t.key_hash = p_key_hash AND t.revoked_at IS NULL AND u.is_active;
END
$$;
"""

CONFIRM = """
DROP FUNCTION IF EXISTS compatriot_token_confirm(
    varchar, uuid, integer, uuid, varchar, boolean, varchar, timestamptz
);
CREATE FUNCTION compatriot_token_confirm(p_generation bigint)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM FROM {generation} g WHERE g.generation = p_generation;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'bearer token no longer as claimed' USING ERRCODE = 'CPT01';
    END IF;
END
$$;
"""

AUDIT_ARGUMENTS = """
    lock_key bigint,
    p_at timestamptz,
    p_actor_user_id integer,
    p_actor_organisation_id uuid,
    p_action varchar,
    p_object_type varchar,
    p_object_id varchar,
    p_purpose varchar,
    p_details jsonb,
    p_digest_prefix text"""

AUDIT = f"""
CREATE FUNCTION compatriot_audit_entry({AUDIT_ARGUMENTS}
) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    previous varchar;
    appended bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
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
CREATE OR REPLACE FUNCTION compatriot_audit_append({AUDIT_ARGUMENTS}
) RETURNS TABLE (entry_id bigint, entry_previous_hash varchar, entry_entry_hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    appended bigint;
BEGIN
    appended := compatriot_audit_entry(
        lock_key, p_at, p_actor_user_id, p_actor_organisation_id, p_action, p_object_type,
        p_object_id, p_purpose, p_details, p_digest_prefix
    );
    RETURN QUERY
    SELECT e.id, e.previous_hash, e.entry_hash FROM core_auditentry e WHERE e.id = appended;
END
$$;
"""

DROP = f"""
DROP FUNCTION IF EXISTS compatriot_token_confirm(bigint);
DROP FUNCTION IF EXISTS compatriot_token_viewer(varchar);
DROP FUNCTION IF EXISTS compatriot_token_generation_raise() CASCADE;
DROP TABLE IF EXISTS {TABLE};
DROP SEQUENCE IF EXISTS {SEQUENCE};
"""
DROP_AUDIT = """
DROP FUNCTION IF EXISTS compatriot_audit_entry(
    bigint, timestamptz, integer, uuid, varchar, varchar, varchar, varchar, jsonb, text
);
"""


def _tables(apps):
    models = {
        "token": apps.get_model("core", "ApiToken"),
        "user": apps.get_model(settings.AUTH_USER_MODEL),
        "organisation": apps.get_model("core", "Organisation"),
        "membership": apps.get_model("core", "Membership"),
    }
    return {key: model._meta.db_table for key, model in models.items()}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.connection.ops.quote_name
    tables = _tables(apps)
    schema_editor.execute(CREATE_TABLE, params=None)
    for key, table in tables.items():
        columns = ", ".join(quote(column) for column in READ_COLUMNS[key])
        sql = TRIGGERS.format(name=table, table=quote(table), columns=columns)
        schema_editor.execute(sql, params=None)
    names = {key: quote(table) for key, table in tables.items()}
    names["generation"] = quote(TABLE)
    schema_editor.execute(VIEWER.format(**names), params=None)  # its % signs are %TYPE
    schema_editor.execute(CONFIRM.format(**names), params=None)
    schema_editor.execute(AUDIT, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.connection.ops.quote_name
    for table in _tables(apps).values():
        schema_editor.execute(DROP_TRIGGERS.format(name=table, table=quote(table)), params=None)
    schema_editor.execute(DROP, params=None)
    viewer_0006.create(apps, schema_editor)
    confirm_0008.create(apps, schema_editor)
    schema_editor.execute(append_0004.CREATE, params=None)  # OR REPLACE: the same signature
    schema_editor.execute(DROP_AUDIT, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0011_audit_at_not_indexed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [migrations.RunPython(create, drop)]
