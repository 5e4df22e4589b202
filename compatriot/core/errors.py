"""Domain errors. The API layer maps each to an HTTP status and a {code, field, message} body."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    CONFLICT = "CONFLICT"
    INVALID = "INVALID"
    DUPLICATE_SOURCE_RECORD = "PEOPLE_DUPLICATE_SOURCE_RECORD"
    CONSENT_REQUIRED = "PEOPLE_CONSENT_REQUIRED"
    STALE_VERSION = "STALE_VERSION"
    RATE_LIMITED = "RATE_LIMITED"
    LINKAGE_DECIDED_APART = "LINKAGE_DECIDED_APART"


class DomainError(Exception):
    status = 400
    default_code = ErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code

    def as_dict(self) -> dict[str, str | None]:
        return {"code": str(self.code), "field": self.field, "message": self.message}


class NotFoundError(DomainError):
    """Also raised for what exists but lies outside the caller's scope: never confirm existence."""

    status = 404
    default_code = ErrorCode.NOT_FOUND


class PermissionDeniedError(DomainError):
    status = 403
    default_code = ErrorCode.PERMISSION_DENIED


class ConflictError(DomainError):
    status = 409
    default_code = ErrorCode.CONFLICT


class InvalidInputError(DomainError):
    status = 422
    default_code = ErrorCode.INVALID
