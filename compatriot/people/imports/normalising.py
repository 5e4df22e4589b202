"""Rows to validated person records: the API's schema and stored shape, row by row.

Each row is validated by `ImportPersonFields`, a subclass of the API's `PersonFields` (so every
rule and message is the API's), and turned into stored values by `person_values()`, the function
the registration service uses. This is the CPU-heavy part of an import; it runs on chunks of a few
thousand rows, in worker processes for big files (see `pipeline`).
"""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
from pydantic import ValidationError, model_validator

from compatriot.core.types import ShortText
from compatriot.people.imports import copybinary
from compatriot.people.imports.columns import (
    DEFAULT_CONSENT_METHOD,
    Header,
    Rejection,
    RowReader,
    consents_input,
    field_of,
    needs_input,
    split_items,
)
from compatriot.people.imports.csvblocks import RawRows, raw_records
from compatriot.people.imports.shortcut import LATIN_MAX_LENGTH, CellsShortcut, accepted_record
from compatriot.people.models import Relationship, Urgency
from compatriot.people.records import person_values
from compatriot.people.schemas import (
    ConsentIn,
    NeedIn,
    PersonFields,
    SourceRecordId,
    VulnerabilityIn,
)

DEFAULT_URGENCY = str(Urgency.MEDIUM)


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


# `tuple.__new__` rather than the named tuple's own `__new__` (a Python function of 29
# arguments): the same record, made at a fraction of the cost.
_new_record = tuple.__new__


class RowKey(NamedTuple):
    line: int
    id: str
    source_record_id: str
    household_ref: str | None


