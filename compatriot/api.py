"""The REST API under /api/v1: mounts each app's router and maps errors to answers.

Every error answer has the shape {"code", "field", "message"}; input-shape errors add "errors"
with every problem pydantic found.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.main import _E, Exc

from compatriot.answers import CONTENT_TYPE, RENDERER
from compatriot.assistance.api import router as assistance_router
from compatriot.auth import BearerToken
from compatriot.cases.api import router as cases_router
from compatriot.core.api import router as core_router
from compatriot.core.claims import TokenClaim, TokenNoLongerValid, confirmed
from compatriot.core.errors import DomainError
from compatriot.directory.api import router as directory_router
from compatriot.linkage.api import router as linkage_router
from compatriot.people.api import router as people_router
from compatriot.queries import known_query_only
from compatriot.tracing.api import router as tracing_router

# The operations whose URL patterns Django tries first. It tries the API's ~120 patterns in order
# (ninja's, one per operation) and the busiest write was the 22nd: 12 to 14 µs of CPU per request
# (docs/benchmarks.md, branch apiframe2). Moving a pattern first changes no resolution while no
# pattern before it in ninja's order matches its paths (compatriot/tests/test_api_urls.py).
BUSIEST_OPERATIONS = ("register_person",)


class CompatriotAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        """ninja's URL patterns, those of BUSIEST_OPERATIONS first; the OpenAPI document is
        built from the routers, not from these, so it keeps ninja's order."""
        patterns, app_name, namespace = super().urls
        first = [p for p in patterns if getattr(p, "name", None) in BUSIEST_OPERATIONS]
        return [*first, *(p for p in patterns if p not in first)], app_name, namespace

    def create_temporal_response(self, request: HttpRequest) -> HttpResponse:
        """ninja's, with its empty content as bytes: text would be encoded in the charset
        read back from the content type by a regular expression, on every request."""
        return HttpResponse(b"", content_type=CONTENT_TYPE)

    def on_exception(self, request: HttpRequest, exc: Exc[_E]) -> HttpResponse:
        """Any answer but a write's own goes only to a confirmed token: a claim (a token taken
        from memory by BearerToken(claims=True)) is looked up afresh first, and answered 401 if
        no longer valid, so that a revoked token never learns more than today."""
        claim = getattr(request, "auth", None)
        if isinstance(claim, TokenClaim) and not isinstance(exc, TokenNoLongerValid):
            try:
                request.auth = confirmed(claim)  # type: ignore[attr-defined]  # ninja's own
            except TokenNoLongerValid as refused:
                return super().on_exception(request, refused)
        return super().on_exception(request, exc)


api = CompatriotAPI(
    title="Compatriot API",
    version="1",
    description=(
        "Coordination API for diaspora organisations, international organisations, consulates, "
        "NGOs and referral mechanisms. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `compatriot token create`). Identifiers are UUIDs. Anything outside "
        "your organisation's scope answers 404, exactly as if it did not exist."
    ),
    auth=BearerToken(),
    urls_namespace="api-v1",
    renderer=RENDERER,  # the one compatriot.answers renders with
)
# Before the routers are bound (at the first URL resolution): every router's operations get it.
api.add_decorator(known_query_only, mode="operation")
api.add_router("/", core_router)
api.add_router("/", people_router)
api.add_router("/", cases_router)
api.add_router("/", directory_router)
api.add_router("/assistance", assistance_router)
api.add_router("/tracing", tracing_router)
api.add_router("/linkage", linkage_router)


# A model-level validator cannot give pydantic a location, so it names the field it blames at the
# start of its message: "longitude: latitude and longitude come together".
_BLAMED_FIELD = re.compile(r"^(?P<field>[a-z_]+)(?: or [a-z_]+)*: ")


def _field_of(location: tuple[Any, ...] | list[Any], message: str, kind: str) -> str:
    """A field path in the form the services use too: `members[2].birth_date`."""
    # Drop the transport prefix ("body", "payload"/"data", "query") that ninja adds.
    parts = list(location)
    while parts and parts[0] in {"body", "query", "path", "data", "payload", "filters", "form"}:
        parts.pop(0)
    blamed = _BLAMED_FIELD.match(message) if kind == "value_error" else None
    if blamed:
        parts.append(blamed["field"])
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    errors = []
    for item in error.errors:
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        kind = item.get("type", "")
        field = _field_of(item.get("loc", []), message, kind)
        errors.append({"field": field, "message": message, "type": kind})
    first = errors[0] if errors else {"field": "", "message": "invalid input"}
    body = {
        "code": "INVALID",
        "field": first["field"] or None,
        "message": first["message"],
        "errors": errors,
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return api.create_response(request, error.as_dict(), status=error.status)


@api.exception_handler(AuthenticationError)
@api.exception_handler(TokenNoLongerValid)
def authentication_error(
    request: HttpRequest, error: AuthenticationError | TokenNoLongerValid
) -> HttpResponse:
    body = {
        "code": "UNAUTHENTICATED",
        "field": None,
        "message": "A valid bearer token is required.",
    }
    response = api.create_response(request, body, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    body = {"code": "TOO_LARGE", "field": None, "message": "The request body is too large."}
    return api.create_response(request, body, status=413)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    body = {"code": "HTTP_ERROR", "field": None, "message": str(error)}
    return api.create_response(request, body, status=error.status_code)


class HealthOut(Schema):
    status: str
    database: str


@api.get("/health", auth=None, response={200: HealthOut, 503: HealthOut}, tags=["health"])
def health(request: HttpRequest) -> Status:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure is reported, not raised
        return Status(503, {"status": "unavailable", "database": "unreachable"})
    return Status(200, {"status": "ok", "database": connection.vendor})
