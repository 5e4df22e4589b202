"""Normalisation of what people type: names, phones, partial dates, country and language codes.

Every function raises NormalisationError (a ValueError) with a plain message on bad input, so the
API, the forms and the importers report the same reason for the same mistake.
"""

from __future__ import annotations


class NormalisationError(ValueError):
    pass