@dataclass
class NormalisedChunk:
    """A chunk's outcome: a key per accepted row, and either the records themselves or, for
    PostgreSQL, their binary COPY rows (aligned with `keys`) made here, so that the single
    writing process only joins bytes."""

    keys: list[RowKey] = field(default_factory=list)
    records: list[PersonRecord] = field(default_factory=list)
    person_rows: list[bytes] = field(default_factory=list)  # `person_copy_row`
    # Per row, its details' bodies of binary COPY rows (`detail_copy_rows`).
    vulnerability_rows: list[tuple[bytes, ...]] = field(default_factory=list)
    need_rows: list[tuple[bytes, ...]] = field(default_factory=list)
    consent_rows: list[tuple[bytes, ...]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    # Records of a CSV file its reader could not split (not counted as rows read).
    unreadable: list[Rejection] = field(default_factory=list)

    # A chunk crosses from a worker to the importer. Pickled one by one, its keys cost the
    # worker ~4 µs per row (a named tuple goes through `__reduce_ex__` and `__getnewargs__`)
    # and the importer ~1.6 to unpickle: they travel as four columns instead (~0.8 in all).
    # The rest of it (COPY rows: bytes in lists and tuples, no object shared) is pickled on its
    # own without pickle's memo, which cost the worker an entry per object (~6 per row): 1.25
    # -> 0.86 µs per row, and no more to unpickle (docs/benchmarks.md, branch importwk6).
    # Records (the ORM's path) hold dates and named tuples, whose classes the memo spares
    # repeating: they are pickled as before.
    def __reduce__(self) -> tuple[Callable[[Any], NormalisedChunk], tuple[Any]]:
        state = dict(self.__dict__)
        state["keys"] = [list(column) for column in zip(*self.keys, strict=True)]
        if self.records:
            return _chunk_of_state, (state,)
        stream = io.BytesIO()
        pickler = pickle.Pickler(stream, pickle.HIGHEST_PROTOCOL)
        pickler.fast = True  # no memo: the state holds no cycle, and nothing shared
        pickler.dump(state)
        return _chunk_of_data, (stream.getvalue(),)


def _chunk_of_state(state: dict[str, Any]) -> NormalisedChunk:
    chunk = NormalisedChunk.__new__(NormalisedChunk)
    columns = state.pop("keys")
    # Made by `tuple.__new__` over the rows in C: no Python step per row.
    state["keys"] = list(map(tuple.__new__, repeat(RowKey), zip(*columns, strict=True)))
    chunk.__dict__.update(state)
    return chunk


def _chunk_of_data(data: bytes) -> NormalisedChunk:
    return _chunk_of_state(pickle.loads(data))  # noqa: S301  a worker's own chunk


@dataclass(frozen=True)
class ChunkTask:
    """Rows to normalise: numbered cells, or (`raw`) lines of a CSV file parsed by the worker."""

    header: Header
    rows: list[tuple[int, list[str]]]
    copy_text: bool
    raw: RawRows | None = None
    unreadable: list[Rejection] = field(default_factory=list)


# Validated details per distinct cell text: the same few cells ("food:high", "registration
# sharing") recur on most rows, and a validated pydantic instance is reused as it is (pydantic
# does not revalidate instances). Kept with each: the stored form `PersonRecord` holds, made
# once per cell rather than once per row. Only valid cells are kept; bounded by clearing.
_DETAILS_CACHE: dict[tuple[str, ...], tuple[list[Any], tuple[Any, ...]]] = {}
_CACHE_LIMIT = 50_000


def _cached_details(
    key: tuple[str, ...],
    build: Callable[[], list[dict[str, Any]]],
    schema: type[Any],
    stored: Callable[[list[Any]], tuple[Any, ...]],
) -> tuple[list[Any], tuple[Any, ...] | None]:
    found = _DETAILS_CACHE.get(key)
    if found is not None:
        return found
    raw = build()
    try:
        instances = [schema.model_validate(item) for item in raw]
    except ValidationError:
        return raw, None  # let the person schema report it, with its position in the row
    if len(_DETAILS_CACHE) >= _CACHE_LIMIT:
        _DETAILS_CACHE.clear()
    found = _DETAILS_CACHE[key] = (instances, stored(instances))
    return found


def _stored_vulnerabilities(items: Sequence[Any]) -> tuple[str, ...]:
    return tuple(str(v.code) for v in items)


def _stored_needs(items: Sequence[Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(n.category), str(n.urgency)) for n in items)


def _stored_consents(items: Sequence[Any]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple(
        (str(c.scope), str(c.method), tuple(str(k) for k in c.partner_kinds)) for c in items
    )


# A row's details in stored form (vulnerabilities, needs, consents), when its cells were valid.
_Stored = tuple[tuple[Any, ...] | None, tuple[Any, ...] | None, tuple[Any, ...] | None]
_NONE: tuple[Any, ...] = ()


def _details_input(cells: Mapping[str, str], data: dict[str, Any]) -> _Stored:
    # A hit is one dict look-up; the builders (closures) are made only on a miss.
    cached = _DETAILS_CACHE.get
    vulnerabilities = cells.get("vulnerabilities", "")
    stored_vulnerabilities: tuple[Any, ...] | None = _NONE
    if vulnerabilities:
        key: tuple[str, ...] = ("v", vulnerabilities)
        data["vulnerabilities"], stored_vulnerabilities = cached(key) or _cached_details(
            key,
            lambda: [{"code": code} for code in split_items(vulnerabilities.lower())],
            VulnerabilityIn,
            _stored_vulnerabilities,
        )
    needs = cells.get("needs", "")
    stored_needs: tuple[Any, ...] | None = _NONE
    if needs:
        key = ("n", needs)
        data["needs"], stored_needs = cached(key) or _cached_details(
            key, lambda: needs_input(needs), NeedIn, _stored_needs
        )
    scopes = cells.get("consent", "")
    stored_consents: tuple[Any, ...] | None = _NONE
    if scopes:
        kinds = cells.get("sharing_partner_kinds", "")
        method = cells.get("consent_method", "").lower() or DEFAULT_CONSENT_METHOD
        key = ("c", scopes, kinds, method)
        data["consents"], stored_consents = cached(key) or _cached_details(
            key, lambda: consents_input(scopes, kinds, method), ConsentIn, _stored_consents
        )
    return stored_vulnerabilities, stored_needs, stored_consents


# Whether a consent cell names the "sharing" scope, per distinct cell (a few in a file).
_SHARING: dict[str, bool] = {}


def _names_sharing(scopes: str) -> bool:
    found = _SHARING.get(scopes)
    if found is None:
        found = "sharing" in split_items(scopes.lower())
        if len(_SHARING) >= _CACHE_LIMIT:
            _SHARING.clear()
        _SHARING[scopes] = found
    return found


def _record(
    line: int, data: ImportPersonFields, stored: _Stored = (None, None, None)
) -> PersonRecord:
    """The row's record; `stored` gives its details' stored form when already made (from the
    very instances `data` holds), else it is made here."""
    values = person_values(data)
    vulnerabilities, needs, consents = stored
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
        _stored_vulnerabilities(data.vulnerabilities)
        if vulnerabilities is None
        else vulnerabilities,
        _stored_needs(data.needs) if needs is None else needs,
        _stored_consents(data.consents) if consents is None else consents,
    )


def _details_stored(details: Mapping[str, str]) -> _Stored | None:
    """The details' stored forms for `CellsShortcut`; None when the row is refused for them."""
    if details.get("sharing_partner_kinds") and not _names_sharing(details.get("consent", "")):
        return None
    return _details_input(details, {})


def normalise_row(
    line: int, data: dict[str, Any], details: Mapping[str, str]
) -> PersonRecord | Rejection:
    """One row, given as `RowReader` reads it: the schema's input and the detail cells."""
    stored = _details_input(details, data)
    if details.get("sharing_partner_kinds") and not _names_sharing(details.get("consent", "")):
        return Rejection(line, "sharing_partner_kinds", "only with a 'sharing' consent")
    values = accepted_record(data, *stored)
    if values is not None:
        return _checked(_new_record(PersonRecord, (line, new_id(), *values)))
    try:  # the schema decides, and names the field at fault
        validated = ImportPersonFields.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        column, message = field_of(first["loc"], first["msg"])
        return Rejection(line, column, message)
    return _checked(_record(line, validated, stored))


def _checked(record: PersonRecord) -> PersonRecord | Rejection:
    # Transliteration can outgrow the stored column (one Cyrillic letter -> up to four Latin).
    if max(len(record.given_name_latin), len(record.family_name_latin)) > LATIN_MAX_LENGTH:
        written = "given_name" if len(record.given_name_latin) > LATIN_MAX_LENGTH else "family_name"
        return Rejection(
            record.line, written, f"its Latin form is longer than {LATIN_MAX_LENGTH} characters"
        )
    return record


# --- PostgreSQL binary COPY (see `copybinary`) --------------------------------------------


def _codes(values: list[str]) -> str:
    """A JSON list of validated codes or E.164 numbers (letters, digits, "+" only: no escaping);
    the same text as json.dumps, a few times faster."""
    return '["' + '", "'.join(values) + '"]' if values else "[]"


# The leading columns of each table's COPY rows made here; the writer adds the household and
# the batch's constant columns (crisis, organisation, user, time) to the end of every row. A
# person's text and JSON columns come together, so that their fields are made in one pass.
_PERSON_TEXT_COLUMNS = (
    "source_record_id", "source", "given_name", "family_name", "given_name_latin",
    "family_name_latin", "search_text", "sex", "birth_date_precision", "nationality",
    "nationalities", "languages", "phones", "email", "country", "admin_area", "place_name",
    "journey_stage", "category", "relationship",
)  # fmt: skip
PERSON_COPY_COLUMNS = ("id", *_PERSON_TEXT_COLUMNS, "birth_date", "latitude", "longitude")
VULNERABILITY_COPY_COLUMNS = ("id", "person_id", "code")
NEED_COPY_COLUMNS = ("id", "person_id", "category", "urgency")
CONSENT_COPY_COLUMNS = ("id", "person_id", "scope", "partner_kinds", "method")
_JSONB = "\x01"  # a jsonb field's first byte (`copybinary.jsonb`): JSON fields are text here


def person_copy_row(r: PersonRecord) -> bytes:
    """The row's person as the body of a binary COPY row (`copybinary`), in
    `PERSON_COPY_COLUMNS` order. It starts with the field of the new person's id
    (`copybinary.UUID_FIELD` bytes), which the writer replaces for a person already stored."""
    # One unpacking of the record (in `PersonRecord` order) rather than an attribute per field,
    # and the text fields made in one loop: this runs once per row.
    (
        _, person_id, source_record_id, source, given, family, given_latin, family_latin, search,
        sex, birth_date, precision, nationality, nationalities, languages, phones, email, country,
        admin_area, place_name, latitude, longitude, stage, category, _, relationship, _, _, _,
    ) = r  # fmt: skip
    texts = (
        source_record_id, source, given, family, given_latin, family_latin, search, sex,
        precision, nationality, _JSONB + _codes(nationalities), _JSONB + _codes(languages),
        _JSONB + _codes(phones), email, country, admin_area, place_name, stage, category,
        relationship,
    )  # fmt: skip
    return b"".join(
        (
            copybinary.uuid_text_field(person_id),
            copybinary.texts(texts),
            copybinary.date(birth_date),
            copybinary.real(latitude),
            copybinary.real(longitude),
        )
    )


# Version 4 UUIDs as text, like `str(uuid.uuid4())`, read from os.urandom 1,024 ids at a time,
# their version and variant bits set and their text laid out by numpy for the whole block at
# once (about half the cost per id of formatting each in Python; a row needs about 4.5). The ids
# of one draw share their first 32 bits (random per draw) and differ in the other 90 random
# bits: an index keyed by them (each table's primary key, and the person_id of consents, needs,
# vulnerabilities and audit entries) then takes a draw's rows into a few adjacent pages instead
# of one random page per row, which cost PostgreSQL about a third of its CPU for these rows
# (docs/benchmarks.md, branch importdb). Unlike a time-ordered id (UUID version 7), nothing is
# read from the clock: an id tells only which other ids were drawn with it. A list, not a
# generator: `list.pop` is atomic, so threads (two imports in one web process) never get the
# same id nor fail on each other.
_IDS_AT_ONCE = 1024
# The five groups of hex digits of "8-4-4-4-12", as (start, end) in the 32 digits: group n goes
# to columns start + n to end + n of the text (after n dashes).
_GROUPS = ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
_ids: list[str] = []


def _drawn() -> np.ndarray:
    """A draw's ids, 16 bytes a row."""
    raw = np.frombuffer(os.urandom(16 * _IDS_AT_ONCE), dtype=np.uint8).reshape(-1, 16).copy()
    raw[:, :4] = raw[0, :4]  # the draw's shared first 32 bits
    raw[:, 6] = raw[:, 6] & 0x0F | 0x40  # version 4
    raw[:, 8] = raw[:, 8] & 0x3F | 0x80  # variant 10xx (RFC 4122)
    return raw


def _more_ids() -> list[str]:
    raw = _drawn()
    # Hex digits by `bytes.hex` (C), laid out between the dashes by five slice copies.
    digits = np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype=np.uint8)
    digits = digits.reshape(_IDS_AT_ONCE, 32)
    # Each id followed by a space, so that one `split` (in C) cuts the block into its ids.
    text = np.full((_IDS_AT_ONCE, 37), ord("-"), dtype=np.uint8)
    text[:, 36] = ord(" ")
    for dashes, (start, end) in enumerate(_GROUPS):
        text[:, start + dashes : end + dashes] = digits[:, start:end]
    return text.tobytes().decode("ascii").split()


