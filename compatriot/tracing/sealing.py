"""The seeker's contact, encrypted at rest (Fernet: AES-128-CBC with an HMAC-SHA256 tag).

The key comes from TRACING_CONTACT_KEY (a Fernet key: `python -c "from cryptography.fernet import
Fernet; print(Fernet.generate_key().decode())"`); without it, one is derived from SECRET_KEY, so a
development set-up works and production sets its own. A database dump alone does not reveal how
to reach a seeker; only the handling organisation's screens and API decrypt it.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = getattr(settings, "TRACING_CONTACT_KEY", "")
    if not key:
        digest = hashlib.sha256(b"compatriot.tracing.contact:" + settings.SECRET_KEY.encode())
        key = base64.urlsafe_b64encode(digest.digest()).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii") if text else ""


def unseal(token: str) -> str:
    """The contact, or "" when there is none or the key has changed since it was sealed."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        return ""
