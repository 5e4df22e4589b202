"""Persons' nationality is no longer indexed.

No query reads the index: the list, export and report filters by nationality match the
`nationalities` list, reports group a scope's rows, linkage and tracing read whole crises. Yet
each imported person wrote an entry in it (about 1.7 µs of the database's CPU per person;
docs/benchmarks.md, branch importidx).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_keys_indexed_where_set"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_nationality_idx"),
    ]