# A forked child must not hand out the ids its parent has drawn but not used yet.
os.register_at_fork(after_in_child=_ids.clear)


def new_id() -> str:
    while True:
        try:
            return _ids.pop()
        except IndexError:
            _ids.extend(_more_ids())


# The ids of the details' rows, as their fields in binary COPY (`copybinary`), drawn as the
# persons' are (a draw's ids share their first 32 bits): only the database reads them.
_id_fields: list[bytes] = []
os.register_at_fork(after_in_child=_id_fields.clear)


def _more_id_fields() -> list[bytes]:
    fields = np.empty((_IDS_AT_ONCE, copybinary.UUID_FIELD), dtype=np.uint8)
    fields[:, : len(copybinary.UUID_LENGTH)] = np.frombuffer(copybinary.UUID_LENGTH, np.uint8)
    fields[:, len(copybinary.UUID_LENGTH) :] = _drawn()
    block = fields.tobytes()
    size = copybinary.UUID_FIELD
    return [block[start : start + size] for start in range(0, len(block), size)]


class _Tails(dict[tuple[Any, ...], tuple[bytes, ...]]):
    """The fields of each detail's row after its id and its person's id, per distinct stored form
    of a row's details (a few dozen in a file): only the ids differ from row to row. Binary COPY
    (see `copybinary`). A hit is a subscript in C: rows with the same cells share the very
    tuples `_DETAILS_CACHE` made, so the key is found by identity once hashed. Bounded by
    clearing."""

    def __init__(self, make: Callable[[Any], bytes]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, items: tuple[Any, ...]) -> tuple[bytes, ...]:
        tails = tuple(self._make(item) for item in items)
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[items] = tails
        return tails


