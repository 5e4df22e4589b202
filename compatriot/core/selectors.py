"""Reads of crises, organisations, memberships, tokens and sharing agreements."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from compatriot.core.errors import NotFoundError
from compatriot.core.models import (
    ApiToken,
    AuditEntry,
    Crisis,
    Membership,
    Organisation,
    Role,
    SharingAgreement,
)
from compatriot.core.statements import fixed_statement
from compatriot.core.tokens import hash_token
from compatriot.core.viewer import Viewer


def crisis_list(viewer: Viewer) -> QuerySet[Crisis]:
    return Crisis.objects.all()


def crisis_get(viewer: Viewer, *, crisis_id: uuid.UUID) -> Crisis:
    crisis = Crisis.objects.filter(id=crisis_id).first()
    if crisis is None:
        raise NotFoundError("No such crisis.", field="crisis_id")
    return crisis


def organisation_list(
    viewer: Viewer, *, kind: str | None = None, country: str | None = None
) -> QuerySet[Organisation]:
    """Organisations are not personal data: every signed-in user sees the directory of them."""
    organisations = Organisation.objects.all()
    if kind:
        organisations = organisations.filter(kind=kind)
    if country:
        organisations = organisations.filter(operating_countries__icontains=f'"{country}"')
    return organisations


def organisation_get(viewer: Viewer, *, organisation_id: uuid.UUID) -> Organisation:
    organisation = Organisation.objects.filter(id=organisation_id).first()
    if organisation is None:
        raise NotFoundError("No such organisation.", field="organisation_id")
    return organisation


def membership_list(viewer: Viewer, *, organisation_id: uuid.UUID) -> QuerySet[Membership]:
    """Members are visible to the organisation's own members and to platform administrators."""
    if viewer.organisation_id != organisation_id and not viewer.is_platform_admin:
        raise NotFoundError("No such organisation.", field="organisation_id")
    return Membership.objects.filter(organisation_id=organisation_id).select_related("user")


def token_list(viewer: Viewer) -> QuerySet[ApiToken]:
    if viewer.user_id is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=viewer.user_id).order_by("-created_at")


def sharing_agreement_list(viewer: Viewer) -> QuerySet[SharingAgreement]:
    return SharingAgreement.objects.filter(
        Q(provider_id=viewer.organisation_id) | Q(recipient_id=viewer.organisation_id)
    ).order_by("-created_at")


# PostgreSQL: the same query inside a function (core migration 0006), whose plan the backend
# keeps for the connection's life; sent as text, the four-table join was planned on every
# request, and planning cost the backend more than running it.
_VIEWER_FUNCTION_SQL = "SELECT * FROM compatriot_token_viewer(%s)"


def _token_sql() -> str:
    # Raw SQL because this runs on every API request and the ORM spent more time building the
    # equivalent query (joins plus a role subquery) than the database spent answering it.
    # The columns are those of _TOKEN_COLUMNS, in that order; compatriot_token_viewer's too.
    return f"""
        SELECT t.id, t.user_id, t.organisation_id, t.expires_at, t.last_used_at,
               o.kind AS organisation_kind, u.is_superuser AS user_is_superuser, m.role AS role
        FROM {ApiToken._meta.db_table} t
        JOIN {get_user_model()._meta.db_table} u ON u.id = t.user_id
        JOIN {Organisation._meta.db_table} o ON o.id = t.organisation_id
        JOIN {Membership._meta.db_table} m
          ON m.user_id = t.user_id AND m.organisation_id = t.organisation_id AND m.is_active = %s
        WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s
    """  # noqa: S608  table names come from model metadata; values are parameters


def _token_columns() -> list[tuple[Any, str]]:
    """(model, field name) of each column _token_sql selects."""
    return [
        (ApiToken, "id"),
        (ApiToken, "user"),
        (ApiToken, "organisation"),
        (ApiToken, "expires_at"),
        (ApiToken, "last_used_at"),
        (Organisation, "kind"),
        (get_user_model(), "is_superuser"),
        (Membership, "role"),
    ]


_TOKEN_QUERY: dict[str, tuple[str, list[tuple[Any, list[Any]]]]] = {}


def _token_query() -> tuple[str, list[tuple[Any, list[Any]]]]:
    """The token SQL and, per column, the converters Django's compiler would apply to it (UUIDs,
    datetimes and booleans arrive as text or integers on SQLite), built once per backend: a
    plain cursor then costs a fraction of `.raw()` and its model instance."""
    if connection.vendor not in _TOKEN_QUERY:
        columns = []
        for model, name in _token_columns():
            expression = model._meta.get_field(name).get_col(model._meta.db_table)
            converters = [
                *connection.ops.get_db_converters(expression),
                *expression.get_db_converters(connection),
            ]
            columns.append((expression, converters))
        sql = _VIEWER_FUNCTION_SQL if connection.vendor == "postgresql" else _token_sql()
        _TOKEN_QUERY[connection.vendor] = (sql, columns)
    return _TOKEN_QUERY[connection.vendor]


def viewer_for_token(secret: str, *, purpose: str = "") -> tuple[Viewer, ApiToken] | None:
    """Resolve a bearer secret to the Viewer it acts as, in one query; None when the token is
    unknown, revoked or expired, or its user or membership is no longer active. The ApiToken
    carries only id, user, organisation, expires_at and last_used_at (for token_touch)."""
    return viewer_for_token_hash(hash_token(secret), purpose=purpose)


