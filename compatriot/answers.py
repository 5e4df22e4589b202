"""The API's answers: its JSON renderer, and answers rendered without ninja's response machinery.

For `response={201: PersonOut}` ninja validates the view's result against a model it wraps around
the schema (`response: PersonOut`, a ninja Schema whose root validator runs in Python), dumps it,
and renders it into the response it made before the view ran. For the busiest write, whose values
the write itself has just made with the declared types, that is a third of the request's framework
cost (docs/benchmarks.md, branch apiframe): `json_answer` renders a view's already-dumped answer
with the API's own renderer (`RENDERER`, which `compatriot.api` hands to the API), with the same
status and headers ninja gives. The operation keeps its `response=`, so the OpenAPI document still
names the schema; the view's tests prove its text equals ninja's validated answer.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
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


def text_fields(schema: type[BaseModel]) -> tuple[str, ...]:
    """The schema's fields declared as a UUID or an aware datetime (or None): what
    `as_encoded_text` turns to text."""
    kinds = {uuid.UUID, uuid.UUID | None, dt.datetime, dt.datetime | None}
    return tuple(name for name, field in schema.model_fields.items() if field.annotation in kinds)


def as_encoded_text(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """`row` with its UUIDs and datetimes under `names` as the text the renderer's encoder writes
    for them (`_Encoder.default`), so that the encoder writes plain strings: its `default` is a
    call back into Python for each such value, ~5,000 instructions, ~7 per answer of the write
    (docs/benchmarks.md, branch apiwrite of 7 December). Values of other types stay as they are."""
    for name in names:
        value = row[name]
        kind = type(value)
        if kind is uuid.UUID:
            row[name] = str(value)
        elif kind is dt.datetime:
            row[name] = _datetime_text(value)
    return row


def json_answer(request: HttpRequest, data: object, *, status: int) -> HttpResponse:
    """`data` as the schema's dump gives it (the schema's fields in its order, its types)."""
    content = RENDERER.render(request, data, response_status=status)
    return HttpResponse(content, status=status, content_type=CONTENT_TYPE)
