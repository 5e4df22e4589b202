"""PostgreSQL's binary COPY format, for the import's persons, details, households and audit.

The server reads a binary field as it stores it: no line to split and unescape, no text to parse
(PostgreSQL 15 reads a UUID's text with one `strtoul` per byte, a timestamp's, a date's and a
float's with their parsers). A person is ~5 rows (its own and its details') of ~15 UUIDs and ~9
times between them; in binary their COPYs cost the server ~10 µs less per person, and the workers
~8 % more instructions to make (docs/benchmarks.md, branch importbin).

Data: a signature, then per row a 16-bit field count and each field as a 32-bit length (-1 for
NULL) followed by its bytes, then a trailer. The workers make each row's body (see
`normalising.person_copy_row`, `normalising.detail_copy_rows`); the writer puts the field count
before and the batch's constant fields after every body, in one join (`data`). The new
households' rows (`storage.CopiedHouseholds`) are made the same way by the writer; the audit
entries' (`auditing.chain_copy_data`) are made whole, each in one f-string, as they are hashed.
"""

from __future__ import annotations

import datetime as dt
import struct
import uuid
from collections.abc import Iterable

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)  # no flags, no header extension
_TRAILER = struct.pack(">h", -1)
_LENGTH = struct.Struct(">i")
NULL = _LENGTH.pack(-1)
UUID_LENGTH = _LENGTH.pack(16)
UUID_FIELD = len(UUID_LENGTH) + 16  # the bytes of a UUID's field, its length included
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # PostgreSQL's timestamps count from here
_MICROSECOND = dt.timedelta(microseconds=1)


_LENGTHS = [_LENGTH.pack(size) for size in range(1024)]  # most fields' lengths, packed once
_DATE = struct.Struct(">ii")
_REAL = struct.Struct(">id")
_EPOCH_DAY = dt.date(2000, 1, 1).toordinal()


def text(value: str) -> bytes:
    """A text or varchar field (the database's encoding is UTF-8, as the connection's)."""
    data = value.encode()
    size = len(data)
    return (_LENGTHS[size] if size < 1024 else _LENGTH.pack(size)) + data


def texts(values: Iterable[str]) -> bytes:
    """Consecutive text fields (a JSON text after its first byte, "\\x01", is a jsonb field). One
    loop here rather than a call of `text` per field: the calls cost more than the fields."""
    lengths = _LENGTHS
    parts: list[bytes] = []
    for value in values:
        data = value.encode()
        size = len(data)
        parts.append(lengths[size] if size < 1024 else _LENGTH.pack(size))
        parts.append(data)
    return b"".join(parts)


def jsonb(json_text: str) -> bytes:
    """A jsonb field: the format's version (1), then the JSON text, which the server parses."""
    data = json_text.encode()
    size = len(data) + 1
    return (_LENGTHS[size] if size < 1024 else _LENGTH.pack(size)) + b"\x01" + data


def integer(value: int | None) -> bytes:
    return NULL if value is None else struct.pack(">ii", 4, value)


def uuid_field(value: uuid.UUID | str | None) -> bytes:
    if value is None:
        return NULL
    return UUID_LENGTH + (value if isinstance(value, uuid.UUID) else uuid.UUID(value)).bytes


def uuid_text_field(value: str) -> bytes:
    """A UUID's field from its canonical text (a new id: `normalising.new_id`)."""
    return UUID_LENGTH + bytes.fromhex(value.replace("-", ""))


def date(value: dt.date | None) -> bytes:
    """A date field: days since 2000-01-01."""
    return NULL if value is None else _DATE.pack(4, value.toordinal() - _EPOCH_DAY)


def real(value: float | None) -> bytes:
    """A double precision field: the float's own 8 bytes (its text, `repr`, reads back the same)."""
    return NULL if value is None else _REAL.pack(8, value)


def timestamp(value: dt.datetime) -> bytes:
    """A timestamptz field: microseconds since 2000-01-01 UTC (an aware datetime)."""
    return struct.pack(">iq", 8, (value - _EPOCH) // _MICROSECOND)


def data(bodies: Iterable[bytes], fields: int, constant: bytes) -> bytes:
    """A COPY's whole data: each row's body after its field count (`fields`, the bodies' and the
    constant's together) and before `constant` (the batch's fields, the same on every row).
    Empty without bodies."""
    bodies = list(bodies)
    if not bodies:
        return b""
    count = field_count(fields)
    return b"".join((_SIGNATURE, count, (constant + count).join(bodies), constant, _TRAILER))


def field_count(fields: int) -> bytes:
    """The start of a row: its number of fields."""
    return struct.pack(">h", fields)


def rows_data(rows: bytes) -> bytes:
    """A COPY's whole data from `rows` that each start with their field count (`field_count`).
    Empty without rows."""
    return b"".join((_SIGNATURE, rows, _TRAILER)) if rows else b""


# Each length below 256 as four characters of code points below 256, for rows made as text and
# encoded at once as Latin-1 (a character per byte: see `auditing._Digester.copy_rows`).
LENGTH_CHARACTERS = tuple(_LENGTH.pack(size).decode("latin-1") for size in range(256))
