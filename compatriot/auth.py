"""Bearer-token authentication for the API."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from compatriot.core.selectors import viewer_for_token
from compatriot.core.services import token_touch
from compatriot.core.viewer import Viewer


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Viewer | None:
        if not token or len(token) > 200:
            return None
        found = viewer_for_token(token, purpose=request.headers.get("X-Purpose", "api")[:100])
        if found is None:
            return None
        viewer, api_token = found
        token_touch(api_token, now=timezone.now())
        return viewer
