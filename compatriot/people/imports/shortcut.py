"""A row the schema would accept, read without the schema: each field by the very function the
schema calls, once per distinct value of its column.

`ImportPersonFields.model_validate` costs a worker more than half of a row's time, yet most of a
file's values repeat (countries, languages, codes, places, names, dates) and every rule of the
schema is a function of one field, or of a few (the model validators, and phones, which read the
country and nationalities before them). `accepted_record` applies those rules here, the per-value
ones through caches, and returns the row's record only when every field passes; on any doubt it
returns None and the schema itself decides, so a refused row is refused, with its message, by the
schema alone. An accepted row's stored values come from the same functions (`clean_text`,
`country_alpha2`, `parse_partial_date`, `normalise_phones`, the e-mail check,
`derived_name_fields`), so they are the same. people/tests/test_import_shortcut.py holds the two
equal field by field and on whole rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from operator import itemgetter
from typing import Any, Generic, TypeVar, get_args

from compatriot.normalise import NormalisationError
from compatriot.normalise.codes import country_alpha2, language_code
from compatriot.normalise.dates import parse_partial_date
from compatriot.normalise.phones import plain_e164_validity, to_e164_digits
from compatriot.normalise.text import clean_text
from compatriot.people.imports.columns import (
    COLUMNS,
    DEFAULT_SOURCE,
    ONE_PHONE,
    OPTIONAL_COLUMNS,
    Header,
    split_items,
    split_phones,
)
from compatriot.people.models import (
    JourneyStage,
    Person,
    PersonCategory,
    Relationship,
    Sex,
    Source,
)
from compatriot.people.records import derived_name_fields
from compatriot.people.schemas import PersonFields, email_address, normalise_phones


def _max_lengths(name: str) -> tuple[int, ...]:
    """Every `max_length` the schema sets on a field, read from the schema itself (so the two
    cannot drift apart): the list's own limit first, then its items' or the text's."""
    field = PersonFields.model_fields[name]
    metadata = list(field.metadata)
    annotations = [field.annotation]
    while annotations:
        annotation = annotations.pop()
        metadata.extend(getattr(annotation, "__metadata__", ()))
        annotations.extend(get_args(annotation))
    return tuple(m.max_length for m in metadata if getattr(m, "max_length", None) is not None)


# The schema's limits, field by field. NameText and ShortText are cleaned to 200 characters
# after their raw limit (core/types.py `_clean(200)`, inside a validator: not readable here).
(_TEXT_RAW_MAX,) = _max_lengths("given_name")
_TEXT_MAX = 200
(_DATE_RAW_MAX,) = _max_lengths("birth_date")
(_EMAIL_RAW_MAX,) = _max_lengths("email")
_MAX_PHONES, _PHONE_RAW_MAX = _max_lengths("phones")
_MAX_NATIONALITIES = _max_lengths("nationalities")[0]
_MAX_LANGUAGES = _max_lengths("languages")[0]
(_MAX_VULNERABILITIES,) = _max_lengths("vulnerabilities")
(_MAX_NEEDS,) = _max_lengths("needs")
(_MAX_CONSENTS,) = _max_lengths("consents")
# SourceRecordId: 1 to 100 of these characters, the whole value.
_SOURCE_RECORD_ID = re.compile(r"[A-Za-z0-9._:/#-]{1,100}")
# Coordinates in plain decimal notation only (a sign, up to 3 digits, up to 15 decimals): for
# these Python's float() and pydantic's parser give the same double (both round correctly);
# any other spelling ("1e2", " 1", "+1", "1_0", "nan") is left to the schema.
_DECIMAL = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,15})?")
# A row's source record id and coordinates as `CellsShortcut` reads them, joined by commas (which
# none of them can hold): one regular expression where three cost ~2,000 instructions each, most
# of it the call's own. A match means each cell matches its own expression unstripped (so its
# strip changes nothing), with both coordinates or neither; any other row takes the three tests.
# Possessive (`+`) quantifiers, ~15 % cheaper here, match the same: what follows each can never
# be what it repeats.
_ID_AND_COORDINATES = re.compile(
    r"[A-Za-z0-9._:/#-]{1,100}+,(?:-?+[0-9]{1,3}+(?:\.[0-9]{1,15}+)?+,-?+[0-9]{1,3}+(?:\.[0-9]{1,15}+)?+|,)"
).fullmatch

