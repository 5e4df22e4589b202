"""The matching engine: pure Python + OR-Tools, no Django. See docs/assistance.md.

`match` loads on first use (PEP 562): the app's models and schemas import the constants of
`model` in every process at start-up, and the solver under `match` (OR-Tools, pandas) costs
about 0.4 s of CPU to import, which processes that never match (import workers) need not pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from compatriot.assistance.engine.match import match


def __getattr__(name: str) -> Any:
    if name == "match":
        from compatriot.assistance.engine.match import match as function

        # Importing the submodule bound its name here to the module: the function replaces it.
        globals()["match"] = function
        return function
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
