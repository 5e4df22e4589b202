"""The registration's shortcuts store and answer exactly what the ORM's own paths do: the INSERT's
values prepared without the fields' conversion where it returns text unchanged
(core.statements.insert_statement), the rows of the one-round-trip write built with their INSERTs
(core.statements.new_row), and the answer built from the details the write kept
(people.api.person_out)."""

from __future__ import annotations

import datetime as dt
import uuid
from contextlib import nullcontext
from typing import Any

import pytest
from django.db import connection, models
from django.db.models.signals import post_init, post_save, pre_init, pre_save  # noqa: TID251
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy

from compatriot.core import audit
from compatriot.core.audit import audit_entry
from compatriot.core.models import AuditAction, AuditEntry, Crisis
from compatriot.core.statements import (
    _keeps_text,
    _prepared,
    _row_plan,
    _sends_as_is,
    _statement,
    insert_keyed_row,
    insert_row,
    insert_statement,
    inserted,
    new_row,
)
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
        # The write path's JSON text comes from core.statements.json_text: the same text.
        return bool(ours.obj == django.obj and ours.dumps(ours.obj) == django.dumps(django.obj))
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


def _fields(row: models.Model) -> dict[str, Any]:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def _same_statement(ours: Any, theirs: Any) -> None:
    assert ours is not None
    assert theirs is not None
    assert ours[0] == theirs[0]
    for number, (mine, django) in enumerate(zip(ours[1], theirs[1], strict=True)):
        assert _same(mine, django), (number, mine, django)
    if connection.vendor == "postgresql":  # the very text psycopg sends
        with connection.cursor() as cursor:
            assert cursor.mogrify(*ours) == cursor.mogrify(*theirs)


@pytest.mark.django_db
def test_new_rows_are_the_instances_and_inserts_of_the_orm_path(
    actor, person_payload, monkeypatch
) -> None:
    # The same clock for both ways (auto_now times); the ids taken from the new rows.
    at = dt.datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: at)
    for number, overrides in enumerate(PAYLOADS):
        data = PersonIn.model_validate(
            person_payload(**{"source_record_id": f"nr-{number}", **overrides})
        )
        built = services._new_rows(actor, data)
        assert built is not None
        person, (vulnerabilities, needs, consents), inserts = built
        expected = services._new_person(
            actor, data=data, crisis_id=data.crisis_id, household=None, relationship=""
        )
        expected.id = person.id
        details = services._new_details(actor, expected, data)
        rows = [person, *vulnerabilities, *needs, *consents]
        expected_rows = [expected, *(row for kind in details for row in kind)]
        assert [type(row) for row in rows] == [type(row) for row in expected_rows]
        for row, theirs in zip(rows[1:], expected_rows[1:], strict=True):
            theirs.pk = row.pk
        assert len(inserts) == len(rows)
        for row, theirs, insert in zip(rows, expected_rows, inserts, strict=True):
            reference = insert_statement(theirs)  # pre_save() sets the ORM row's times
            assert _fields(row) == _fields(theirs)
            # (a detail's person sets the database of both, in either way)
            assert (row._state.adding, row._state.db) == (theirs._state.adding, theirs._state.db)
            _same_statement(insert, reference)
        for detail in rows[1:]:
            assert detail.person is person  # type: ignore[attr-defined]  # cached, no query


@pytest.mark.django_db
def test_new_row_sets_the_defaults_and_auto_times_as_save_does(monkeypatch) -> None:
    at = dt.datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: at)
    built = new_row(
        Crisis, {"name": "Flood", "kind": "disaster", "started_on": dt.date(2026, 1, 1)}
    )
    assert built is not None
    crisis, insert = built
    assert isinstance(crisis.id, uuid.UUID)
    assert crisis.phase == Crisis._meta.get_field("phase").get_default()
    assert crisis.affected_countries == []
    assert crisis.created_at == crisis.updated_at == at  # set on the instance, as pre_save does
    reference = Crisis(id=crisis.id, name="Flood", kind="disaster", started_on=dt.date(2026, 1, 1))
    _same_statement(insert, insert_statement(reference))


def test_new_row_refuses_unknown_values() -> None:
    with pytest.raises(TypeError, match="crisis"):
        new_row(Need, {"crisis": "x", "category": "food"})


@pytest.mark.parametrize("signal", [pre_init, pre_save, post_save])
def test_new_row_leaves_models_with_receivers_to_save(signal: Any) -> None:
    def receiver(**kwargs: Any) -> None:
        pass

    signal.connect(receiver, sender=Need)
    try:
        assert new_row(Need, {"category": "food"}) is None
    finally:
        signal.disconnect(receiver, sender=Need)
    assert new_row(Need, {"category": "food"}) is not None


