"""Free text as typed: Unicode NFC, no control characters, no bidirectional overrides."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from compatriot.normalise import NormalisationError

# Explicit bidi embeddings, overrides and isolates: they change how text *looks* without changing
# what it says, and are the tool of spoofing ("Trojan Source"). Marks (LRM, RLM, ALM) are kept.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s+")


# Short values (names, places, codes) recur across the rows of an import: they are cleaned once.
_MEMO_LENGTH = 64


def clean_text(value: str, *, max_length: int, multiline: bool = False) -> str:
    """Return `value` in NFC with whitespace tidied; reject control characters and overlong text."""
    if len(value) <= _MEMO_LENGTH:
        return _clean_short(value, max_length, multiline)
    return _clean(value, max_length, multiline)


@lru_cache(maxsize=1 << 16)
def _clean_short(value: str, max_length: int, multiline: bool) -> str:
    return _clean(value, max_length, multiline)


def _clean(value: str, max_length: int, multiline: bool) -> str:
    if len(value) > max_length * 4:
        raise NormalisationError(f"is longer than {max_length} characters")
    text = unicodedata.normalize("NFC", value)
    text = _BIDI_CONTROLS.sub("", text)
    for char in text:
        if char in "\n\t\r" and multiline:
            continue
        if unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"}:
            raise NormalisationError(f"contains a forbidden character (U+{ord(char):04X})")
    text = text.strip() if multiline else _WHITESPACE.sub(" ", text).strip()
    if len(text) > max_length:
        raise NormalisationError(f"is longer than {max_length} characters")
    return text


def without_controls(value: str) -> str:
    """`value` without control characters or bidi overrides, for free text that is recorded
    rather than validated (a request header). PostgreSQL refuses NUL in text."""
    text = _BIDI_CONTROLS.sub("", unicodedata.normalize("NFC", value))
    return "".join(char for char in text if unicodedata.category(char) not in {"Cc", "Cs"})
