"""Persons' household and merged_into keys and consents' withdrawn_by key are indexed where set
only (partial indexes, WHERE ... IS NOT NULL).

Most rows leave them empty (an imported person is never merged and three in four have no
household; a consent is seldom withdrawn), yet each row wrote a NULL entry in each: about 3.8
index entries per imported person. Every query by these keys (`= id`, `IN`, joins, Django's
SET_NULL on delete, the parent-side triggers of migration 0004) implies IS NOT NULL, so the
partial indexes serve them all.

The full indexes are dropped by name, not by AlterField: on PostgreSQL, altering the two keys
that keep Django's constraints would drop and re-add (and re-validate) their foreign keys.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column, Django's name of the full index it had)
FULL_INDEXES = (
    ("people_consent", "withdrawn_by_id", "people_consent_withdrawn_by_id_687f19d8"),
    ("people_person", "household_id", "people_person_household_id_5312f7c5"),
    ("people_person", "merged_into_id", "people_person_merged_into_id_138bbee4"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_audit_codes_collate_c"),
        ("people", "0005_codes_collate_c"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="consent",
                    name="withdrawn_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="household",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="members",
                        to="people.household",
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="merged_persons",
                        to="people.person",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in FULL_INDEXES
            ],
        ),
        migrations.AddIndex(
            model_name="consent",
            index=models.Index(
                condition=models.Q(("withdrawn_by__isnull", False)),
                fields=["withdrawn_by"],
                name="consent_withdrawn_by_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("household__isnull", False)),
                fields=["household"],
                name="person_household_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="person_merged_into_idx",
            ),
        ),
    ]
