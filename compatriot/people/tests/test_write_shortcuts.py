"""The registration's shortcuts store and answer exactly what the ORM's own paths do: the INSERT's
values prepared without the fields' conversion where it returns text unchanged
(core.statements.insert_statement), and the answer built from the details the write kept
(people.api.person_out)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection, models
from django.utils.translation import gettext_lazy

from compatriot.core.models import Crisis
from compatriot.core.statements import _keeps_text, insert_row, insert_statement
from compatriot.core.viewer import Viewer
from compatriot.people import services
from compatriot.people.api import person_out
from compatriot.people.models import Consent, Need, Person, Vulnerability
from compatriot.people.schemas import PersonIn, PersonOut

PAYLOADS: list[dict[str, Any]] = [
    {},
    {"given_name": "O'Brien \\ 100% %s", "family_name": "", "email": "A.B@Example.org"},
    {"given_name": "Ольга", "family_name": "Шевченко", "birth_date": "1980", "country": "UA"},
    {"given_name": "فاطمة", "family_name": "الحسن", "nationalities": ["SY", "TR"], "phones": []},
    {"source_record_id": None, "latitude": 49.99, "longitude": 36.23, "place_name": ""},
    {"given_name_latin": "Olha", "family_name_latin": "Shevchenko", "languages": []},
    {
        "vulnerabilities": [{"code": "serious_medical_condition", "note": "insulin 'x'"}],
        "needs": [
            {"category": "shelter", "urgency": "high", "details": "10%"},
            {"category": "food"},
        ],
        "consents": [
            {"scope": "registration", "method": "verbal"},
            {
                "scope": "sharing",
                "method": "written",
                "partner_kinds": ["government", "service_provider"],
            },
        ],
    },
]


def _rows(actor: Viewer, payload: dict[str, Any]) -> list[models.Model]:
    data = PersonIn.model_validate(payload)
    person = services._new_person(
        actor, data=data, crisis_id=data.crisis_id, household=None, relationship=""
    )
    vulnerabilities, needs, consents = services._new_details(actor, person, data)
    return [person, *vulnerabilities, *needs, *consents]


def _same(ours: Any, django: Any) -> bool:
    if isinstance(django, str) and type(django) is not str:  # a choice: its value's plain str
        return type(ours) is str and ours == django
    if type(ours) is not type(django):
        return False
    if hasattr(django, "obj"):  # psycopg's Jsonb wrapper has no equality of its own
        return bool(ours.obj == django.obj and ours.dumps == django.dumps)
    return bool(ours == django)


@pytest.fixture
def actor(make_member, org_a) -> Viewer:
    user = make_member(org_a, "caseworker")
    return Viewer(user.id, org_a.id, org_a.kind, "caseworker", False)


@pytest.mark.django_db
def test_insert_values_are_those_the_fields_prepare(actor, person_payload) -> None:
    for number, overrides in enumerate(PAYLOADS):
        rows = _rows(actor, person_payload(**{"source_record_id": f"ws-{number}", **overrides}))
        for row in rows:
            statement = insert_statement(row)
            assert statement is not None
            fields = [f for f in row._meta.local_concrete_fields if not f.generated]
            # pre_save ran (auto_now values are on the instance): Django's conversion of each.
            expected = [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
            assert len(statement[1]) == len(expected)
            for field, ours, django in zip(fields, statement[1], expected, strict=True):
                assert _same(ours, django), (field.name, ours, django)


@pytest.mark.django_db
def test_choices_are_sent_as_the_same_text(actor, person_payload) -> None:
    rows = _rows(actor, person_payload(source_record_id="ws-choices", **PAYLOADS[-1]))
    choices = 0
    for row in rows:
        statement = insert_statement(row)
        assert statement is not None
        fields = [f for f in row._meta.local_concrete_fields if not f.generated]
        expected = [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
        for ours, django in zip(statement[1], expected, strict=True):
            if isinstance(django, str) and type(django) is not str:
                choices += 1
                assert (type(ours), ours) == (str, str(django.value))  # type: ignore[attr-defined]
        if connection.vendor == "postgresql":  # the very text psycopg sends
            with connection.cursor() as cursor:
                assert cursor.mogrify(*statement) == cursor.mogrify(statement[0], expected)
    assert choices >= 10  # the person's sex, source, stage, category; each detail's


def test_a_lazy_string_still_goes_through_the_fields_conversion() -> None:
    name: Any = gettext_lazy("Flood")  # as a form or a translation might hand it over
    crisis = Crisis(name=name, kind="disaster", started_on=dt.date(2026, 1, 1))
    statement = insert_statement(crisis)
    assert statement is not None
    sent = statement[1][[f.name for f in Crisis._meta.local_concrete_fields].index("name")]
    assert type(sent) is str
    assert sent == "Flood"


def test_only_unchanged_text_conversions_are_skipped() -> None:
    class Shouting(models.CharField):
        def get_prep_value(self, value: Any) -> Any:
            return str(value).upper()

    assert _keeps_text(models.CharField(max_length=3))
    assert _keeps_text(models.TextField())
    assert _keeps_text(models.EmailField())
    assert not _keeps_text(Shouting(max_length=3))
    for other in (
        models.JSONField(),
        models.UUIDField(),
        models.DateField(),
        models.IntegerField(),
    ):
        assert not _keeps_text(other)


@pytest.mark.django_db
def test_the_stored_row_is_the_one_save_stores(actor, person_payload) -> None:
    def stored(person_id: uuid.UUID) -> dict[str, Any]:
        values: dict[str, Any] = dict(Person.objects.filter(id=person_id).values().get())
        for name in ("id", "source_record_id", "created_at", "updated_at"):
            del values[name]
        return values

    for number, overrides in enumerate(PAYLOADS):
        shortcut, orm = (
            _rows(
                actor, person_payload(**{"source_record_id": f"ws-{kind}-{number}", **overrides})
            )[0]
            for kind in ("row", "orm")
        )
        insert_row(shortcut)
        orm.save(force_insert=True)
        assert stored(shortcut.pk) == stored(orm.pk)


@pytest.mark.django_db
def test_the_answer_from_the_kept_details_is_the_answer_read_back(client_a, person_payload) -> None:
    details = PAYLOADS[-1]
    response = client_a.post("/persons", person_payload(source_record_id="ws-answer", **details))
    assert response.status_code == 201, response.json()
    person = Person.objects.get(id=response.json()["id"])
    read_back = client_a.get(f"/persons/{person.id}")  # the answer from a fresh read
    assert read_back.status_code == 200
    assert response.json() == read_back.json()
    prefetched = Person.objects.prefetch_related("vulnerabilities", "needs", "consents").get(
        id=person.id
    )
    fresh = Person.objects.get(id=person.id)
    assert PersonOut.model_validate(person_out(prefetched)) == PersonOut.model_validate(
        person_out(fresh)
    )
    answered = response.json()
    assert len(answered["needs"]) == Need.objects.filter(person=person).count() == 2
    assert len(answered["consents"]) == Consent.objects.filter(person=person).count() == 2
    assert len(answered["vulnerabilities"]) == Vulnerability.objects.filter(person=person).count()
