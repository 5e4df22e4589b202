"""Rows to validated person records: the API's schema and stored shape, row by row.

Each row is validated by `ImportPersonFields`, a subclass of the API's `PersonFields` (so every
rule and message is the API's), and turned into stored values by `person_values()`, the function
the registration service uses. This is the CPU-heavy part of an import; it runs on chunks of a few
thousand rows, in worker processes for big files (see `pipeline`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import ValidationError, model_validator

from compatriot.core.types import ShortText
from compatriot.people.imports.columns import (
    DEFAULT_CONSENT_METHOD,
    Header,
    Rejection,
    consents_input,
    field_of,
    needs_input,
    person_input,
    split_items,
)
from compatriot.people.models import Person, Relationship, Urgency
from compatriot.people.records import person_values
from compatriot.people.schemas import (
    ConsentIn,
    NeedIn,
    PersonFields,
    SourceRecordId,
    VulnerabilityIn,
)

DEFAULT_URGENCY = str(Urgency.MEDIUM)
LATIN_MAX_LENGTH = Person._meta.get_field("given_name_latin").max_length or 200


class ImportPersonFields(PersonFields):
    """The API's person input plus the two columns that place a person in a household."""

    source_record_id: SourceRecordId  # required in a file: it is what makes re-imports safe
    household_ref: ShortText | None = None
    relationship: Relationship | None = None

    @model_validator(mode="after")
    def _relationship_needs_household(self) -> ImportPersonFields:
        if self.relationship and not self.household_ref:
            raise ValueError("relationship: needs a household_ref")
        return self


class PersonRecord(NamedTuple):
    """One accepted row, in stored form. Plain values only: it crosses process boundaries."""

    line: int
    id: str
    source_record_id: str
    source: str
    given_name: str
    family_name: str
    given_name_latin: str
    family_name_latin: str
    search_text: str
    sex: str
    birth_date: Any  # datetime.date | None
    birth_date_precision: str
    nationality: str
    nationalities: list[str]
    languages: list[str]
    phones: list[str]
    email: str
    country: str
    admin_area: str
    place_name: str
    latitude: float | None
    longitude: float | None
    journey_stage: str
    category: str
    household_ref: str | None
    relationship: str
    vulnerabilities: tuple[str, ...]
    needs: tuple[tuple[str, str], ...]  # (category, urgency)
    consents: tuple[tuple[str, str, tuple[str, ...]], ...]  # (scope, method, partner kinds)


# The person columns a record sets, in PersonRecord order (after line and id).
STORED_FIELDS: tuple[str, ...] = (*PersonRecord._fields[2:-5], "relationship")
# Of those, the ones compared to decide whether a re-imported row changed its person.
COMPARED_FIELDS: tuple[str, ...] = tuple(f for f in STORED_FIELDS if f != "source_record_id")


class RowKey(NamedTuple):
    line: int
    id: str
    source_record_id: str
    household_ref: str | None


@dataclass
class NormalisedChunk:
    """A chunk's outcome: a key per accepted row, and either the records themselves or, for
    PostgreSQL, their COPY text (aligned with `keys`) made here, so that the single writing
    process only joins strings."""

    keys: list[RowKey] = field(default_factory=list)
    records: list[PersonRecord] = field(default_factory=list)
    person_lines: list[str] = field(default_factory=list)
    vulnerability_lines: list[str] = field(default_factory=list)
    need_lines: list[str] = field(default_factory=list)
    consent_lines: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


@dataclass(frozen=True)
class ChunkTask:
    header: Header
    rows: list[tuple[int, list[str]]]
    copy_text: bool


# Validated details per distinct cell text: the same few cells ("food:high", "registration
# sharing") recur on most rows, and a validated pydantic instance is reused as it is (pydantic
# does not revalidate instances). Only valid cells are kept; bounded by clearing.
_DETAILS_CACHE: dict[tuple[str, ...], list[Any]] = {}
_CACHE_LIMIT = 50_000


