"""Consents' `recorded_by` and `recorded_by_organisation` keep a BRIN index each, on PostgreSQL,
instead of a B-tree.

Only the deletion of a user or an organisation reads them: Django's `SET_NULL` update and the
parent-side check of migration 0004 (`{parent}_fk_deleted`, which probes each child column by an
index it leads, migration 0011). A B-tree took an entry per consent, 2.3 a person, on every
import: ~3.2 µs of the database's CPU per person, of which BRIN keeps ~1.3 (docs/benchmarks.md,
branch auditidx). A BRIN index keeps each 128-page range's least and greatest key: consents are
written in runs by one user and one organisation (an import's file, an operator's session), so a
deletion reads the few ranges that may hold its key: on the 1M-person bench, once the table is
vacuumed and analysed, as fast as with the B-trees (~20 ms of the database's CPU). A range not
yet summarised (the table's newest, until a VACUUM) or whose keys span the deleted one is read
whole: right after a large import, before autovacuum, ~2 s (no index at all: 1.6 s). SQLite
gets no index (the fields' `db_index=False`): its databases are small.
The model state does not know the BRIN indexes (Django's `BrinIndex` lives in
`django.contrib.postgres`, and SQLite could not create it).
"""

from django.conf import settings
from django.db import migrations, models

TABLE = "people_consent"
COLUMNS = (("consent_recorded_by_brin", "recorded_by_id"),
           ("consent_recorded_by_organisation_brin", "recorded_by_organisation_id"))  # fmt: skip


def _brin(create: bool):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, column in COLUMNS:
            if create:
                schema_editor.execute(f"CREATE INDEX {name} ON {TABLE} USING brin ({column})")
            else:
                schema_editor.execute(f"DROP INDEX {name}")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0012_inserts_probe_each_parent"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="consent",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="consent",
            name="recorded_by_organisation",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="+",
                to="core.organisation",
            ),
        ),
        migrations.RunPython(_brin(create=True), _brin(create=False)),
    ]
