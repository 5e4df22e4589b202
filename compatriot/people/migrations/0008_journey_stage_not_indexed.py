"""Persons' journey stage is no longer indexed.

A stage is one of five (11 to 40 % of persons each). The index's only readers were counts: of a
list filtered by stage and of the admin's stage filter, which it narrowed below their scope.
Without it such a count reads the scope's rows, as the unfiltered list's count of the same scope
does (EXPLAIN before and after in docs/benchmarks.md, branch importidx); the pages themselves
(50 rows by creation time) keep their plans. Each imported person wrote an entry in it: with
the nationality index (0007), about 3 µs of the database's CPU per person.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_nationality_not_indexed"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_journey_stage_idx"),
    ]