def _cached_details(
    key: tuple[str, ...], build: Callable[[], list[dict[str, Any]]], schema: type[Any]
) -> list[Any]:
    found = _DETAILS_CACHE.get(key)
    if found is not None:
        return found
    raw = build()
    try:
        instances = [schema.model_validate(item) for item in raw]
    except ValidationError:
        return raw  # let the person schema report it, with its position in the row
    if len(_DETAILS_CACHE) >= _CACHE_LIMIT:
        _DETAILS_CACHE.clear()
    _DETAILS_CACHE[key] = instances
    return instances


def _details_input(cells: dict[str, str], data: dict[str, Any]) -> None:
    vulnerabilities = cells.get("vulnerabilities", "")
    if vulnerabilities:
        data["vulnerabilities"] = _cached_details(
            ("v", vulnerabilities),
            lambda: [{"code": code} for code in split_items(vulnerabilities.lower())],
            VulnerabilityIn,
        )
    needs = cells.get("needs", "")
    if needs:
        data["needs"] = _cached_details(("n", needs), lambda: needs_input(needs), NeedIn)
    scopes = cells.get("consent", "")
    kinds = cells.get("sharing_partner_kinds", "")
    method = cells.get("consent_method", "").lower() or DEFAULT_CONSENT_METHOD
    if scopes:
        data["consents"] = _cached_details(
            ("c", scopes, kinds, method), lambda: consents_input(scopes, kinds, method), ConsentIn
        )


def _record(line: int, data: ImportPersonFields) -> PersonRecord:
    values = person_values(data)
    return PersonRecord(
        line,
        new_id(),
        data.source_record_id,
        str(values["source"]),
        values["given_name"],
        values["family_name"],
        values["given_name_latin"],
        values["family_name_latin"],
        values["search_text"],
        str(values["sex"]),
        values["birth_date"],
        values["birth_date_precision"],
        values["nationality"],
        values["nationalities"],
        values["languages"],
        values["phones"],
        values["email"],
        values["country"],
        values["admin_area"],
        values["place_name"],
        values["latitude"],
        values["longitude"],
        str(values["journey_stage"]),
        str(values["category"]),
        data.household_ref,
        str(data.relationship or ""),
        tuple(str(v.code) for v in data.vulnerabilities),
        tuple((str(n.category), str(n.urgency)) for n in data.needs),
        tuple(
            (str(c.scope), str(c.method), tuple(str(k) for k in c.partner_kinds))
            for c in data.consents
        ),
    )


def normalise_row(line: int, cells: dict[str, str]) -> PersonRecord | Rejection:
    data = person_input(cells)
    _details_input(cells, data)
    if cells.get("sharing_partner_kinds") and "sharing" not in split_items(
        cells.get("consent", "").lower()
    ):
        return Rejection(line, "sharing_partner_kinds", "only with a 'sharing' consent")
    try:
        validated = ImportPersonFields.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        column, message = field_of(first["loc"], first["msg"])
        return Rejection(line, column, message)
    record = _record(line, validated)
    # Transliteration can outgrow the stored column (one Cyrillic letter -> up to four Latin).
    for written, latin in (
        ("given_name", record.given_name_latin),
        ("family_name", record.family_name_latin),
    ):
        if len(latin) > LATIN_MAX_LENGTH:
            return Rejection(
                line, written, f"its Latin form is longer than {LATIN_MAX_LENGTH} characters"
            )
    return record


# --- PostgreSQL COPY text (format text: tab-separated, \N for NULL, backslash escapes) -------

_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    return value.translate(_ESCAPES) if _NEEDS_ESCAPE.search(value) else value


def _codes(values: list[str]) -> str:
    """A JSON list of validated codes or E.164 numbers (letters, digits, "+" only: no escaping);
    the same text as json.dumps, a few times faster."""
    return '["' + '", "'.join(values) + '"]' if values else "[]"


