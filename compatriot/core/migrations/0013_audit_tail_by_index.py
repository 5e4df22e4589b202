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


def _entry() -> str:
    """0012's `compatriot_audit_entry` with the setting and the lock as an expression; the rest
    of its text (tail read, insert, hash) exactly 0012's."""
    text = entry_0012.AUDIT[: entry_0012.AUDIT.index("CREATE OR REPLACE FUNCTION")]
    for old, new in [
        ("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"),
        (
            "LANGUAGE plpgsql VOLATILE AS $$",
            "LANGUAGE plpgsql VOLATILE\nSET enable_seqscan = off\nAS $$",
        ),
        (
            "    PERFORM pg_advisory_xact_lock(lock_key);\n",
            "    -- The lock as an expression (PERFORM would run it as a query); void is never NULL.\n"
            "    IF pg_advisory_xact_lock(lock_key) IS NULL THEN\n        NULL;\n    END IF;\n",
        ),
    ]:
        if text.count(old) != 1:
            raise ValueError(f"0012's entry function without {old!r}")
        text = text.replace(old, new)
    return text


ENTRY = _entry() + "ALTER FUNCTION compatriot_audit_tail(bigint) SET enable_seqscan = off;\n"

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