@pytest.mark.django_db(transaction=True)
def test_a_write_with_a_receiver_is_still_written_whole(client_a, person_payload) -> None:
    def receiver(**kwargs: Any) -> None:
        pass

    pre_save.connect(receiver, sender=Need)
    try:
        response = client_a.post(
            "/persons", person_payload(source_record_id="nr-signal", **PAYLOADS[-1])
        )
    finally:
        pre_save.disconnect(receiver, sender=Need)
    assert response.status_code == 201, response.json()
    assert Need.objects.filter(person_id=response.json()["id"]).count() == 2


def test_values_sent_as_they_are_are_those_the_fields_return_as_they_are() -> None:
    """core.statements._sends_as_is: text, None, a uuid, an aware datetime of timezone.now(), a
    date, a float, an int of an auto field's key skip the conversion only where Django's own
    returns that very value (on SQLite a uuid becomes its hex and dates and datetimes are
    adapted, so those are not skipped there)."""
    samples: dict[type, list[Any]] = {
        str: ["", "O'Brien", "Ольга"],
        type(None): [None],
        uuid.UUID: [uuid.uuid4(), uuid.UUID(int=0)],
        dt.datetime: [timezone.now(), dt.datetime(1, 1, 1, tzinfo=dt.UTC)],
        dt.date: [dt.date(2026, 12, 7), dt.date(1, 1, 1)],
        float: [0.0, -1.5, 46.49213],
        int: [1, 2**40],
    }
    seen: set[type] = set()
    for model in (Person, Need, Vulnerability, Consent):
        for field in model._meta.local_concrete_fields:
            for kind in _sends_as_is(field, connection):
                seen.add(kind)
                for value in samples[kind]:
                    assert field.get_db_prep_save(value, connection) is value, (field, value)
    expected = {str, type(None), int}  # int: the user's key (an auto field)
    if connection.vendor == "postgresql":
        expected |= {uuid.UUID, dt.datetime, dt.date, float}
    else:
        expected |= {float}
    assert seen == expected


@pytest.mark.django_db
def test_the_cheaper_conversions_give_what_the_fields_give() -> None:
    """core.statements._preparer: choices as plain text, ints into their psycopg wrapper, JSON
    lists and dicts into a Jsonb written by json_text: the same as each field's conversion."""
    person = Person._meta
    cases: list[tuple[models.Field, Any]] = [
        (person.get_field("sex"), Person._meta.get_field("sex").get_default()),
        (person.get_field("version"), 1),
        (person.get_field("version"), 2**31 - 1),
        (person.get_field("version"), None),
        (person.get_field("phones"), ["+380501234567"]),
        (person.get_field("languages"), []),
        (person.get_field("nationalities"), {"a": ["it's", "\\"]}),
        (person.get_field("nationalities"), "[]"),
        (Consent._meta.get_field("recorded_by"), 7),
    ]
    insert = _statement(Person, connection)
    assert insert is not None
    for field, value in cases:
        model_insert = _statement(field.model, connection)
        assert model_insert is not None
        prepare = model_insert.prepares[model_insert.fields.index(field)]
        ours, django = prepare(value, connection), field.get_db_prep_save(value, connection)
        assert _same(ours, django), (field, value, ours, django)


@pytest.mark.django_db
def test_the_row_made_without_init_is_the_row_init_makes(monkeypatch) -> None:
    """core.statements._instance: the same attributes, in the same order, and the same state
    as Model.__init__ gives; with a post_init receiver, Model.__init__ itself."""
    at = dt.datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: at)
    for model, values in (
        (Person, {"given_name": "Ольга", "crisis_id": uuid.uuid4(), "version": 3}),
        (Need, {"person_id": uuid.uuid4(), "category": "food"}),
        (Consent, {"person_id": uuid.uuid4(), "scope": "registration", "method": "verbal"}),
    ):
        built = new_row(model, values)
        assert built is not None
        row, _ = built
        assert _row_plan(model, connection).plain  # type: ignore[union-attr]
        theirs = model(**{**values, "id": row.pk})
        for field in model._meta.concrete_fields:  # pre_save's times, as in new_row
            field.pre_save(theirs, True)
        assert list(vars(row)) == list(vars(theirs))
        assert {k: v for k, v in vars(row).items() if k != "_state"} == {
            k: v for k, v in vars(theirs).items() if k != "_state"
        }
        # (a ForeignKey's __set__ made the state's empty cache of related rows, lazily made)
        assert (row._state.adding, row._state.db, row._state.fields_cache) == (True, None, {})
        assert (theirs._state.adding, theirs._state.db, theirs._state.fields_cache) == (
            True,
            None,
            {},
        )

    made = []

    def receiver(instance: Any, **kwargs: Any) -> None:
        made.append(instance)

    post_init.connect(receiver, sender=Need)
    try:
        built = new_row(Need, {"person_id": uuid.uuid4(), "category": "food"})
    finally:
        post_init.disconnect(receiver, sender=Need)
    assert built is not None
    assert made == [built[0]]


