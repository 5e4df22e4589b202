"""The API's answers: its JSON renderer, and answers rendered without ninja's response machinery.

For `response={201: PersonOut}` ninja validates the view's result against a model it wraps around
the schema (`response: PersonOut`, a ninja Schema whose root validator runs in Python), dumps it,
and renders it into the response it made before the view ran. For the busiest write, whose values
the write itself has just made with the declared types, that is a third of the request's framework
cost (docs/benchmarks.md, branch apiframe): `AnswerText` writes the schema's answer from the
object itself, as the API's own renderer (`RENDERER`, which `compatriot.api` hands to the API)
writes it, and `text_answer` gives it the same status and headers ninja gives. The operation
keeps its `response=`, so the OpenAPI document still names the schema; the view's tests prove
its text equals ninja's validated answer and a read's.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Mapping
from typing import Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

from compatriot.core.literals import utc_text


class _Encoder(NinjaJSONEncoder):
    """ninja's encoder, with the two values every answer carries looked up by their exact type
    first: ninja's own checks (a pydantic model? a URL? an address? an enum?) come before
    Django's, so a UUID went through nine `isinstance` tests. Same text for every value."""

    def default(self, o: Any) -> Any:
        kind = type(o)
        if kind is dt.datetime:
            return DjangoJSONEncoder.default(self, o)
        if kind is uuid.UUID:
            return str(o)
        return super().default(o)


class AnswerRenderer(JSONRenderer):
    """ninja's JSON renderer with one encoder for all answers (json.dumps with `cls` builds one
    per call; an encoder keeps no state between calls), and the text as bytes: it is ASCII
    (`ensure_ascii`), so the response need not encode it again."""

    encoder_class = _Encoder

    def __init__(self) -> None:
        self.encoder = self.encoder_class(**self.json_dumps_params)

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return self.encoder.encode(data).encode("ascii")


RENDERER = AnswerRenderer()
CONTENT_TYPE = f"{RENDERER.media_type}; charset={RENDERER.charset}"

_DATETIME_TEXT = functools.partial(DjangoJSONEncoder.default, RENDERER.encoder)


def _datetime_text(value: dt.datetime) -> str:
    """The encoder's text of a datetime (DjangoJSONEncoder: `isoformat()`, milliseconds, "Z"
    for UTC); of a UTC one (`timezone.now()`'s, every datetime of a registration's answer) cut
    from `utc_text`, ~11,000 instructions fewer (docs/benchmarks.md, branch apiworker)."""
    if value.tzinfo is not dt.UTC:
        return cast(str, _DATETIME_TEXT(value))
    text = utc_text(value)  # 2026-12-07 12:00:00[.123456]+00:00
    return text[:10] + "T" + text[11 : 23 if value.microsecond else 19] + "Z"


class AnswerText:
    """The text `RENDERER` writes for a schema's dump of an object, written from the object's
    attributes without a dict tree for the encoder to walk: each field's key is encoded once,
    and each value is written as the encoder writes it (`RENDERER.encoder.encode` for text and
    anything unusual; UUIDs, datetimes, numbers, None and lists by the same rules, without the
    encoder's call back into Python for them or its C encoder built per answer): ~20 % fewer
    instructions than the dict and the encoder (docs/benchmarks.md, branch apianswer).

    For objects whose values the caller made with the schema's declared types (the write that
    just made them): nothing is validated. `computed` gives a field's value from the object
    where it is not the attribute of the field's name; `rows` writes a field's list of objects
    (a list of another schema). The tests prove the text equal to ninja's validated answer."""

    def __init__(
        self,
        schema: type[BaseModel],
        *,
        computed: Mapping[str, Callable[[Any], Any]] | None = None,
        rows: Mapping[str, AnswerText] | None = None,
    ) -> None:
        encoder = RENDERER.encoder
        computed, rows = computed or {}, rows or {}
        if unknown := (set(computed) | set(rows)) - set(schema.model_fields):
            raise ValueError(f"{schema.__name__} has no fields {sorted(unknown)}")
        self._item = encoder.item_separator
        self._fields = tuple(
            (
                (self._item if number else "{") + encoder.encode(name) + encoder.key_separator,
                name,
                computed.get(name),
                rows.get(name),
            )
            for number, name in enumerate(schema.model_fields)
        )

    def text(self, obj: Any) -> str:
        parts: list[str] = []
        append = parts.append
        for key, name, compute, rows in self._fields:
            append(key)
            value = getattr(obj, name) if compute is None else compute(obj)
            kind = type(value)
            if kind is str:
                append(_ENCODE(value))
            elif value is None:
                append("null")
            elif kind is uuid.UUID:
                append('"' + str(value) + '"')
            elif rows is not None:
                append("[" + self._item.join([rows.text(row) for row in value]) + "]")
            elif kind is list:
                items = [
                    _ENCODE(item) if type(item) is str else _value_text(item) for item in value
                ]
                append("[" + self._item.join(items) + "]")
            elif kind is dt.datetime:
                append('"' + _datetime_text(value) + '"')
            else:
                append(_value_text(value))
        append("}")
        return "".join(parts)


def _value_text(value: Any) -> str:
    """The encoder's text of one value: ints and finite floats by their repr as the encoder
    writes them (`int.__repr__`, `float.__repr__`), the rest by the encoder itself."""
    kind = type(value)
    if kind is int or (kind is float and value - value == 0.0):  # not inf or nan
        return repr(value)
    if kind is bool:
        return "true" if value else "false"
    return _ENCODE(value)


_ENCODE = RENDERER.encoder.encode


def text_answer(text: str, *, status: int) -> HttpResponse:
    """An answer written by `AnswerText` (ASCII: the encoder's `ensure_ascii`), with the status
    and headers ninja gives."""
    return HttpResponse(text.encode("ascii"), status=status, content_type=CONTENT_TYPE)