# The stored column of a name's Latin form: a longer one is refused by the normaliser.
LATIN_MAX_LENGTH = Person._meta.get_field("given_name_latin").max_length or 200

_REFUSED = object()  # a cached value the schema refuses
_CACHE_LIMIT = 100_000


_Key = TypeVar("_Key")


class _PerValue(Generic[_Key]):
    """A function's result per distinct argument, `_REFUSED` where it raises ValueError."""

    def __init__(self, function: Callable[[_Key], Any]) -> None:
        self._function = function
        self._known: dict[_Key, Any] = {}

    def __call__(self, value: _Key) -> Any:
        known = self._known.get(value, None)
        if known is not None:
            return known
        try:
            known = self._function(value)
        except ValueError:  # NormalisationError and the schema's own ValueErrors
            known = _REFUSED
        if len(self._known) >= _CACHE_LIMIT:
            self._known.clear()
        self._known[value] = known
        return known


def _text(value: str) -> str:
    if len(value) > _TEXT_RAW_MAX:
        raise NormalisationError("too long")
    return clean_text(value, max_length=_TEXT_MAX)


def _code(value: str, check: Callable[[str], str]) -> str:
    if not 2 <= len(value) <= 3:
        raise NormalisationError("not a code")
    return check(value)


def _choices(choices: type[Enum]) -> dict[str, str]:
    """What pydantic accepts for a text enum (a member's value, exactly) and its stored text."""
    return {member.value: str(member) for member in choices}


_texts = _PerValue(_text)
_countries: _PerValue[str] = _PerValue(lambda value: _code(value, country_alpha2))
_languages: _PerValue[str] = _PerValue(lambda value: _code(value, language_code))
_SEXES, _STAGES, _CATEGORIES = _choices(Sex), _choices(JourneyStage), _choices(PersonCategory)
_SOURCES, _RELATIONSHIPS = _choices(Source), _choices(Relationship)
_UNKNOWN_SEX = str(Sex.UNKNOWN)


def _codes(values: tuple[str, ...], valid: _PerValue[str], most: int) -> tuple[str, ...]:
    if len(values) > most:
        raise NormalisationError("too many codes")
    codes = tuple(valid(value) for value in values)
    if _REFUSED in codes:
        raise NormalisationError("not a code")
    return codes


# A row's names, its codes and its places are each read once per distinct combination of their
# cells, where a cache per cell still cost a Python call and a look-up per field: names repeat
# as a pair (36,789 given and family names in the bench's 236,414 rows), codes and places far
# more. Each group raises (so is cached as `_REFUSED`) when any of its fields is refused.
_NameCells = tuple[str | None, str | None, str | None, str | None]
_OriginCells = tuple[str | None, tuple[str, ...], tuple[str, ...]]


def _names(cells: _NameCells) -> tuple[str, str, str, str, str]:
    """Given and family names cleaned, their Latin forms and the search text."""
    given, family, given_latin, family_latin = (None if v is None else _text(v) for v in cells)
    given = given or ""
    family = family or ""
    if not (given or family):
        raise NormalisationError("no name")
    names = derived_name_fields(given, family, given_latin, family_latin)
    return (
        given,
        family,
        names["given_name_latin"],
        names["family_name_latin"],
        names["search_text"],
    )


def _origin(
    cells: _OriginCells,
) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The country, nationalities and languages, and the phones' default regions."""
    code, nationality_cells, language_cells = cells
    country = "" if code is None else _countries(code)
    if country is _REFUSED:
        raise NormalisationError("not a country code")
    nationalities = _codes(nationality_cells, _countries, _MAX_NATIONALITIES)
    languages = _codes(language_cells, _languages, _MAX_LANGUAGES)
    regions = (country, *nationalities) if country else nationalities
    return country, nationalities, languages, regions


def _places(cells: tuple[str | None, str | None]) -> tuple[str, str]:
    """The admin area and the place name, cleaned ("" when not given)."""
    admin_area, place_name = cells
    return (
        "" if admin_area is None else _text(admin_area),
        "" if place_name is None else _text(place_name),
    )


_names_of = _PerValue(_names)
_origin_of = _PerValue(_origin)
_places_of = _PerValue(_places)
_NO_CODES: tuple[str, ...] = ()


def _coordinate(value: str | None, bound: float) -> float | object | None:
    if value is None:
        return None
    if not _DECIMAL.fullmatch(value):
        return _REFUSED
    number = float(value) + 0.0  # -0.0 as 0.0, as the schema's Coordinate
    return number if -bound <= number <= bound else _REFUSED