def test_fixed_defaults_are_those_get_default_returns_every_time() -> None:
    for model in (Person, Need, Vulnerability, Consent, Crisis):
        plan = _row_plan(model, connection)
        assert plan is not None
        called = {name for _, name, _ in plan.called}
        for field, fixed in zip(model._meta.concrete_fields, plan.fixed, strict=True):
            if field.attname in called:
                assert callable(field.default), field
                continue
            assert field.get_default() == fixed, field
            assert type(field.get_default()) is type(fixed), field
    plan = _row_plan(Person, connection)
    assert plan is not None
    assert {name for _, name, _ in plan.called} == {"id", "nationalities", "languages", "phones"}


@pytest.mark.django_db
def test_other_datetimes_still_go_through_the_fields_conversion(actor, person_payload) -> None:
    """A naive datetime (made aware, with a warning) and another zone's go through Django."""
    built = new_row(Need, {"person_id": uuid.uuid4(), "category": "food"})
    assert built is not None
    row, _ = built
    insert = _statement(Need, connection)
    assert insert is not None
    other = dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    naive = dt.datetime(2026, 1, 1, 12)  # noqa: DTZ001  on purpose
    for value in (other, naive):
        values = [
            value if f.name == "created_at" else getattr(row, f.attname) for f in insert.fields
        ]
        with pytest.warns(RuntimeWarning) if value is naive else nullcontext():
            prepared = _prepared(insert, values, connection)
        index = [f.name for f in insert.fields].index("created_at")
        with pytest.warns(RuntimeWarning) if value is naive else nullcontext():
            expected = insert.fields[index].get_db_prep_save(value, connection)
        assert prepared[index] == expected


def _sent(run: Any) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db
def test_a_kinds_single_detail_goes_in_as_bulk_create_sends_it(
    actor, person_payload, monkeypatch
) -> None:
    at = dt.datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: at)
    payload = {**PAYLOADS[-1], "needs": PAYLOADS[-1]["needs"][:1]}
    ours: list[Any] = _rows(actor, person_payload(source_record_id="a", **payload))
    theirs: list[Any] = _rows(actor, person_payload(source_record_id="b", **payload))
    for rows in (ours, theirs):
        insert_row(rows[0])
    taken: list[bool] = []  # the shortcut's answers: a fallback to bulk_create sends the same SQL

    def recorded(row: Any) -> bool:
        taken.append(inserted(row))
        return taken[-1]

    monkeypatch.setattr(services, "inserted", recorded)
    for row, twin in zip(ours[1:], theirs[1:], strict=True):
        twin.pk = row.pk
        model: Any = type(row)
        if isinstance(row, Consent):  # the next one: consents' ids cannot repeat
            continue
        mine = _sent(lambda row=row, model=model: services._created(model, [row]))
        model.objects.filter(pk=row.pk).delete()
        twin.person_id = row.person_id
        django = _sent(lambda twin=twin, model=model: model.objects.bulk_create([twin]))
        assert mine == django  # one INSERT, the same text (values included)
        assert (row._state.adding, row._state.db) == (twin._state.adding, twin._state.db)
    assert taken
    assert all(taken)
    consents = ours[-2:]  # two of a kind: bulk_create itself, one statement
    assert len(_sent(lambda: services._created(Consent, consents))) == 1
    assert services._created(Need, []) == []


@pytest.mark.django_db
def test_the_audit_entrys_insert_is_the_one_save_sends(actor, monkeypatch) -> None:
    def entry(**values: Any) -> AuditEntry:
        made = audit_entry(
            actor, action=AuditAction.CREATE, object_type="person", object_id="p", details=values
        )
        made.at = dt.datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=dt.UTC)
        made.previous_hash, made.entry_hash = "0" * 64, "1" * 64
        return made

    for details in ({}, {"fields": ["given_name"], "text": "O'Brien %s \\ ü"}):
        ours, theirs = entry(**details), entry(**details)
        with monkeypatch.context() as patched:  # the fallback, save(), sends the same SQL
            patched.setattr(AuditEntry, "save_base", _not_saved_by_the_orm)
            mine = _sent(lambda ours=ours: insert_keyed_row(ours))
        django = _sent(lambda theirs=theirs: theirs.save(force_insert=True))
        assert mine == django
        assert ours.pk == theirs.pk - 1
        assert (ours._state.adding, ours._state.db) == (False, "default")
        stored = AuditEntry.objects.filter(pk__in=[ours.pk, theirs.pk]).order_by("pk").values()
        first, second = (dict(row) for row in stored)
        assert {**first, "id": 0} == {**second, "id": 0}
    keyed = entry()
    keyed.pk = 10**9  # a key of its own: save() writes it
    insert_keyed_row(keyed)
    assert AuditEntry.objects.filter(pk=10**9).exists()


def _not_saved_by_the_orm(*_args: Any, **_kwargs: Any) -> None:
    raise AssertionError("insert_keyed_row fell back to save()")


@pytest.mark.django_db
def test_the_audit_tails_statement_is_the_one_the_orm_sends() -> None:
    first = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True)[:1]
    assert first.query.sql_with_params()[0] == audit._TAIL_SQL
