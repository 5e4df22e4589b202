"""Bearer-token authentication for the API."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from compatriot.core.selectors import viewer_for_token
from compatriot.core.services import token_touch
from compatriot.core.viewer import Viewer
from compatriot.normalise.text import without_controls


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Viewer | None:
        if not token or len(token) > 200:
            return None
        purpose = without_controls(request.headers.get("X-Purpose", "api")[:200])[:100]
        found = viewer_for_token(token, purpose=purpose)
        if found is None:
            return None
        viewer, api_token = found
        token_touch(api_token, now=timezone.now())
        return viewer
