"""The audit entries' `at` is no longer indexed.

Nothing reads entries by their time but the admin's list sorted by its "at" column, which now
sorts by id (`AuditEntryAdmin.appended_at`): entries are appended in id order under the chain's
lock, each with a time taken just before it waits for the lock, so the chain's order is the
order of time but for appends that waited for the lock together (an API write's entry behind an
import's batch), and the primary key serves it. The B-tree cost every appended entry an index
entry (an imported person and household each append one, so does every API write):
docs/benchmarks.md, branch idxbrin.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_entry_hash_not_unique"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(),
        ),
    ]
