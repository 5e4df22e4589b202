"""Attachments of concerns: checked by their content, not their name, and kept outside the web root.

A file is accepted only when its first bytes say it is one of the allowed types (PDF, JPEG, PNG,
WebP) and the name's extension is replaced by the type's own, so a script renamed `.pdf` is
refused and `../../etc/passwd.pdf` is stored as `passwd.pdf` under a random name. Files are served
only as downloads (`Content-Disposition: attachment`, `application/octet-stream`, nosniff, a
sandboxing CSP), never rendered inline.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import filetype
from django.conf import settings

from compatriot.core.errors import InvalidInputError

ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    content_type: str
    content: bytes
    sha256: str


def storage_dir() -> Path:
    path = Path(settings.CASES_ATTACHMENT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def safe_name(name: str, extension: str) -> str:
    """The last path component, printable, short, with the detected type's extension."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem = _UNSAFE.sub("_", base.rsplit(".", 1)[0] if "." in base else base).strip(" ._")
    return f"{(stem or 'attachment')[:100]}.{extension}"


def check_upload(name: str, stream: IO[bytes], size: int | None) -> CheckedFile:
    limit = settings.CASES_ATTACHMENT_MAX_BYTES
    if size is not None and size > limit:
        raise InvalidInputError(f"is larger than {limit // 1_000_000} MB", field="file")
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise InvalidInputError(f"is larger than {limit // 1_000_000} MB", field="file")
    if not content:
        raise InvalidInputError("is empty", field="file")
    kind = filetype.guess(content[:8192])
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise InvalidInputError(
            "must be a PDF, JPEG, PNG or WebP file (checked by its content, not its name)",
            field="file",
        )
    return CheckedFile(
        original_name=safe_name(name or "", ALLOWED_TYPES[kind.mime]),
        content_type=kind.mime,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def store(checked: CheckedFile) -> str:
    """Write the file under a random name; return that name."""
    stored_name = secrets.token_hex(16)
    path = storage_dir() / stored_name
    with path.open("xb") as handle:
        handle.write(checked.content)
    return stored_name


def remove(stored_name: str) -> None:
    (storage_dir() / stored_name).unlink(missing_ok=True)


def path_of(stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):  # never trust a stored path blindly
        raise InvalidInputError("invalid stored attachment name", field="attachment_id")
    return storage_dir() / stored_name
