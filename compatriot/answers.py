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
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


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


def json_answer(request: HttpRequest, data: object, *, status: int) -> HttpResponse:
    """`data` as the schema's dump gives it (the schema's fields in its order, its types)."""
    content = RENDERER.render(request, data, response_status=status)
    return HttpResponse(content, status=status, content_type=CONTENT_TYPE)
