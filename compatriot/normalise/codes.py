"""ISO 3166 country codes and ISO 639 language codes.

Countries are stored as ISO 3166-1 alpha-2; alpha-3 is accepted on input. Languages are stored as
BCP 47 primary subtags: ISO 639-1 where one exists ("ar", "fr"), else ISO 639-3 ("yor" has "yo";
"ibb" has none).
"""

from __future__ import annotations

from functools import cache

import pycountry

from compatriot.normalise import NormalisationError

# Codes in use that pycountry files elsewhere: Kosovo is user-assigned, not yet in ISO 3166.
_EXTRA_COUNTRIES = {"XK": "XK", "XKX": "XK"}


@cache
def country_alpha2(code: str) -> str:
    key = code.strip().upper()
    if key in _EXTRA_COUNTRIES:
        return _EXTRA_COUNTRIES[key]
    country = None
    if len(key) == 2:
        country = pycountry.countries.get(alpha_2=key)
    elif len(key) == 3:
        country = pycountry.countries.get(alpha_3=key)
    if country is None:
        raise NormalisationError(f"'{code[:10]}' is not an ISO 3166 country code")
    return str(country.alpha_2)


@cache
def language_code(code: str) -> str:
    key = code.strip().lower()
    language = None
    if len(key) == 2:
        language = pycountry.languages.get(alpha_2=key)
    elif len(key) == 3:
        language = pycountry.languages.get(alpha_3=key)
        if language is None:  # bibliographic codes such as "fre", "ger"
            language = pycountry.languages.get(bibliographic=key)
    if language is None:
        raise NormalisationError(f"'{code[:10]}' is not an ISO 639 language code")
    return str(getattr(language, "alpha_2", None) or language.alpha_3)


def country_list(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(country_alpha2(code) for code in codes))


def language_list(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(language_code(code) for code in codes))
