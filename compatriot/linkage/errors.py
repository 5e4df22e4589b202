"""Deduplication's own refusals (the API answers them with {code, field, message})."""

from __future__ import annotations

from typing import TYPE_CHECKING

from compatriot.core.errors import ConflictError, ErrorCode

if TYPE_CHECKING:
    from compatriot.linkage.selectors import DecisionAcross


class DecidedApartError(ConflictError):
    """A manual merge would join two groups between which a reviewer kept two records apart, or
    undid their merge. The pair is named when the viewer may see both of its records."""

    def __init__(self, decision: DecisionAcross) -> None:
        self.decision = decision
        what = "kept apart" if decision.kept_apart else "merged, then unmerged"
        if decision.visible:
            message = (
                f"Two records of these groups were {what} by a reviewer (pair "
                f"{decision.pair_id}): decide on that pair itself to reverse it, or leave the "
                "records apart."
            )
        else:
            message = (
                f"Two records of these groups that you may not see were {what} by a reviewer: "
                "the merge is refused."
            )
        super().__init__(message, field="pair_id", code=ErrorCode.LINKAGE_DECIDED_APART)
