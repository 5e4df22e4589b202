"""On PostgreSQL, a batch finds its stored persons by one probe of the (registered_by,
source_record_id) key per id, and identifier and code columns compare bytes (collation "C",
people migration 0005 and core migration 0007): the same matches as before, exactly."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from compatriot.core.models import Role
from compatriot.people.models import Person
from compatriot.people.tests.test_import import bad, import_file, write_csv

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"),
        reason="the collation and the COPY storage are PostgreSQL's",
    ),
]

BYTE_COLUMNS = {
    ("people_person", "source_record_id"),
    ("people_person", "country"),
    ("people_person", "nationality"),
    ("people_person", "journey_stage"),
    ("core_auditentry", "entry_hash"),
    ("core_auditentry", "object_type"),
    ("core_auditentry", "object_id"),
}


def test_identifier_and_code_columns_compare_bytes(db):
    """A later AlterField would silently reset them to the database's collation."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attname FROM pg_attribute"
            " WHERE attrelid IN ('people_person'::regclass, 'core_auditentry'::regclass)"
            " AND attcollation = 'pg_catalog.\"C\"'::regcollation"
        )
        assert set(cursor.fetchall()) == BYTE_COLUMNS


def test_reimport_matches_source_record_ids_exactly(tmp_path, crisis, make_member, org_a, org_b):
    """Ids that differ only by case or punctuation are different records, whatever their byte
    order; the same id of another organisation is that organisation's."""
    ids = ["r-1", "R-1", "r-1.", "r:1", "a-1", "A-1"]
    rows = [bad(srid) for srid in ids]
    user_a = make_member(org_a, Role.VOLUNTEER)
    import_file(
        write_csv(tmp_path / "b.csv", rows[:2]), crisis, make_member(org_b, Role.VOLUNTEER), org_b
    )
    first = import_file(write_csv(tmp_path / "1.csv", rows[:4]), crisis, user_a, org_a)
    second = import_file(
        write_csv(tmp_path / "2.csv", [{**row, "place_name": "Lviv"} for row in rows[:3]]
                  + [rows[3], *rows[4:]]),
        crisis, user_a, org_a,
    )  # fmt: skip

    assert first[0] == "created 4, updated 0, unchanged 0, rejected 0"
    assert second[0] == "created 2, updated 3, unchanged 1, rejected 0"
    stored = dict(
        Person.objects.filter(registered_by=org_a).values_list("source_record_id", "place_name")
    )
    assert stored == {
        "r-1": "Lviv", "R-1": "Lviv", "r-1.": "Lviv", "r:1": "Kharkiv", "a-1": "Kharkiv",
        "A-1": "Kharkiv",
    }  # fmt: skip
    assert Person.objects.filter(registered_by=org_b).count() == 2
