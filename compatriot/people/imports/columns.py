"""The person file format: its columns, their HXL hashtags, and how a row's cells become input.

One row is one person. Cells are text; multi-valued cells hold items separated by spaces or
semicolons (phones by semicolons, commas, or a space before a "+"). `needs` items are `category`
or `category:urgency`; `consent` lists consent scopes, and `sharing_partner_kinds` the kinds of
organisation the `sharing` consent covers. Empty cells take the API's defaults; `source` defaults
to "import". See docs/formats.md for the full description.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# In the order files are written. An import needs only the required ones, in any order.
COLUMNS: tuple[str, ...] = (
    "source_record_id",
    "given_name",
    "family_name",
    "given_name_latin",
    "family_name_latin",
    "sex",
    "birth_date",
    "nationalities",
    "languages",
    "phones",
    "email",
    "country",
    "admin_area",
    "place_name",
    "latitude",
    "longitude",
    "journey_stage",
    "category",
    "source",
    "household_ref",
    "relationship",
    "vulnerabilities",
    "needs",
    "consent",
    "sharing_partner_kinds",
)
# Read when present, never written: without it consent is recorded as given in writing.
OPTIONAL_COLUMNS: tuple[str, ...] = ("consent_method",)
REQUIRED_COLUMNS: tuple[str, ...] = ("source_record_id", "journey_stage", "category")
NAME_COLUMNS: tuple[str, ...] = ("given_name", "family_name")

DEFAULT_SOURCE = "import"
DEFAULT_CONSENT_METHOD = "written"

# Humanitarian Exchange Language hashtags for the row under the header of an HXL export.
HXL_TAGS: dict[str, str] = {
    "source_record_id": "#meta+id",
    "given_name": "#affected+name+first",
    "family_name": "#affected+name+last",
    "given_name_latin": "#affected+name+first+latin",
    "family_name_latin": "#affected+name+last+latin",
    "sex": "#sex",
    "birth_date": "#date+birth",
    "nationalities": "#country+code+nationality",
    "languages": "#language+code",
    "phones": "#contact+phone",
    "email": "#contact+email",
    "country": "#country+code+current",
    "admin_area": "#adm1+name",
    "place_name": "#loc+name",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "journey_stage": "#status+stage",
    "category": "#group+category",
    "source": "#meta+source",
    "household_ref": "#group+household",
    "relationship": "#group+relationship",
    "vulnerabilities": "#impact+vulnerable",
    "needs": "#need",
    "consent": "#meta+consent",
    "sharing_partner_kinds": "#meta+consent+sharing",
}

_ITEMS = re.compile(r"[;,\s]+")
# Phones may hold spaces ("+380 50 123 4567"), so spaces separate phones only before a "+" (or
# a full-width "＋", which `to_e164` reads as one) or between pieces that are each a whole
# number (seven digits or more).
_PHONE_LISTS = re.compile(r"[;,]")
_BEFORE_PLUS = re.compile(r"\s+(?=[+\uff0b])")
_DIGIT = re.compile(r"\d")
_WHOLE_NUMBER_DIGITS = 7
_TEXT_FIELDS = (
    "given_name",
    "family_name",
    "given_name_latin",
    "family_name_latin",
    "email",
    "admin_area",
    "place_name",
    "household_ref",
)
_CODE_FIELDS = ("sex", "journey_stage", "category", "relationship")
_VERBATIM_FIELDS = ("birth_date", "country", "latitude", "longitude")


@dataclass(frozen=True)
class Rejection:
    """A row not imported, and why: the column at fault and a message without its value.
    `last_line`: the record's last line when it spans several (a quoted line break)."""

    line: int
    field: str
    message: str
    last_line: int = 0

    def __str__(self) -> str:
        if self.last_line > self.line:
            return f"lines {self.line}\u2013{self.last_line}: {self.field}: {self.message}"
        return f"line {self.line}: {self.field}: {self.message}"

    @property
    def lines(self) -> int:
        """How many lines of the file the rejected record covers."""
        return max(self.last_line - self.line, 0) + 1


