"""`compatriot phones normalise`: numbers stored in other scripts' digits before 71aaa80 are
written again in ASCII E.164, each with an audit entry; good and unparseable ones are left."""

from __future__ import annotations

import io
import unicodedata
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compatriot.core.audit import audit_verify
from compatriot.core.models import AuditEntry
from compatriot.core.renormalise import renormalise
from compatriot.directory.models import DiasporaProfile, Location, Phone
from compatriot.directory.tests.factories import actor_for, make_profile, make_service
from compatriot.people.models import Person
from compatriot.people.services import PHONE_COLUMNS as PEOPLE_PHONES
from compatriot.tracing.models import TracingMatch, TracingRequest
from compatriot.tracing.selectors import searchable_persons
from compatriot.tracing.services import tracing_recheck

pytestmark = pytest.mark.django_db


def _store_raw(model: Any, pk: uuid.UUID, column: str, text: str) -> None:
    """The value as another writer may have stored it: JSON text with its characters raw (the
    ORM's update escapes them on SQLite)."""
    table = connection.ops.quote_name(model._meta.db_table)
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s{cast} WHERE id = %s", [text, pk.hex])  # noqa: S608


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("phones_normalise", *args, stdout=out)
    return out.getvalue()


def _state() -> dict[str, Any]:
    return {
        "persons": sorted(Person.objects.values_list("id", "phones", "version")),
        "requests": sorted(TracingRequest.objects.values_list("id", "phones")),
        "profiles": sorted(DiasporaProfile.objects.values_list("id", "contact_phone")),
        "phones": sorted(Phone.objects.values_list("id", "number")),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def stored(
    client_a: Any,
    register_person: Callable[..., dict[str, Any]],
    open_request: Callable[..., dict[str, Any]],
    org_a: Any,
    make_member: Callable[..., Any],
) -> dict[str, uuid.UUID]:
    """Rows as written before 71aaa80 (non-ASCII digits), beside good and unparseable ones."""

    def person(phones: list[str], **fields: Any) -> uuid.UUID:
        pk = uuid.UUID(register_person(client_a, **fields)["id"])
        Person.objects.filter(id=pk).update(phones=phones)  # "\uXXXX" escapes on SQLite
        return pk

    ids = {
        "full_width": person(["+38050262133\uff15", "+48601234567"]),
        "national": person(["\u0660\u0665\u0660\u0662\u0666\u0662\u0661\u0663\u0663\u0665"],
                           country="UA"),
        "good": person(["+380502621335"]),
        "unparseable": person(["+\u0663\u0668\u0660\u0665"]),
        "raw": person([]),
    }  # fmt: skip
    _store_raw(Person, ids["raw"], "phones", '["+\u0663\u0668\u0660\u0665\u0660\u0662\u0666\u0662\u0661\u0663\u0663\u0665"]')  # fmt: skip
    ids["request"] = uuid.UUID(open_request(client_a)["id"])
    TracingRequest.objects.filter(id=ids["request"]).update(phones=["+\u0669\u0669\u0664 50 555 1234"])  # fmt: skip
    actor = actor_for(org_a, make_member(org_a, "coordinator"))
    ids["profile"] = make_profile(actor).id
    DiasporaProfile.objects.filter(id=ids["profile"]).update(contact_phone="+4860123456\uff17")
    service = make_service(actor)
    location = Location.objects.filter(services_at__service=service).first()
    assert location is not None
    assert location.country == "PL"
    ids["phone"] = Phone.objects.create(location=location, number="\u0661\u0666 671 0001").id
    ids["extension"] = Phone.objects.create(
        service=service, number="\uff0b48 16 671 0000 ext. \u0665"
    ).id
    ids["words"] = Phone.objects.create(
        service=service, number="\u0434\u0437\u0432\u043e\u043d\u0456\u0442\u044c"
    ).id
    # A service without a location: its managing organisation operates in Poland only.
    lone = make_service(actor, organization={"name": "Hotline", "description": "-"}, locations=[])
    ids["lone"] = Phone.objects.create(service=lone, number="\u0661\u0666 671 0008").id
    return ids


def test_the_command_rewrites_only_the_bad_rows_and_audits_each(stored: dict[str, Any]) -> None:
    before = _state()
    entries = AuditEntry.objects.count()

    out = _run()

    phones = dict(Person.objects.values_list("id", "phones"))
    assert phones[stored["full_width"]] == ["+380502621335", "+48601234567"]
    assert phones[stored["national"]] == ["+380502621335"]  # the person's country, UA
    assert phones[stored["raw"]] == ["+380502621335"]
    assert phones[stored["good"]] == ["+380502621335"]
    assert phones[stored["unparseable"]] == ["+\u0663\u0668\u0660\u0665"]  # left as stored
    assert TracingRequest.objects.get(id=stored["request"]).phones == ["+994505551234"]
    assert DiasporaProfile.objects.get(id=stored["profile"]).contact_phone == "+48601234567"
    assert Phone.objects.get(id=stored["phone"]).number == "+48166710001"  # the location's PL
    extension = Phone.objects.get(id=stored["extension"])
    assert (extension.number, extension.extension) == ("+48166710000", "5")
    assert Phone.objects.get(id=stored["lone"]).number == "+48166710008"  # the manager's PL

    versions = {pk: version for pk, _, version in before["persons"]}
    assert Person.objects.get(id=stored["full_width"]).version == versions[stored["full_width"]] + 1
    assert Person.objects.get(id=stored["good"]).version == versions[stored["good"]]
    written = AuditEntry.objects.order_by("id")[entries:]
    expected = [
        (kind, name, {"fields": fields})
        for kind, name, fields in [
            ("person", "full_width", ["phones"]),
            ("person", "national", ["phones"]),
            ("person", "raw", ["phones"]),
            ("tracing_request", "request", ["phones"]),
            ("directory.profile", "profile", ["contact_phone"]),
            ("directory.phone", "phone", ["number"]),
            ("directory.phone", "extension", ["number", "extension"]),
            ("directory.phone", "lone", ["number"]),
        ]
    ]
    assert sorted(
        (e.object_type, e.object_id, e.action, str(e.details)) for e in written
    ) == sorted(
        (kind, str(stored[name]), "update", str(details)) for kind, name, details in expected
    )
    assert audit_verify().is_intact

    assert "people.Person.phones: 4 with non-ASCII numbers, rewrote 3, 1 not normalisable" in out
    assert "tracing.TracingRequest.phones: 1 with non-ASCII numbers, rewrote 1, 0 not" in out
    assert "directory.DiasporaProfile.contact_phone: 1 with non-ASCII numbers, rewrote 1" in out
    assert (
        "directory.Phone.number: 4 with non-ASCII numbers, rewrote 3, 0 not normalisable, 1 kept as given"
        in out
    )
    assert f"not normalisable, left as stored: {stored['unparseable']}" in out
    assert f"kept as given (as its write path keeps it): {stored['words']}" in out
    # Ids and counts, never a number: neither as stored nor as rewritten.
    numbers = {
        number
        for state in (before, _state())
        for kind in ("persons", "requests", "profiles", "phones")
        for row in state[kind]
        for number in (row[1] if isinstance(row[1], list) else [row[1]])
    }
    digits = {"".join(str(unicodedata.decimal(c)) for c in n if c.isdecimal()) for n in numbers}
    assert {"380502621335", "994505551234", "48166710001", "48166710008"} <= digits
    assert all(line.isascii() for line in out.splitlines())
    assert not [d for d in digits if len(d) >= 8 and d in out]


def test_a_second_run_changes_nothing(stored: dict[str, Any]) -> None:
    _run()
    after = _state()

    out = _run()

    assert _state() == after
    assert "people.Person.phones: 1 with non-ASCII numbers, rewrote 0, 1 not" in out
    assert (
        "directory.Phone.number: 1 with non-ASCII numbers, rewrote 0, 0 not normalisable, 1 kept"
        in out
    )


def test_a_dry_run_writes_nothing_and_counts_what_would_change(stored: dict[str, Any]) -> None:
    before = _state()

    out = _run("--dry-run", "--chunk", "2")  # chunks smaller than the tables, too

    assert _state() == before
    assert "people.Person.phones: 4 with non-ASCII numbers, would rewrite 3, 1 not" in out
    assert "dry run: nothing written" in out
    assert "people.Person.phones: 4 with non-ASCII numbers, rewrote 3" in _run("--chunk", "2")


def test_the_cli_names_it_phones_normalise() -> None:
    from django.core.management import get_commands

    from compatriot.cli import resolve

    assert resolve(["phones", "normalise", "--dry-run"], set(get_commands())) == [
        "phones_normalise",
        "--dry-run",
    ]


def test_a_chunks_audit_entries_come_after_its_updates(stored: dict[str, Any]) -> None:
    # The first entry takes the chain's lock until the chunk commits: every audited write on the
    # platform waits meanwhile, so the updates come first.
    with CaptureQueriesContext(connection) as queries:
        report = renormalise(PEOPLE_PHONES[0], dry_run=False)

    assert report.rewritten == 3
    statements = [q["sql"] for q in queries.captured_queries]
    updates = [i for i, sql in enumerate(statements) if sql.startswith('UPDATE "people_person"')]
    entries = [
        i
        for i, sql in enumerate(statements)
        if "core_auditentry" in sql or "compatriot_audit" in sql
    ]
    assert len(updates) == 3
    assert entries
    assert max(updates) < min(entries)
    assert AuditEntry.objects.filter(object_type="person", action="update").count() >= 3
    assert audit_verify().is_intact


def test_a_rewritten_request_is_compared_again_with_every_person(
    stored: dict[str, Any], client_a: Any, sought_person: Callable[..., dict[str, Any]]
) -> None:
    sought = uuid.UUID(sought_person(client_a)["id"])  # +994 50 555 1234, the request's number
    # Compared with the request before this run: the next re-check would skip them, unchanged.
    TracingRequest.objects.filter(id=stored["request"]).update(checked_until=timezone.now())
    assert not TracingMatch.objects.filter(person_id=sought).exists()
    before = dict(Person.objects.values_list("id", "updated_at"))

    _run()

    assert TracingRequest.objects.get(id=stored["request"]).checked_until is None
    after = dict(Person.objects.values_list("id", "updated_at"))
    for name in ("full_width", "national", "raw"):  # fixed: changed, so compared again too
        assert after[stored[name]] > before[stored[name]]
    assert after[stored["good"]] == before[stored["good"]]
    assert after[sought] == before[sought]
    # The next (incremental) re-check compares it with the persons left unchanged as well.
    report = tracing_recheck()
    crisis = TracingRequest.objects.get(id=stored["request"]).crisis_id
    assert report.persons_compared == searchable_persons(crisis).count() == 1
    assert TracingMatch.objects.filter(request_id=stored["request"], person_id=sought).exists()


def test_a_value_that_is_not_a_list_is_reported_and_left(stored: dict[str, Any]) -> None:
    _store_raw(Person, stored["raw"], "phones", '"+\u0663\u0668\u0660\u0665\u0660\u0662"')
    corrupt = Person.objects.get(id=stored["raw"]).phones
    assert isinstance(corrupt, str)

    out = _run()

    assert Person.objects.get(id=stored["raw"]).phones == corrupt
    assert f"not normalisable, left as stored: {stored['raw']}" in out
    assert "people.Person.phones: 4 with non-ASCII numbers, rewrote 2, 2 not" in out