def _number(value: float | None) -> str:
    return "\\N" if value is None else repr(value)


# The leading columns of each table's COPY text made here; the writer adds the household and
# the batch's constant columns (crisis, organisation, user, time) to the end of every line.
PERSON_COPY_COLUMNS: tuple[str, ...] = ("id", "source_record_id", *COMPARED_FIELDS)
VULNERABILITY_COPY_COLUMNS = ("id", "person_id", "code")
NEED_COPY_COLUMNS = ("id", "person_id", "category", "urgency")
CONSENT_COPY_COLUMNS = ("id", "person_id", "scope", "partner_kinds", "method")


def person_copy_line(r: PersonRecord) -> str:
    """The row's person, in `PERSON_COPY_COLUMNS` order, without a line end. It starts with the
    36 characters of the new person's id, which the writer replaces for a person already stored."""
    return "\t".join(
        (
            r.id,
            r.source_record_id,
            r.source,
            _text(r.given_name),
            _text(r.family_name),
            _text(r.given_name_latin),
            _text(r.family_name_latin),
            r.search_text,
            r.sex,
            r.birth_date.isoformat() if r.birth_date else "\\N",
            r.birth_date_precision,
            r.nationality,
            _codes(r.nationalities),
            _codes(r.languages),
            _codes(r.phones),
            _text(r.email),
            r.country,
            _text(r.admin_area),
            _text(r.place_name),
            _number(r.latitude),
            _number(r.longitude),
            r.journey_stage,
            r.category,
            r.relationship,
        )
    )


def new_id() -> str:
    """A random (version 4) UUID as text, like `str(uuid.uuid4())` at a third of the cost."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def detail_copy_lines(r: PersonRecord) -> tuple[str, str, str]:
    """The row's vulnerabilities, needs and consents as COPY lines of their own tables (in
    `VULNERABILITY_COPY_COLUMNS`, `NEED_COPY_COLUMNS`, `CONSENT_COPY_COLUMNS` order), each with
    a new id; every line ends with a line feed, which nothing inside a line contains."""
    vulnerabilities = "".join(f"{new_id()}\t{r.id}\t{code}\n" for code in r.vulnerabilities)
    needs = "".join(
        f"{new_id()}\t{r.id}\t{category}\t{urgency or DEFAULT_URGENCY}\n"
        for category, urgency in r.needs
    )
    consents = "".join(
        f"{new_id()}\t{r.id}\t{scope}\t{_codes(list(kinds))}\t{method}\n"
        for scope, method, kinds in r.consents
    )
    return vulnerabilities, needs, consents


def normalise_chunk(task: ChunkTask) -> NormalisedChunk:
    """Validate and shape one chunk of numbered rows. Runs in a worker process."""
    chunk = NormalisedChunk()
    for line, row in task.rows:
        outcome = normalise_row(line, task.header.cells(row))
        if isinstance(outcome, Rejection):
            chunk.rejected.append(outcome)
            continue
        chunk.keys.append(
            RowKey(outcome.line, outcome.id, outcome.source_record_id, outcome.household_ref)
        )
        if task.copy_text:
            chunk.person_lines.append(person_copy_line(outcome))
            vulnerabilities, needs, consents = detail_copy_lines(outcome)
            chunk.vulnerability_lines.append(vulnerabilities)
            chunk.need_lines.append(needs)
            chunk.consent_lines.append(consents)
        else:
            chunk.records.append(outcome)
    return chunk


def rows_as_cells(rows: Sequence[Mapping[str, Any]], header: Header) -> list[list[str]]:
    """Dict rows (e.g. from the scenario generator) laid out as cells of `Header.full()`."""
    names = list(header.positions)
    return [[_cell(row.get(name)) for name in names] for row in rows]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return " ".join(str(item) for item in value)
    return str(value)