class HeaderError(ValueError):
    """The file cannot be imported at all: its header lacks a required column."""


# How close (difflib's ratio) an unknown column's name must be to a known column the header
# lacks to be taken for a misspelling of it: "phone" for "phones", "birthdate" for "birth_date",
# "nationality" for "nationalities", "household" for "household_ref".
_NEAR_MISS = 0.8


@dataclass(frozen=True)
class Header:
    """Where each known column is in a row; unknown columns are not looked at.

    `width`: the number of the header's cells up to its last named one (a row with a value past
    it is refused: its cells are shifted). `ignored`: the columns not read, as a report names
    them ("'notes'", "column 7 (no name)")."""

    positions: dict[str, int]
    width: int
    ignored: tuple[str, ...] = ()

    @classmethod
    def parse(cls, names: Sequence[object]) -> Header:
        positions: dict[str, int] = {}
        unknown: list[tuple[int, str]] = []
        width = 0
        for index, raw in enumerate(names):
            name = str(raw if raw is not None else "").strip().lstrip("\ufeff").lower()
            if name:
                width = index + 1
            if name in positions:
                raise HeaderError(f"the header names the column '{name}' twice")
            if name in COLUMNS or name in OPTIONAL_COLUMNS:
                positions[name] = index
            else:
                unknown.append((index, name))
        missing = [name for name in COLUMNS + OPTIONAL_COLUMNS if name not in positions]
        misspelt = [
            f"'{name}' (did you mean '{close[0]}'?)"
            for _, name in unknown
            if name and (close := difflib.get_close_matches(name, missing, 1, _NEAR_MISS))
        ]
        if misspelt:
            # Its data would be dropped from every row: refused before anything is stored.
            columns, each = ("columns", "each") if len(misspelt) > 1 else ("column", "it")
            raise HeaderError(
                f"unknown {columns} {', '.join(misspelt)}: rename {each} to the column it is "
                "meant to be, or to a name further from the import columns to have it ignored"
            )
        ignored = tuple(
            f"'{name}'" if name else f"column {index + 1} (no name)"
            for index, name in unknown
            if index < width
        )
        for name in REQUIRED_COLUMNS:
            if name not in positions:
                raise HeaderError(
                    f"the header has no '{name}' column (required: "
                    f"{', '.join(REQUIRED_COLUMNS)}, and given_name or family_name)"
                )
        if not any(name in positions for name in NAME_COLUMNS):
            raise HeaderError("the header has neither a 'given_name' nor a 'family_name' column")
        return cls(positions, width, ignored)

    @classmethod
    def full(cls) -> Header:
        """Every column in its written order: rows given as dicts are laid out like this."""
        names = COLUMNS + OPTIONAL_COLUMNS
        return cls({name: index for index, name in enumerate(names)}, len(names))

    def overflow(self, row: Sequence[str]) -> str | None:
        """Why a row longer than the header is refused: a value past the header's last named
        column means the row's cells are shifted (an unquoted comma in a cell), and every cell
        after the comma is in the wrong column. Empty cells past it (spreadsheets write them)
        are no value. A shorter row is read as if its missing cells were empty."""
        cells = len(row)
        while cells > self.width and not row[cells - 1].strip():
            cells -= 1
        if cells <= self.width:
            return None
        return f"has {cells} cells, the header has {self.width}"

    def cells(self, row: Sequence[str]) -> dict[str, str]:
        size = len(row)
        return {name: row[index].strip() for name, index in self.positions.items() if index < size}


