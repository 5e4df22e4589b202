"""Bearer-token authentication for the API."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.http import logger

from compatriot.core.claims import TokenClaim, authenticated, claim
from compatriot.core.statements import can_send_together
from compatriot.core.tokens import hash_token
from compatriot.core.viewer import Viewer
from compatriot.normalise.text import without_controls


def _purpose(request: HttpRequest) -> str:
    return without_controls(request.META.get("HTTP_X_PURPOSE", "api")[:200])[:100]


class BearerToken(HttpBearer):
    """The token looked up afresh on every request, unless `claims` is set.

    `BearerToken(claims=True)`: only for an operation whose write confirms the token inside its
    own transaction (POST /persons, people/services.py `person_register`): a TokenClaim from this
    process's memory when there is one (no round trip), else the normal look-up. Its view takes
    the claim with `viewer_or_claim_of`; `viewer_of` and the API's error answers confirm it
    first. (One class for both, so that the OpenAPI document names one security scheme.)"""

    def __init__(self, *, claims: bool = False) -> None:
        super().__init__()
        self.claims = claims

    def __call__(self, request: HttpRequest) -> Viewer | TokenClaim | None:
        """ninja's `HttpBearer.__call__`, reading the header from `META`: `request.headers` builds
        a mapping of every header first (about 5 µs), and nothing else on the API reads it."""
        auth_value = request.META.get("HTTP_AUTHORIZATION")
        if not auth_value:
            return None
        parts = auth_value.split(" ")
        if parts[0].lower() != self.openapi_scheme:
            if settings.DEBUG:
                logger.error(f"Unexpected auth - '{auth_value}'")
            return None
        return self.authenticate(request, " ".join(parts[1:]))

    def authenticate(self, request: HttpRequest, token: str) -> Viewer | TokenClaim | None:
        if not token or len(token) > 200:
            return None
        key_hash, purpose, now = hash_token(token), _purpose(request), timezone.now()
        # Only PostgreSQL's one-round-trip write confirms a claim.
        if self.claims and can_send_together():
            claimed = claim(key_hash, purpose=purpose, now=now)
            if claimed is not None:
                return claimed
        return authenticated(key_hash, purpose=purpose, now=now)
