"""A problem found in an HSDS package, named by file, row, field and reason."""

from __future__ import annotations

from dataclasses import dataclass

from compatriot.core.errors import InvalidInputError


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # 1 = the first record (CSV: the first line after the header)
    field: str
    reason: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        return f"{where}, {self.field or '-'}: {self.reason}"


class HsdsInvalidError(InvalidInputError):
    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0] if problems else Problem("", None, "", "invalid package")
        super().__init__(f"{len(problems)} problem(s); first: {first}", field=first.field or None)
        self.problems = problems
