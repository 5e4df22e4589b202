"""PostgreSQL COPY text (format text: tab-separated, \\N for NULL, backslash escapes).

The persons and their details go in binary COPY (`copybinary`); the audit entries and the new
households, few columns of text each, still go as COPY text.
"""

from __future__ import annotations

import re

NULL = "\\N"

_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escaped(value: str) -> str:
    """`value` as a field of COPY text (format text): backslash, tab and line ends escaped."""
    return value.translate(_ESCAPES) if _NEEDS_ESCAPE.search(value) else value