# Formula injection (OWASP "CSV Injection"): a spreadsheet runs a CSV cell that starts with one
# of these as a formula. An export writes such a cell after an apostrophe, which a spreadsheet
# shows as text; an import drops an apostrophe followed by one of them, so that a file exported
# here imports as it was. A cell that is only a number ("-12.5", "+48600100200") runs nothing
# and is written as it is, for the programs that read coordinates and phones as numbers.
FORMULA_STARTS = "=+-@\t\r"
# Apostrophes, then what starts a formula: a guarded cell starts so (after its apostrophe, a
# cell may itself start with apostrophes before a formula's start: "'=x" is written "''=x").
_APOSTROPHES_THEN_FORMULA = re.compile("'+[" + re.escape(FORMULA_STARTS) + "]")
# Its last apostrophe and what follows: what a search looks for (a pattern that starts with a
# repeat is not scanned for its first character, this one is: 0.2 against 4.5 µs per row).
_APOSTROPHE_THEN_FORMULA = re.compile("'[" + re.escape(FORMULA_STARTS) + "]")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?").fullmatch


def guard_cell(text: str) -> str:
    """`text` as an exported CSV cell: after an apostrophe when a spreadsheet would run it, or
    when it starts with apostrophes that an import would take for one (`unguard_cell`)."""
    first = text[:1]
    if first == "'":
        return "'" + text if _APOSTROPHES_THEN_FORMULA.match(text) else text
    if first and first in FORMULA_STARTS and not _PLAIN_NUMBER(text):
        return "'" + text
    return text


def unguard_cell(text: str) -> str:
    """An imported cell without the apostrophe `guard_cell` put before it."""
    if text[:1] == "'" and _APOSTROPHES_THEN_FORMULA.match(text):
        return text[1:]
    return text


def unguard_row(row: list[str]) -> list[str]:
    """The row's cells through `unguard_cell`; the row itself when none can be guarded (one
    search of the joined cells, in C, and no step per cell: apostrophes are common inside
    names, and rare before a formula's start)."""
    if _APOSTROPHE_THEN_FORMULA.search("\x00".join(row)) is None:
        return row
    return [unguard_cell(cell) for cell in row]


def is_hashtag_row(cells: Sequence[str]) -> bool:
    """The HXL hashtag row under the header of an HXL file (skipped on import)."""
    values = [cell.strip() for cell in cells if cell and cell.strip()]
    return bool(values) and all(value.startswith("#") for value in values)


def split_items(cell: str) -> list[str]:
    return [item for item in _ITEMS.split(cell) if item]


def split_phones(cell: str) -> list[str]:
    phones: list[str] = []
    for part in _PHONE_LISTS.split(cell):
        for piece in _BEFORE_PLUS.split(part.strip()):
            tokens = piece.split()
            if len(tokens) > 1 and all(
                len(_DIGIT.findall(token)) >= _WHOLE_NUMBER_DIGITS for token in tokens
            ):
                phones += tokens
            elif tokens:
                phones.append(" ".join(tokens))
    return phones


def needs_input(cell: str) -> list[dict[str, str]]:
    needs = []
    for item in split_items(cell.lower()):
        category, _, urgency = item.partition(":")
        needs.append(
            {"category": category, "urgency": urgency} if urgency else {"category": category}
        )
    return needs


def consents_input(scopes: str, partner_kinds: str, method: str) -> list[dict[str, Any]]:
    kinds = split_items(partner_kinds.lower())
    return [
        {
            "scope": scope,
            "method": method,
            "partner_kinds": kinds if scope == "sharing" else [],
        }
        for scope in dict.fromkeys(split_items(scopes.lower()))
    ]


def person_input(cells: dict[str, str]) -> dict[str, Any]:
    """The input of `ImportPersonFields` for one row's cells. Conveniences of the file format
    only (splitting, lower-casing codes, defaults): every rule is the schema's."""
    data: dict[str, Any] = {"source": cells.get("source", "").lower() or DEFAULT_SOURCE}
    if cells.get("source_record_id"):
        data["source_record_id"] = cells["source_record_id"]
    for name in _TEXT_FIELDS:
        if cells.get(name):
            data[name] = cells[name]
    for name in _CODE_FIELDS:
        if cells.get(name):
            data[name] = cells[name].lower()
    for name in _VERBATIM_FIELDS:
        if cells.get(name):
            data[name] = cells[name]
    for name in ("nationalities", "languages"):
        if cells.get(name):
            data[name] = split_items(cells[name])
    if cells.get("phones"):
        data["phones"] = split_phones(cells["phones"])
    return data