def _phones(raw_phones: list[str], regions: tuple[str, ...]) -> list[str] | None:
    """The numbers in E.164, None when the schema would refuse them."""
    if len(raw_phones) > _MAX_PHONES or any(len(raw) > _PHONE_RAW_MAX for raw in raw_phones):
        return None
    try:
        # One number (most rows): `normalise_phones` without its loop and de-duplication.
        return (
            [to_e164_digits(raw_phones[0], default_regions=regions)]
            if len(raw_phones) == 1
            else normalise_phones(raw_phones, regions)
        )
    except ValueError:
        return None


def _email(address: str) -> str | None:
    if len(address) > _EMAIL_RAW_MAX:
        return None
    try:
        return email_address(address)
    except ValueError:
        return None


def accepted_record(  # noqa: C901  one test per field, in the schema's order
    data: dict[str, Any],
    vulnerabilities: tuple[str, ...] | None,
    needs: tuple[tuple[str, str], ...] | None,
    consents: tuple[tuple[str, str, tuple[str, ...]], ...] | None,
) -> tuple[Any, ...] | None:
    """The row's stored values, in `PersonRecord` order after its line and id, when the schema would accept `data` (a `RowReader` row: only non-empty cells, and
    `source`) with these details (their stored forms, None when a cell was refused); else None."""
    if vulnerabilities is None or needs is None or consents is None:
        return None
    if (
        len(vulnerabilities) > _MAX_VULNERABILITIES
        or len(set(vulnerabilities)) != len(vulnerabilities)
        or len(needs) > _MAX_NEEDS
        or len(consents) > _MAX_CONSENTS
    ):
        return None
    get = data.get
    source_record_id = get("source_record_id")
    if source_record_id is None or not _SOURCE_RECORD_ID.fullmatch(source_record_id):
        return None
    names = _names_of(
        (get("given_name"), get("family_name"), get("given_name_latin"), get("family_name_latin"))
    )
    if names is _REFUSED:
        return None
    sex = _SEXES.get(get("sex", _UNKNOWN_SEX))
    if sex is None:
        return None
    birth_date = None
    precision = ""
    if (text := get("birth_date")) is not None:
        if len(text) > _DATE_RAW_MAX:
            return None
        try:
            partial = parse_partial_date(text)
        except NormalisationError:
            return None
        birth_date, precision = partial.value, str(partial.precision)
    nationality_cells = get("nationalities")
    language_cells = get("languages")
    origin = _origin_of(
        (
            get("country"),
            _NO_CODES if nationality_cells is None else tuple(nationality_cells),
            _NO_CODES if language_cells is None else tuple(language_cells),
        )
    )
    if origin is _REFUSED:
        return None
    country, nationalities, languages, regions = origin
    places = _places_of((get("admin_area"), get("place_name")))
    if places is _REFUSED:
        return None
    if (household_ref := get("household_ref")) is not None:
        household_ref = _texts(household_ref)
        if household_ref is _REFUSED:
            return None
    latitude = _coordinate(get("latitude"), 90)
    longitude = _coordinate(get("longitude"), 180)
    if latitude is _REFUSED or longitude is _REFUSED or (latitude is None) != (longitude is None):
        return None
    phones: list[str] | None = []
    if (raw_phones := get("phones")) is not None and (
        phones := _phones(raw_phones, regions)
    ) is None:
        return None
    email: str | None = ""
    if (address := get("email")) is not None and (email := _email(address)) is None:
        return None
    stage = _STAGES.get(get("journey_stage"))  # type: ignore[arg-type]
    category = _CATEGORIES.get(get("category"))  # type: ignore[arg-type]
    source = _SOURCES.get(get("source"))  # type: ignore[arg-type]
    relationship = ""
    if (given_relationship := get("relationship")) is not None:
        relationship = _RELATIONSHIPS.get(given_relationship)  # type: ignore[assignment]
        if relationship is None or not household_ref:
            return None
    if stage is None or category is None or source is None:
        return None
    # The same values, in the same order, as `CellsShortcut` returns.
    return (
        source_record_id,
        source,
        *names,
        sex,
        birth_date,
        precision,
        nationalities[0] if nationalities else "",
        list(nationalities),
        list(languages),
        phones,
        email,
        country,
        *places,
        latitude,
        longitude,
        stage,
        category,
        household_ref,
        relationship,
        vulnerabilities,
        needs,
        consents,
    )


