"""The API's renderer, and AnswerText, write exactly the text ninja's own JSON renderer writes,
for every kind of value an answer may carry (compatriot/answers.py)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import uuid
import zoneinfo
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import models
from django.test import RequestFactory
from django.urls import resolve
from django.utils.translation import gettext_lazy
from ninja.renderers import JSONRenderer
from pydantic import BaseModel

from compatriot.answers import RENDERER, AnswerText, text_answer


class Colour(enum.Enum):
    RED = "red"


class Stage(models.TextChoices):
    TRANSIT = "transit", "In transit"


class Inner(BaseModel):
    when: dt.datetime
    id: uuid.UUID


class Stamp(dt.datetime):
    """A datetime subclass: not the exact type, so it takes ninja's and Django's path."""


UTC = dt.UTC
KYIV = zoneinfo.ZoneInfo("Europe/Kyiv")
VALUES: list[Any] = [
    None,
    True,
    0,
    -5,
    1.5,
    49.99,
    1e-7,
    "",
    "plain",
    'O\'Brien \\ "quoted" \n\t',
    "Ольга Шевченко",
    "فاطمة الحسن",
    "😀 and \u2028",
    [],
    {},
    uuid.UUID("7d0a1c52-8d0b-4e7b-9e5e-6a2f3b2c1d00"),
    uuid.uuid4(),
    dt.datetime(2026, 12, 6, 22, 1, 13, 123456, tzinfo=UTC),
    dt.datetime(2026, 12, 6, 22, 1, 13, tzinfo=UTC),
    dt.datetime(2026, 12, 6, 22, 1, 13, 999, tzinfo=UTC),
    dt.datetime(2026, 12, 6, 22, 1, 13, 500000, tzinfo=KYIV),
    dt.datetime(2026, 12, 6, 22, 1, 13, 7),  # noqa: DTZ001  naive, as a caller may hand one over
    dt.datetime(2026, 12, 6, 22, 1, 13, tzinfo=dt.timezone(dt.timedelta(hours=-3, minutes=-30))),
    Stamp(2026, 12, 6, 22, 1, 13, 123456, tzinfo=UTC),
    dt.date(2026, 12, 6),
    dt.time(22, 1, 13, 123456),
    dt.timedelta(days=1, seconds=5),
    decimal.Decimal("49.990"),
    Colour.RED,
    Stage.TRANSIT,
    gettext_lazy("Flood"),
    ipaddress.ip_address("127.0.0.1"),
    Inner(when=dt.datetime(2026, 1, 1, tzinfo=UTC), id=uuid.UUID(int=1)),
]


def _stock(data: Any) -> bytes:
    request = RequestFactory().get("/")
    text = JSONRenderer().render(request, data, response_status=200)
    return str(text).encode("utf-8")


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_each_value_is_written_as_ninja_writes_it(value: Any) -> None:
    request = RequestFactory().get("/")
    for data in (value, [value, value], {"field": value, "nested": [{"x": value}]}):
        assert RENDERER.render(request, data, response_status=200) == _stock(data)


def test_a_whole_answer_is_written_as_ninja_writes_it() -> None:
    request = RequestFactory().get("/")
    answer = {f"field_{number}": value for number, value in enumerate(VALUES)}
    answer["items"] = [dict(answer), list(VALUES)]
    assert RENDERER.render(request, answer, response_status=201) == _stock(answer)


def test_a_value_json_cannot_write_is_still_refused() -> None:
    request = RequestFactory().get("/")
    with pytest.raises(TypeError):
        RENDERER.render(request, {"x": object()}, response_status=200)


def test_the_api_renders_with_it() -> None:
    view: Any = resolve("/api/v1/health").func  # ninja's view; its operations know their API
    path_view = next(cell.cell_contents for cell in view.__closure__ if cell.cell_contents)
    api = path_view.operations[0].api
    assert api.renderer is RENDERER
    assert api.get_content_type() == "application/json; charset=utf-8"


class Holder(BaseModel):
    first: Any
    items: Any
    nested: Any
    computed: Any
    last: Any


class Row(BaseModel):
    x: Any


_MORE: list[Any] = [
    float("nan"),
    float("inf"),
    -0.0,
    2**70,
    False,
    "\x00\x1f\x7f\x85 \u202eRTL\u202c \ud800 \U0010fffd \\u0000 </script>",
    ["a", 1, None, [uuid.UUID(int=5)]],
    ("tuple", 1),
]


@pytest.mark.parametrize("value", VALUES + _MORE, ids=repr)
def test_answer_text_writes_each_value_as_the_renderer_writes_it(value: Any) -> None:
    """AnswerText's own paths (text, None, UUIDs, UTC datetimes, lists, numbers) and the
    encoder's (anything else) give the renderer's text of the same dict tree."""
    request = RequestFactory().get("/")
    writer = AnswerText(
        Holder,
        computed={"computed": lambda obj: obj.first},
        rows={"nested": AnswerText(Row)},
    )
    obj = SimpleNamespace(
        first=value, items=[value, value], nested=[SimpleNamespace(x=value)] * 2, last=value
    )
    tree = {
        "first": value,
        "items": [value, value],
        "nested": [{"x": value}] * 2,
        "computed": value,
        "last": value,
    }
    expected = RENDERER.render(request, tree, response_status=201)
    assert writer.text(obj).encode("ascii") == expected
    assert expected == _stock(tree)


def test_answer_text_refuses_what_json_cannot_write_and_fields_the_schema_lacks() -> None:
    with pytest.raises(TypeError):
        AnswerText(Row).text(SimpleNamespace(x=object()))
    with pytest.raises(ValueError, match="no fields"):
        AnswerText(Row, computed={"y": lambda obj: 1})
    with pytest.raises(ValueError, match="no fields"):
        AnswerText(Row, rows={"y": AnswerText(Row)})


def test_text_answer_has_ninjas_status_and_headers() -> None:
    response = text_answer('{"a": 1}', status=201)
    assert response.status_code == 201
    assert response.content == b'{"a": 1}'
    assert response["Content-Type"] == "application/json; charset=utf-8"


_UTC_TIMES = [
    dt.datetime(2026, 12, 7, 12, 0, 0, 1237, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 7, 12, 0, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 7, 23, 59, 59, 999999, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 7, 12, 0, 0, 500, tzinfo=dt.UTC),  # microseconds, no millisecond
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.datetime(999, 2, 3, 4, 5, 6, 7000, tzinfo=dt.UTC),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 7, 12, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    dt.datetime(2026, 12, 7, 12, 0, 0, 1, tzinfo=zoneinfo.ZoneInfo("Europe/Kyiv")),
]


def test_utc_datetimes_are_written_as_the_encoder_writes_them() -> None:
    """AnswerText's datetimes (UTC ones cut from core.literals.utc_text): the encoder's text,
    for each second twice (the second's text remembered)."""
    writer = AnswerText(Row)
    for _ in range(2):
        for value in _UTC_TIMES:
            expected = '{"x": "' + JSONRenderer.encoder_class().default(value) + '"}'
            assert writer.text(SimpleNamespace(x=value)) == expected, value