def viewer_for_token_hash(key_hash: str, *, purpose: str = "") -> tuple[Viewer, ApiToken] | None:
    """`viewer_for_token` for a secret already hashed."""
    found = token_look_up(key_hash, purpose=purpose)
    return None if found is None else (found[0], found[1])


def token_look_up(
    key_hash: str, *, purpose: str = ""
) -> tuple[Viewer, ApiToken, int | None] | None:
    """`viewer_for_token_hash`, with the token generation read in the same snapshot
    (PostgreSQL, core migration 0012; None on SQLite): while it stays the same, nothing the
    look-up read has changed (core/claims.py confirms a claim by it)."""
    sql, columns = _token_query()
    params = [key_hash] if connection.vendor == "postgresql" else [True, key_hash, True]
    with fixed_statement(sql, params) as cursor:
        row = cursor.fetchone()
    if row is None:
        return None
    generation = None
    if len(row) > len(columns):  # compatriot_token_viewer's last column
        *row, generation = row
    values = []
    for value, (expression, converters) in zip(row, columns, strict=True):
        for converter in converters:
            value = converter(value, expression, connection)
        values.append(value)
    token_id, user_id, organisation_id, expires_at, last_used_at, kind, superuser, role = values
    if expires_at and expires_at <= timezone.now():
        return None
    token = ApiToken.from_db(
        connection.alias,
        ["id", "user_id", "organisation_id", "expires_at", "last_used_at"],
        [token_id, user_id, organisation_id, expires_at, last_used_at],
    )
    viewer = Viewer(
        user_id=user_id,
        organisation_id=organisation_id,
        organisation_kind=kind,
        role=role,
        is_platform_admin=bool(superuser),
        purpose=purpose,
    )
    return viewer, token, generation


def viewer_for_membership(
    *, user_id: int, organisation_id: uuid.UUID | None, purpose: str = ""
) -> Viewer:
    """The Viewer a signed-in user acts as for one of their organisations (CLI, web)."""
    user = get_user_model().objects.filter(id=user_id, is_active=True).first()
    if user is None:
        raise NotFoundError("No such user.", field="user")
    if organisation_id is None:
        return Viewer(user.id, None, None, None, user.is_superuser, purpose)
    membership = (
        Membership.objects.select_related("organisation")
        .filter(user_id=user_id, organisation_id=organisation_id, is_active=True)
        .first()
    )
    if membership is None:
        raise NotFoundError("Not a member of this organisation.", field="organisation")
    return Viewer(
        user_id=user.id,
        organisation_id=membership.organisation_id,
        organisation_kind=membership.organisation.kind,
        role=membership.role,
        is_platform_admin=user.is_superuser,
        purpose=purpose,
    )


def user_membership_list(*, user_id: int) -> QuerySet[Membership]:
    """A signed-in user's own active memberships (the organisations the web lets them act for)."""
    return (
        Membership.objects.filter(user_id=user_id, is_active=True, organisation__isnull=False)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def viewer_for_public_intake(*, organisation_name: str, purpose: str) -> Viewer | None:
    """The Viewer that self-registrations from the public pages are recorded as: the organisation
    named in settings receives them. None when it is not configured or does not exist."""
    organisation = (
        Organisation.objects.filter(name=organisation_name).first() if organisation_name else None
    )
    if organisation is None:
        return None
    return Viewer(None, organisation.id, organisation.kind, Role.VOLUNTEER, False, purpose)


def verified_organisation_list(*, countries: list[str]) -> QuerySet[Organisation]:
    """Verified organisations working in any of `countries`: public information."""
    condition = Q()
    for country in countries:
        condition |= Q(operating_countries__icontains=f'"{country}"')
    return Organisation.objects.filter(condition, is_verified=True).order_by("name")


def audit_history(
    viewer: Viewer, *, object_type: str, object_id: uuid.UUID, limit: int = 50
) -> list[AuditEntry]:
    """Entries about one record and its parts (details.person), and for a person the reads that
    returned it among others (details.persons), newest first. The caller has already read the
    record through its scoped selector.

    Each arm of the OR matches an index on PostgreSQL (the object's, and the partial ones on
    details.person and details.persons, whose conditions the `has_key`s repeat), so the database
    reads the record's few entries instead of walking the whole chain backwards
    (docs/benchmarks.md: "the person page's audit history read by index")."""
    about_part = Q(details__has_key=object_type) & Q(**{f"details__{object_type}": str(object_id)})
    condition = Q(object_type=object_type, object_id=str(object_id)) | about_part
    if object_type == "person":
        condition |= _naming_among_persons(str(object_id))
    return list(AuditEntry.objects.filter(condition).order_by("-id")[:limit])


def _naming_among_persons(person_id: str) -> Q:
    """Entries that name the person in details.persons: a household's read (each member's record
    returned), a candidate pair's (both records side by side)."""
    named = Q(details__has_key="persons")
    if connection.vendor == "postgresql":
        # Containment, which the partial GIN index of core migration 0015 serves; `has_key`
        # repeats its condition so that the planner can prove it.
        return named & Q(details__persons__contains=[person_id])
    # SQLite has no JSON containment: the quoted id matches one whole element of the list.
    return named & Q(details__persons__icontains=f'"{person_id}"')
