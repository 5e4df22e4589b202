"""The validation messages of the schemas and normalisers, in the page's language.

The domain speaks English (the API's errors are for developers); the web shows the same errors
to people, so each known message is matched here and given in the visitor's language. A message
not listed falls back to the English text rather than disappearing.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy

# (pattern on the English message, translated text; %(x)s takes the named group x)
_KNOWN: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(p), text)
    for p, text in [
        (r"^is empty$", gettext_lazy("is empty")),
        (
            r"^is too long to be a telephone number$",
            gettext_lazy("is too long to be a telephone number"),
        ),
        (
            r"^phone (?P<n>\d+): is not a valid telephone number$",
            gettext_lazy("phone %(n)s is not a valid telephone number"),
        ),
        (
            r"needs an international prefix",
            gettext_lazy("needs the country code (+…) when no country is given"),
        ),
        (r"^is not a valid telephone number$", gettext_lazy("is not a valid telephone number")),
        (
            r"^is longer than (?P<n>\d+) characters$",
            gettext_lazy("is longer than %(n)s characters"),
        ),
        (
            r"^contains a forbidden character",
            gettext_lazy("contains a character that is not allowed"),
        ),
        (
            r"^must be YYYY, YYYY-MM or YYYY-MM-DD$",
            gettext_lazy("must be a year, a year and month, or a full date"),
        ),
        (r"^is not a real date", gettext_lazy("is not a real date")),
        (r"^is before (?P<n>\d+)$", gettext_lazy("is before %(n)s")),
        (r"^is in the future$", gettext_lazy("is in the future")),
        (
            r"^'(?P<code>.*)' is not an ISO 3166 country code$",
            gettext_lazy("“%(code)s” is not a country we know"),
        ),
        (
            r"^'(?P<code>.*)' is not an ISO 639 language code$",
            gettext_lazy("“%(code)s” is not a language we know"),
        ),
        (r"^is not a valid e-mail address$", gettext_lazy("is not a valid e-mail address")),
        (r"a person needs at least one name$", gettext_lazy("a person needs at least one name")),
        (
            r"latitude and longitude come together$",
            gettext_lazy("latitude and longitude go together"),
        ),
        (r"each code once$", gettext_lazy("each one only once")),
        (r"a household has at most one head$", gettext_lazy("a household has at most one head")),
        (r"^No such crisis\.$", gettext_lazy("This crisis does not exist.")),
        (r"already registered", gettext_lazy("This record is already registered.")),
    ]
]
# pydantic's own error types
_BY_TYPE: dict[str, Any] = {
    "missing": gettext_lazy("This field is required."),
    "string_too_long": gettext_lazy("is too long"),
    "string_too_short": gettext_lazy("is too short"),
    "string_pattern_mismatch": gettext_lazy("is not in the expected form"),
    "int_parsing": gettext_lazy("must be a whole number"),
    "float_parsing": gettext_lazy("must be a number"),
    "greater_than_equal": gettext_lazy("is too small"),
    "less_than_equal": gettext_lazy("is too large"),
    "enum": gettext_lazy("is not one of the choices"),
    "literal_error": gettext_lazy("is not one of the choices"),
    "uuid_parsing": gettext_lazy("is not valid"),
    "date_parsing": gettext_lazy("is not a valid date"),
    "date_from_datetime_parsing": gettext_lazy("is not a valid date"),
    "too_long": gettext_lazy("has too many entries"),
}


def translated(message: str, kind: str = "") -> str:
    """`message` (as the schema or service wrote it) in the active language."""
    for pattern, text in _KNOWN:
        found = pattern.search(message)
        if found:
            return str(text) % found.groupdict() if found.groupdict() else str(text)
    if kind in _BY_TYPE:
        return str(_BY_TYPE[kind])
    return message