# The columns `person_input` does not read: a row's details, read by the normaliser itself.
DETAIL_COLUMNS: tuple[str, ...] = (
    "vulnerabilities",
    "needs",
    "consent",
    "sharing_partner_kinds",
    "consent_method",
)
# How `person_input` turns each of its cells into input, by column.
_KEEP, _LOWER, _SPLIT, _PHONES = range(4)
_KINDS: dict[str, int] = {
    "source_record_id": _KEEP,
    **dict.fromkeys(_TEXT_FIELDS + _VERBATIM_FIELDS, _KEEP),
    **dict.fromkeys((*_CODE_FIELDS, "source"), _LOWER),
    "nationalities": _SPLIT,
    "languages": _SPLIT,
    "phones": _PHONES,
}


class RowReader:
    """`person_input(header.cells(row))` and the row's detail cells, in one pass over the row.

    The same result as the two functions (tests hold them equal on awkward rows); it exists
    because it runs once per imported row, where the dict of every cell and the ~25 look-ups
    into it cost about a tenth of a worker's time."""

    def __init__(self, header: Header) -> None:
        inputs = [
            (index, name, _KINDS[name])
            for name, index in header.positions.items()
            if name in _KINDS
        ]
        # The columns grouped by what is done to them, so that a row's cells are not each
        # dispatched on their kind; the input's keys come in another order, which nothing reads.
        self._kept, self._lowered, self._split, self._phones = (
            [(index, name) for index, name, of_kind in inputs if of_kind == kind]
            for kind in (_KEEP, _LOWER, _SPLIT, _PHONES)
        )
        self._width = max((index + 1 for index, _, _ in inputs), default=0)
        self._details = [
            (index, name) for name, index in header.positions.items() if name in DETAIL_COLUMNS
        ]
        # Code lists ("UA PL", "uk ru en") recur from row to row: split once per distinct cell.
        self._items: dict[str, tuple[str, ...]] = {}

    def __call__(self, row: Sequence[str]) -> tuple[dict[str, Any], dict[str, str]]:
        size = len(row)
        cells = row if size >= self._width else [*row, *[""] * (self._width - size)]
        data: dict[str, Any] = {}
        for index, name in self._kept:
            value = cells[index].strip()
            if value:
                data[name] = value
        for index, name in self._lowered:
            value = cells[index].strip()
            if value:
                data[name] = value.lower()
        for index, name in self._split:
            value = cells[index].strip()
            if value:
                items = self._items.get(value)
                if items is None:
                    if len(self._items) >= _ITEMS_CACHE_LIMIT:
                        self._items.clear()
                    items = self._items[value] = tuple(split_items(value))
                data[name] = list(items)
        for index, name in self._phones:
            value = cells[index].strip()
            if value:
                # One number written without a space or separator (most cells) is itself.
                data[name] = [value] if ONE_PHONE(value) else split_phones(value)
        if "source" not in data:
            data["source"] = DEFAULT_SOURCE
        details = {name: row[index].strip() for index, name in self._details if index < size}
        return data, details


_ITEMS_CACHE_LIMIT = 10_000
# A phone cell `split_phones` leaves whole: no list separator, no whitespace (`\s` is
# `str.isspace`, by which `str.split` splits too).
ONE_PHONE = re.compile(r"[^;,\s]+").fullmatch


def field_of(location: Sequence[object], message: str) -> tuple[str, str]:
    """The import column a schema error belongs to, and its message without the column name."""
    message = message.removeprefix("Value error, ")
    if not location:
        column, separator, rest = message.partition(": ")
        if separator and " " not in column.replace(" or ", "_"):
            return column, rest
        return ("latitude", message) if message.startswith("latitude") else ("row", message)
    head = str(location[0])
    if head == "consents":
        if "partner_kinds" in location or message.startswith("partner_kinds: "):
            return "sharing_partner_kinds", message.removeprefix("partner_kinds: ")
        if "method" in location:
            return "consent_method", message
        return "consent", message
    if message == "Field required":
        message = "is required"
    return head, message
