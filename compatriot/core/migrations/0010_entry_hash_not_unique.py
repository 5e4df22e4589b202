"""The audit entries' `entry_hash` is no longer unique, nor indexed.

Nothing reads an entry by its hash, and two entries can share one only if they share content and
predecessor: a fork of the chain, which the chain's lock (`compatriot_audit_append`,
`locked_chain_tail`) prevents and `audit verify` reports at the second of them (ADR 0002,
"Uniqueness"). Its B-tree of random 64-character keys cost ~5 µs of the database's CPU per
appended entry, a quarter of a bulk import's audit COPY (docs/benchmarks.md, branches importidx
and auditidx). The column keeps its collation "C" (migration 0007): only the index goes.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_audit_details_person_idx"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="auditentry", name="audit_entry_hash_unique"),
    ]