_VULNERABILITY_TAILS = _Tails(copybinary.text)
_NEED_TAILS = _Tails(
    lambda need: copybinary.text(need[0]) + copybinary.text(need[1] or DEFAULT_URGENCY)
)
_CONSENT_TAILS = _Tails(
    lambda consent: (
        copybinary.text(consent[0])
        + copybinary.jsonb(_codes(list(consent[2])))
        + copybinary.text(consent[1])
    )
)
# Each detail row's id field, popped in C (no Python call per row); refilled by `_rows`.
_pop_id_field = _id_fields.pop


def _rows(person: bytes, tails: tuple[bytes, ...]) -> tuple[bytes, ...]:
    while True:
        try:
            if len(tails) == 1:  # most rows' needs, and vulnerabilities
                return (_pop_id_field() + person + tails[0],)
            return tuple([_pop_id_field() + person + tail for tail in tails])
        except IndexError:  # the draw is used up (ids popped before are just not used)
            _id_fields.extend(_more_id_fields())


def detail_copy_rows(
    r: PersonRecord, person: bytes | None = None
) -> tuple[tuple[bytes, ...], tuple[bytes, ...], tuple[bytes, ...]]:
    """The row's vulnerabilities, needs and consents as the bodies of binary COPY rows of their
    own tables (`copybinary`; in `VULNERABILITY_COPY_COLUMNS`, `NEED_COPY_COLUMNS`,
    `CONSENT_COPY_COLUMNS` order), each with a new id: its id's field, then its person's
    (`copybinary.UUID_FIELD` bytes each; `person`, if given, is the latter), then its stored
    form's fields."""
    if not (r.vulnerabilities or r.needs or r.consents):
        return (), (), ()
    if person is None:
        person = copybinary.uuid_text_field(r.id)
    return (
        _rows(person, _VULNERABILITY_TAILS[r.vulnerabilities]) if r.vulnerabilities else (),
        _rows(person, _NEED_TAILS[r.needs]) if r.needs else (),
        _rows(person, _CONSENT_TAILS[r.consents]) if r.consents else (),
    )


