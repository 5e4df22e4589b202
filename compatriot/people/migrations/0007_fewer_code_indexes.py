"""Persons' nationality and journey stage are no longer indexed.

Each imported person wrote an entry in each (about 3 µs of the database's CPU per person of a
bulk import, docs/benchmarks.md, branch importidx). No query reads the nationality index: the
list, export and report filters by nationality match the `nationalities` list. A journey stage
is one of five, so a stage's share of a scope (the only use of that index: counts of a list
filtered by stage, the admin's stage filter) is read from the scope's rows at about the cost of
the scope's unfiltered count. The country index stays: a rare country's few rows are found by it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_keys_indexed_where_set"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_nationality_idx"),
        migrations.RemoveIndex(model_name="person", name="person_journey_stage_idx"),
    ]