# --- From a row's cells straight to its record ---------------------------------------------
#
# `RowReader` makes a dict of the row's input and `accepted_record` reads ~20 values back out of
# it; `CellsShortcut` takes the very cells instead, and looks most groups up by their raw cells
# (a hit needs no strip, split or lower-casing). Each group's value on a miss is what
# `RowReader` and `accepted_record` make of the same cells, through the same functions.


class _PerCell(dict[Any, Any]):
    """A function's result per distinct raw cell (or tuple of cells), `_REFUSED` where it raises
    ValueError or returns None; a hit is a dict look-up in C, without a Python call."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        super().__init__()
        self._function = function

    def __missing__(self, key: Any) -> Any:
        try:
            value = self._function(key)
        except ValueError:
            value = None
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[key] = value = _REFUSED if value is None else value
        return value


def _given(cell: str) -> str | None:
    """A cell as `RowReader` hands it on: stripped, and absent (None) when empty."""
    return cell.strip() or None


def _name_cells(cells: tuple[str, str, str, str]) -> Any:
    names = _names_of(tuple(_given(cell) for cell in cells))  # type: ignore[arg-type]
    # Also refused here (the row left to the normaliser, which words it): a Latin form longer
    # than its column, so that a record this path makes needs no test of its own.
    if names is not _REFUSED and max(len(names[2]), len(names[3])) > LATIN_MAX_LENGTH:
        return None
    return names


def _origin_cells(cells: tuple[str, str, str]) -> Any:
    country, nationalities, languages = (cell.strip() for cell in cells)
    return _origin_of(
        (
            country or None,
            tuple(split_items(nationalities)) if nationalities else _NO_CODES,
            tuple(split_items(languages)) if languages else _NO_CODES,
        )
    )


def _place_cells(cells: tuple[str, str]) -> Any:
    return _places_of((_given(cells[0]), _given(cells[1])))


def _choice_cells(choices: dict[str, str], default: str | None) -> _PerCell:
    """A code column's stored text per raw cell: lower-cased as `RowReader` does, `default`
    for an empty cell (None: the schema requires it)."""
    return _PerCell(lambda cell: choices.get(cell.strip().lower() or default))  # type: ignore[arg-type]


_name_groups = _PerCell(_name_cells)
_origin_groups = _PerCell(_origin_cells)
_place_groups = _PerCell(_place_cells)
_sex_cells = _choice_cells(_SEXES, _UNKNOWN_SEX)
_stage_cells = _choice_cells(_STAGES, None)
_category_cells = _choice_cells(_CATEGORIES, None)
_source_cells = _choice_cells(_SOURCES, DEFAULT_SOURCE)
# The columns `CellsShortcut` reads, in the order it unpacks them (the file's written order).
_READ = COLUMNS + OPTIONAL_COLUMNS
# What a row's details give `CellsShortcut`: their stored forms (vulnerabilities, needs,
# consents), None for any cell refused or a row refused for its details as a whole.
DetailsOf = Callable[[dict[str, str]], "tuple[Any, Any, Any] | None"]


class CellsShortcut:
    """`accepted_record(*RowReader(header)(row)` with its details`)` from the row itself: the
    row's stored values when the schema would accept it, else None (then the row takes the
    schema's path, which decides and words any refusal). `details` gives the details' stored
    forms from their stripped cells (the normaliser's cache)."""

    def __init__(self, header: Header, details: DetailsOf) -> None:
        positions = header.positions
        # A column the header lacks reads the empty cell put after the row's end.
        self._complete = all(name in positions for name in _READ)
        self._width = max((positions[name] + 1 for name in _READ if name in positions), default=0)
        self._cells = itemgetter(*(positions.get(name, -1) for name in _READ))
        self._details = details
        # Details per raw cell; consents with the sharing kinds and the method, as one.
        self._vulnerabilities = _PerCell(lambda cell: self._detail(0, vulnerabilities=cell))
        self._needs = _PerCell(lambda cell: self._detail(1, needs=cell))
        self._consents = _PerCell(
            lambda cells: self._detail(
                2, consent=cells[0], sharing_partner_kinds=cells[1], consent_method=cells[2]
            )
        )

    def _detail(self, which: int, **cells: str) -> Any:
        stored = self._details({name: cell.strip() for name, cell in cells.items()})
        value = None if stored is None else stored[which]
        if value is None:
            return None
        limit = (_MAX_VULNERABILITIES, _MAX_NEEDS, _MAX_CONSENTS)[which]
        if len(value) > limit or (which == 0 and len(set(value)) != len(value)):
            return None
        return value

    def __call__(self, row: list[str]) -> tuple[Any, ...] | None:  # noqa: C901  as accepted_record
        if not self._complete or len(row) < self._width:
            row = [*row, *[""] * (self._width - len(row)), ""]
        (
            source_record_id,
            given,
            family,
            given_latin,
            family_latin,
            sex,
            birth_cell,
            nationality_cells,
            language_cells,
            phone_cell,
            email_cell,
            country_cell,
            admin_area,
            place_name,
            latitude_cell,
            longitude_cell,
            stage,
            category,
            source,
            household_cell,
            relationship_cell,
            vulnerability_cell,
            need_cell,
            consent_cell,
            kinds_cell,
            method_cell,
        ) = self._cells(row)
        vulnerabilities = self._vulnerabilities[vulnerability_cell]
        needs = self._needs[need_cell]
        consents = self._consents[consent_cell, kinds_cell, method_cell]
        if vulnerabilities is _REFUSED or needs is _REFUSED or consents is _REFUSED:
            return None
        if _ID_AND_COORDINATES(f"{source_record_id},{latitude_cell},{longitude_cell}"):
            latitude: Any = None
            longitude: Any = None
            if latitude_cell:
                latitude = float(latitude_cell) + 0.0  # -0.0 as 0.0, as _coordinate
                longitude = float(longitude_cell) + 0.0
                if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                    return None
        else:
            source_record_id = source_record_id.strip()
            if not _SOURCE_RECORD_ID.fullmatch(source_record_id):
                return None
            latitude = _coordinate(latitude_cell.strip() or None, 90)
            longitude = _coordinate(longitude_cell.strip() or None, 180)
            if (
                latitude is _REFUSED
                or longitude is _REFUSED
                or (latitude is None) != (longitude is None)
            ):
                return None
        names = _name_groups[given, family, given_latin, family_latin]
        origin = _origin_groups[country_cell, nationality_cells, language_cells]
        places = _place_groups[admin_area, place_name]
        sex = _sex_cells[sex]
        stage = _stage_cells[stage]
        category = _category_cells[category]
        source = _source_cells[source]
        if (
            names is _REFUSED
            or origin is _REFUSED
            or places is _REFUSED
            or sex is _REFUSED
            or stage is _REFUSED
            or category is _REFUSED
            or source is _REFUSED
        ):
            return None
        birth_date = None
        precision = ""
        if text := birth_cell.strip():
            if len(text) > _DATE_RAW_MAX:
                return None
            try:
                partial = parse_partial_date(text)
            except NormalisationError:
                return None
            birth_date, precision = partial.value, str(partial.precision)
        country, nationalities, languages, regions = origin
        household_ref = None
        if household := household_cell.strip():
            household_ref = _texts(household)
            if household_ref is _REFUSED:
                return None
        phones: list[str] | None = []
        if phone_text := phone_cell.strip():
            # One number written "+<digits>" (most rows), or a few apart by single spaces, as
            # `split_phones` splits them: decided without `to_e164`'s steps (nor, for a few,
            # `split_phones`' and `normalise_phones`' loops).
            if valid := plain_e164_validity(phone_text):
                phones = [phone_text]
            elif valid is False:
                return None
            elif len(numbers := phone_text.split(" ")) <= _MAX_PHONES and None not in (
                verdicts := [*map(plain_e164_validity, numbers)]
            ):
                if False in verdicts:
                    return None
                phones = list(dict.fromkeys(numbers))
            else:
                raw_phones = [phone_text] if ONE_PHONE(phone_text) else split_phones(phone_text)
                if (phones := _phones(raw_phones, regions)) is None:
                    return None
        email: str | None = ""
        if (address := email_cell.strip()) and (email := _email(address)) is None:
            return None
        relationship = ""
        if given_relationship := relationship_cell.strip():
            relationship = _RELATIONSHIPS.get(given_relationship.lower())  # type: ignore[assignment]
            if relationship is None or not household_ref:
                return None
        return (
            source_record_id,
            source,
            *names,
            sex,
            birth_date,
            precision,
            nationalities[0] if nationalities else "",
            list(nationalities),
            list(languages),
            phones,
            email,
            country,
            *places,
            latitude,
            longitude,
            stage,
            category,
            household_ref,
            relationship,
            vulnerabilities,
            needs,
            consents,
        )
