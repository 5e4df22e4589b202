"""API tokens: generated with `secrets`, stored as SHA-256, looked up by hash."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "cpt_"  # noqa: S105  a recognisable prefix, not a secret


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
