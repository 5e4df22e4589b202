"""Countries typed by people: a code (NG, NGA) or a name in the page's language or English."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry
from django.utils.translation import get_language

from compatriot.normalise import NormalisationError
from compatriot.normalise.codes import country_alpha2


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@cache
def _names(language: str) -> dict[str, str]:
    """Country names in `language` (pycountry ships the iso-codes translations) and in English."""
    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for name in {country.name, getattr(country, "common_name", country.name)}:
            names[_key(name)] = country.alpha_2
            names[_key(translation.gettext(name))] = country.alpha_2
    return names


def country_code(text: str) -> str | None:
    """The alpha-2 code, or None when the text is neither a code nor a known name."""
    text = text.strip()
    try:
        return country_alpha2(text)
    except NormalisationError:
        pass
    language = (get_language() or "en").split("-")[0]
    return _names(language).get(_key(text)) or _names("en").get(_key(text))
