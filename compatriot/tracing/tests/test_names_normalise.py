"""`compatriot names normalise`: persons stored before the change of 8 December 2026 to
`compatriot.normalise.names` get their Latin forms and search text derived again, each with an
audit entry; a Latin form the writer gave, and the names as written, are kept."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from compatriot.core.audit import audit_verify
from compatriot.core.models import AuditEntry
from compatriot.normalise.names import search_text
from compatriot.people.models import Person
from compatriot.people.names_again import previous_latin
from compatriot.tracing.models import TracingRequest

pytestmark = pytest.mark.django_db

COLUMNS = ("given_name", "family_name", "given_name_latin", "family_name_latin", "search_text")


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("names_normalise", *args, stdout=out)
    return out.getvalue()


def _as_before(pk: uuid.UUID, given_latin: str | None = None) -> None:
    """The row as the write path stored it before the change: Latin forms by the previous
    transliteration (or as the writer gave them), the search text over those."""
    person = Person.objects.get(id=pk)
    given = given_latin or previous_latin(person.given_name)
    family = previous_latin(person.family_name)
    Person.objects.filter(id=pk).update(
        given_name_latin=given,
        family_name_latin=family,
        # Only the Latin forms' tokens: what the written forms gave then, near enough.
        search_text=search_text(given, family),
    )


def _state() -> dict[str, Any]:
    return {
        "persons": sorted(Person.objects.values_list("id", *COLUMNS, "version")),
        "audit": AuditEntry.objects.count(),
        "checked": sorted(TracingRequest.objects.values_list("id", "checked_until")),
    }


def _found(client: Any, query: str) -> set[str]:
    return {item["id"] for item in client.post("/persons/search", {"q": query}).json()["items"]}


@pytest.fixture
def stored(
    client_a: Any,
    register_person: Callable[..., dict[str, Any]],
    open_request: Callable[..., dict[str, Any]],
) -> dict[str, uuid.UUID]:
    ids = {
        label: uuid.UUID(register_person(client_a, given_name=given, family_name=family)["id"])
        for label, given, family in [
            ("serbian", "Đorđe", "Петровић"),
            ("chinese", "伟", "张伟"),
            ("korean", "민준", "김"),
            ("latin", "Olena", "Kovalenko"),
        ]
    }
    ids["given"] = uuid.UUID(
        register_person(client_a, given_name="张伟", family_name="", given_name_latin="Chang Wei")[
            "id"
        ]
    )
    for label in ("serbian", "chinese", "korean"):
        _as_before(ids[label])
    _as_before(ids["given"], given_latin="Chang Wei")
    ids["request korean"] = uuid.UUID(
        open_request(client_a, given_name="민준", family_name="김")["id"]
    )
    ids["request latin"] = uuid.UUID(open_request(client_a)["id"])
    TracingRequest.objects.update(checked_until=timezone.now())
    return ids


def test_the_command_derives_the_changed_rows_again_and_audits_each(
    client_a: Any, stored: dict[str, Any]
) -> None:
    assert str(stored["serbian"]) not in _found(client_a, "Djordje")  # as stored before
    assert str(stored["korean"]) not in _found(client_a, "Kim Minjun")
    before = _state()
    entries = AuditEntry.objects.count()

    out = _run("--chunk", "2")

    rows = {row[0]: row[1:] for row in Person.objects.values_list("id", *COLUMNS)}
    assert rows[stored["serbian"]][:4] == ("Đorđe", "Петровић", "Djordje", "Petrovic")
    assert rows[stored["chinese"]][:4] == ("伟", "张伟", "Wei", "Zhang Wei")
    assert rows[stored["korean"]][:4] == ("민준", "김", "Min Jun", "Gim")
    assert rows[stored["given"]][:4] == ("张伟", "", "Chang Wei", "")  # as the writer gave it
    assert " zhangwei " in rows[stored["given"]][4]
    for label in ("serbian", "chinese", "korean", "given", "latin"):
        given, family, given_latin, family_latin, text = rows[stored[label]]
        assert text == search_text(given, family, given_latin, family_latin)

    versions = {row[0]: row[-1] for row in before["persons"]}
    assert Person.objects.get(id=stored["serbian"]).version == versions[stored["serbian"]] + 1
    assert Person.objects.get(id=stored["latin"]).version == versions[stored["latin"]]
    written = AuditEntry.objects.order_by("id")[entries:]
    assert sorted((e.object_type, e.object_id, e.action, e.details) for e in written) == sorted(
        [
            ("person", str(stored[label]), "update", {"fields": fields})
            for label, fields in [
                ("serbian", ["given_name_latin", "search_text"]),
                ("chinese", ["family_name_latin", "search_text"]),
                ("korean", ["given_name_latin", "search_text"]),
                ("given", ["search_text"]),
            ]
        ]
    )
    assert audit_verify().is_intact
    assert "people.Person: 5 read, rewrote 4 (given_name_latin 2, family_name_latin 1," in out
    assert "tracing.TracingRequest: 1 to re-check against every person" in out
    checked = dict(TracingRequest.objects.values_list("id", "checked_until"))
    assert checked[stored["request korean"]] is None
    assert checked[stored["request latin"]] is not None
    # Counts, never a name.
    assert all(line.isascii() for line in out.splitlines())

    assert str(stored["serbian"]) in _found(client_a, "Djordje")
    assert str(stored["serbian"]) in _found(client_a, "Ђорђе")
    assert str(stored["chinese"]) in _found(client_a, "Zhang Wei")
    assert str(stored["korean"]) in _found(client_a, "Kim Minjun")


def test_a_second_run_changes_nothing(stored: dict[str, Any]) -> None:
    _run()
    after = _state()

    out = _run()

    assert _state() == after
    assert "people.Person: 5 read, rewrote 0" in out
    assert "tracing.TracingRequest: 0 to re-check" in out


def test_a_dry_run_writes_nothing_and_counts_what_would_change(stored: dict[str, Any]) -> None:
    before = _state()

    out = _run("--dry-run", "--chunk", "3")

    assert _state() == before
    assert "people.Person: 5 read, would rewrite 4" in out
    assert "tracing.TracingRequest: 1 would re-check against every person" in out
    assert "dry run: nothing written" in out


def test_the_cli_names_it_names_normalise() -> None:
    from django.core.management import get_commands

    from compatriot.cli import resolve

    assert resolve(["names", "normalise", "--dry-run"], set(get_commands())) == [
        "names_normalise",
        "--dry-run",
    ]
