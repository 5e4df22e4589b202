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
        # The assistance services' messages (matching board)
        (
            r"^The offer has (?P<free>\d+) free places; this household needs (?P<people>\d+)",
            gettext_lazy(
                "The offer has %(free)s free places; this household needs %(people)s and is "
                "never split."
            ),
        ),
        (
            r"^Not compatible: (?P<blocker>\w+)\. A coordinator may override this\.$",
            gettext_lazy("Not compatible (%(blocker)s): a coordinator may override this."),
        ),
        (r"^An override needs a reason\.$", gettext_lazy("An override needs a reason.")),
        (r"^A location is needed", gettext_lazy("A location is needed: latitude and longitude.")),
        (r"^The person has no location", gettext_lazy("The person has no location: give one.")),
        (
            r"^(latest|available_until) is before (earliest|available_from)$",
            gettext_lazy("is before the start of the window"),
        ),
        (r"^This offer is not active\.$", gettext_lazy("This offer is not active.")),
        (r"^This offer has expired\.$", gettext_lazy("This offer has expired.")),
        (r"^No such offer\.$", gettext_lazy("This offer does not exist.")),
        (
            r"^(?P<n>\d+) places are allocated: cancel allocations",
            gettext_lazy("%(n)s places are allocated: cancel allocations before going below that."),
        ),
        (r"already has a live allocation", gettext_lazy("This request already has an allocation.")),
        (
            r"^Only an open request can be changed",
            gettext_lazy("Only an open request can be changed: cancel its allocation."),
        ),
        (
            r"a place needs a latitude, a longitude and a distance$",
            gettext_lazy("a place needs a latitude, a longitude and a distance"),
        ),
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