# Where the shortcut's values hold the household reference (its record's, less line and id).
_HOUSEHOLD = PersonRecord._fields.index("household_ref") - 2


# A process's shortcut per header, kept from chunk to chunk: made per chunk, its caches of the
# details' raw cells started cold each time (the bench's needs cells: ~500 distinct in each chunk
# of 2,000 rows, 18,000 in the whole file), and each miss costs a few Python calls. Bounded by
# clearing; cleared with the details' cache (`clear_caches`).
_SHORTCUTS: dict[tuple[tuple[str, int], ...], CellsShortcut] = {}
_SHORTCUTS_LIMIT = 16


def _shortcut(header: Header) -> CellsShortcut:
    key = tuple(header.positions.items())
    found = _SHORTCUTS.get(key)
    if found is None:
        if len(_SHORTCUTS) >= _SHORTCUTS_LIMIT:
            _SHORTCUTS.clear()
        found = _SHORTCUTS[key] = CellsShortcut(header, _details_stored)
    return found


def clear_caches() -> None:
    """Forget the details validated so far and the shortcuts' cells (tests start cold)."""
    _DETAILS_CACHE.clear()
    _SHORTCUTS.clear()


def normalise_chunk(task: ChunkTask) -> NormalisedChunk:
    """Validate and shape one chunk of numbered rows. Runs in a worker process."""
    rows: Iterable[tuple[int, list[str]]] = task.rows
    unreadable = task.unreadable
    if task.raw is not None:
        rows, unreadable = raw_records(task.raw)  # `unreadable` fills as `rows` are read
    chunk = NormalisedChunk(unreadable=unreadable)
    read = RowReader(task.header)
    quick = _shortcut(task.header)
    keys, rejected, records = chunk.keys, chunk.rejected, chunk.records
    person_rows = chunk.person_rows
    vulnerability_rows, need_rows, consent_rows = (
        chunk.vulnerability_rows,
        chunk.need_rows,
        chunk.consent_rows,
    )
    copy_text = task.copy_text
    header = task.header
    width = header.width
    for line, row in rows:
        # One comparison per row: only a row longer than the header is looked at.
        if len(row) > width and (overflow := header.overflow(row)) is not None:
            rejected.append(Rejection(line, "row", overflow))
            continue
        # The shortcut straight from the cells; the schema's input only for a row it leaves.
        values = quick(row)
        if values is not None:
            record = _new_record(PersonRecord, (line, person_id := new_id(), *values))
            key = _new_record(RowKey, (line, person_id, values[0], values[_HOUSEHOLD]))
        else:
            outcome = normalise_row(line, *read(row))
            if isinstance(outcome, Rejection):
                rejected.append(outcome)
                continue
            record = outcome
            key = _new_record(
                RowKey, (record.line, record.id, record.source_record_id, record.household_ref)
            )
        keys.append(key)
        if copy_text:
            person = person_copy_row(record)
            person_rows.append(person)
            # The person's id field, which its row starts with, read back rather than made again.
            vulnerabilities, needs, consents = detail_copy_rows(
                record, person[: copybinary.UUID_FIELD]
            )
            vulnerability_rows.append(vulnerabilities)
            need_rows.append(needs)
            consent_rows.append(consents)
        else:
            records.append(record)
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
