"""The API's renderer writes exactly the text ninja's own JSON renderer writes, for every kind of
value an answer may carry (compatriot/answers.py)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import uuid
import zoneinfo
from typing import Any

import pytest
from django.db import models
from django.test import RequestFactory
from django.urls import resolve
from django.utils.translation import gettext_lazy
from ninja.renderers import JSONRenderer
from pydantic import BaseModel

from compatriot.answers import RENDERER, as_encoded_text, text_fields


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


class Dated(BaseModel):
    id: uuid.UUID
    other_id: uuid.UUID | None
    at: dt.datetime
    until: dt.datetime | None
    day: dt.date
    name: str


def test_text_fields_are_the_uuids_and_datetimes_a_schema_declares() -> None:
    assert text_fields(Dated) == ("id", "other_id", "at", "until")


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_turned_to_text_first_is_written_as_the_encoder_writes_it(value: Any) -> None:
    request = RequestFactory().get("/")
    row = as_encoded_text({"field": value, "kept": value}, ("field",))
    assert row["kept"] is value
    if type(value) in {uuid.UUID, dt.datetime}:
        assert isinstance(row["field"], str)  # the encoder's `default` not called for it
    else:
        assert row["field"] is value  # a subclass, a date, anything else: the encoder's
    expected = RENDERER.render(request, {"field": value, "kept": value}, response_status=201)
    assert RENDERER.render(request, row, response_status=201) == expected


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
    """as_encoded_text's datetimes (UTC ones cut from core.literals.utc_text): the encoder's
    text, for each second twice (the second's text remembered)."""
    for _ in range(2):
        for value in _UTC_TIMES:
            row = as_encoded_text({"at": value}, ("at",))
            assert row["at"] == JSONRenderer.encoder_class().default(value), value
