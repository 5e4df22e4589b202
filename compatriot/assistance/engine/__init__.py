"""The matching engine: pure Python + OR-Tools, no Django. See docs/assistance.md."""

from compatriot.assistance.engine.match import match
from compatriot.assistance.engine.model import (
    BLOCKERS,
    CATEGORIES,
    LANGUAGE_CATEGORIES,
    REQUIREMENTS,
    Allocation,
    Offer,
    Request,
    Result,
    Summary,
    Unmatched,
    weight,
)

__all__ = [
    "BLOCKERS",
    "CATEGORIES",
    "LANGUAGE_CATEGORIES",
    "REQUIREMENTS",
    "Allocation",
    "Offer",
    "Request",
    "Result",
    "Summary",
    "Unmatched",
    "match",
    "weight",
]
