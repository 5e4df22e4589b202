"""The entries about a person's parts (details.person) are indexed, where they name one.

`core.selectors.audit_history` (the web person page) asks for the entries about a person or
naming it in their details. Without an index on the second condition PostgreSQL walked the
whole chain backwards from its newest entry (480 ms for one person at 254,000 entries, growing
with the chain); with it both conditions read their few entries by index. Partial: bulk-import
entries (one per person, without details.person) write nothing in it.
"""

import django.db.models.fields.json
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_token_confirm_function"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                django.db.models.fields.json.KeyTransform("person", "details"),
                condition=models.Q(("details__has_key", "person")),
                name="audit_details_person_idx",
            ),
        ),
    ]
