"""core.statements.json_text writes what `json.dumps` writes, and a JSONField's prepared value on
the write path binds to the same SQL text as Django's own (here core's JSONFields: the person's
phones, nationalities and languages are the same field class; the write's SQL text is compared
with the ORM path's in people/tests)."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from django.db import connection
from psycopg.types.json import Jsonb

from compatriot.core.models import AuditEntry, Crisis, Organisation
from compatriot.core.statements import _with_json_text, json_text


class Kind(str, enum.Enum):  # noqa: UP042  a str mixin, as Django's choices
    NGO = "ngo"


ODD = "100% '%s' \\ \" ; -- $$ Ольга العربية \u2028 \t\n\x00\x01\x1f\x7f é 😀"
LISTS: list[Any] = [
    [],
    [""],
    ["+380501234567"],
    ["UA", "PL", "MD"],
    [ODD, "'", "\\", '"', "\ud800"],
    ["a", 1],
    [1, 2.5, None, True],
    [["nested"]],
    [Kind.NGO],
    ("a", "b"),
    {"a": ["b"]},
    {},
    "text",
    None,
    1.5,
]


@pytest.mark.parametrize("value", LISTS, ids=[repr(v)[:30] for v in LISTS])
def test_the_text_is_json_dumps(value: Any) -> None:
    assert json_text(value) == json.dumps(value)


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize(
    "field",
    [
        Crisis._meta.get_field("affected_countries"),
        Organisation._meta.get_field("languages"),
        AuditEntry._meta.get_field("details"),
    ],
)
def test_a_json_field_binds_to_djangos_text(field: Any) -> None:
    prepare = _with_json_text(field.get_db_prep_save)
    with connection.cursor() as cursor:
        for value in [*LISTS, ["ngo", "un_agency"]]:
            ours, djangos = prepare(value, connection), field.get_db_prep_save(value, connection)
            if value is None:
                assert ours is djangos is None
                continue
            assert type(ours) is Jsonb
            assert cursor.mogrify("SELECT %s", [ours]) == cursor.mogrify("SELECT %s", [djangos])


def test_other_values_pass_as_they_are() -> None:
    def prepare(value: Any, connection: Any) -> Any:
        return value

    custom = Jsonb(["a"], dumps=lambda obj: "[]")
    assert _with_json_text(prepare)(custom, None) is custom
    assert _with_json_text(prepare)('["a"]', None) == '["a"]'
