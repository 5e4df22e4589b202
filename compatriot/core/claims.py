"""Bearer tokens claimed from this process's memory and confirmed inside the write they allow.

A write that confirms the token in its own round trip (today only a person registered on the
one-round-trip path, people/services.py) need not look the token up first: the API hands it a
`TokenClaim`, the viewer this process last found for the token, and the write's text begins with
`compatriot_token_confirm` (core migrations 0008, 0012), which refuses the whole transaction
(SQLSTATE CPT01, nothing written) unless the token generation is still the one read with that
viewer: no change to the tokens, users, organisations or memberships that could alter what the
look-up returned has committed since (any such change raises the number, in its own
transaction). A claim is not a Viewer: code typed for a Viewer gets one only through
`confirmed()`, the normal look-up.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from django.utils import timezone

from compatriot.core.selectors import token_look_up
from compatriot.core.services import TOKEN_TOUCH_EVERY, token_touch
from compatriot.core.statements import scalar_calls
from compatriot.core.viewer import Viewer

REFUSED_SQLSTATE = "CPT01"  # raised by compatriot_token_confirm
CAPACITY = 1000  # tokens remembered per process; the least recently found go first
_CONFIRM_SQL = "SELECT compatriot_token_confirm(%s)"
scalar_calls("compatriot_token_confirm")  # returns nothing (void; core migration 0012)


class TokenNoLongerValid(Exception):  # noqa: N818  the API answers it 401, as an unknown token
    """The token is unknown, revoked or expired, or its user or membership is inactive."""


class ClaimRefused(Exception):  # noqa: N818  a state, not a failure: the caller looks again
    """The database refused a write's claim: nothing of the write was stored."""


@dataclass(frozen=True)
class _Found:
    """What the last look-up of a token returned (its viewer's purpose is that request's)."""

    viewer: Viewer
    token_id: uuid.UUID
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    generation: int | None  # read with the viewer (PostgreSQL; None on SQLite, never confirmed)


@dataclass(frozen=True)
class TokenClaim:
    """A token's viewer as this process last found it: not to act on before it is confirmed,
    by `confirm_statement` inside the write's own transaction or by `confirmed()`."""

    claimed: Viewer
    key_hash: str
    token_id: uuid.UUID
    at: dt.datetime  # the time its expiry was judged at (`claim`), as a look-up's would be
    generation: int | None  # the token generation read with the viewer (None: SQLite's)

    def confirm_statement(self) -> tuple[str, list[Any]]:
        """The statement to send first in the write's transaction: refused unless nothing
        the viewer was read from has changed since (the expiry was judged by `claim`). A NULL
        generation is never confirmed."""
        return _CONFIRM_SQL, [self.generation]


_FOUND: OrderedDict[str, _Found] = OrderedDict()
_LOCK = threading.Lock()


def _remember(key_hash: str, found: _Found) -> None:
    with _LOCK:
        _FOUND[key_hash] = found
        _FOUND.move_to_end(key_hash)
        while len(_FOUND) > CAPACITY:
            _FOUND.popitem(last=False)


def forget(key_hash: str) -> None:
    with _LOCK:
        _FOUND.pop(key_hash, None)


def remembered_count() -> int:
    return len(_FOUND)


def claim(key_hash: str, *, purpose: str, now: dt.datetime) -> TokenClaim | None:
    """The token's viewer as last found, or None when only a look-up will do: never found
    here, expired since, or its use due to be recorded (token_touch, once a minute)."""
    found = _FOUND.get(key_hash)
    if (
        found is None
        or (found.expires_at is not None and found.expires_at <= now)
        or found.last_used_at is None
        or now - found.last_used_at >= TOKEN_TOUCH_EVERY
    ):
        return None
    viewer = found.viewer
    if viewer.purpose != purpose:
        viewer = replace(viewer, purpose=purpose)
    return TokenClaim(
        claimed=viewer,
        key_hash=key_hash,
        token_id=found.token_id,
        at=now,
        generation=found.generation,
    )


def authenticated(key_hash: str, *, purpose: str, now: dt.datetime) -> Viewer | None:
    """The normal look-up, read afresh from the database: the token's viewer, or None. Records
    the token's use (at most once a minute) and remembers what it found for later claims."""
    result = token_look_up(key_hash, purpose=purpose)
    if result is None:
        forget(key_hash)
        return None
    viewer, token, generation = result
    touched = token_touch(token, now=now)  # names last_used_at only: the generation stays
    last_used_at = now if touched else token.last_used_at
    _remember(key_hash, _Found(viewer, token.id, token.expires_at, last_used_at, generation))
    return viewer


def confirmed(actor: Viewer | TokenClaim) -> Viewer:
    """A Viewer as it is; a claim looked up afresh (what was remembered is dropped first):
    the token's viewer now, which may differ from the claim's, or TokenNoLongerValid."""
    if isinstance(actor, Viewer):
        return actor
    forget(actor.key_hash)
    viewer = authenticated(actor.key_hash, purpose=actor.claimed.purpose, now=timezone.now())
    if viewer is None:
        raise TokenNoLongerValid
    return viewer


def is_refusal(error: BaseException) -> bool:
    """Whether a database error is compatriot_token_confirm's refusal."""
    return getattr(error.__cause__, "sqlstate", None) == REFUSED_SQLSTATE
