"""Writes for crises, organisations, memberships, API tokens and sharing agreements."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from compatriot.core.audit import audit_record
from compatriot.core.errors import ConflictError, InvalidInputError, NotFoundError
from compatriot.core.models import (
    ApiToken,
    AuditAction,
    Crisis,
    Membership,
    Organisation,
    Role,
    SharingAgreement,
)
from compatriot.core.schemas import (
    CrisisIn,
    CrisisPatch,
    MembershipIn,
    MembershipInvite,
    MembershipPatch,
    OrganisationIn,
    OrganisationPatch,
    SharingAgreementIn,
    TokenIn,
)
from compatriot.core.tokens import generate_token, hash_token
from compatriot.core.validation import validated_save
from compatriot.core.viewer import Viewer


def _apply(obj: Any, changes: dict[str, Any]) -> list[str]:
    changed = [name for name, value in changes.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, changes[name])
    return changed


# Taken first by every service below that writes tokens, users, organisations or memberships
# (core migration 0012): each such statement ends by updating the one token generation row,
# held to commit, so a service that locked an organisation or token first and one that raised
# the generation first (its commit's foreign-key checks then wanting that organisation) waited
# for each other (deadlock). Locking the row (not raising it: nothing changed yet) before any
# other lock orders them all. PostgreSQL only; nothing when the table is absent (SQLite, or
# migrated before 0012). The API's write never takes it (its confirmation only reads the row).
_GENERATION_LOCK = """
DO $$ BEGIN
    IF to_regclass('compatriot_token_generation') IS NOT NULL THEN
        PERFORM FROM compatriot_token_generation FOR NO KEY UPDATE;
    END IF;
END $$
"""


def token_generation_first() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_GENERATION_LOCK)


@transaction.atomic
def crisis_create(actor: Viewer, *, data: CrisisIn) -> Crisis:
    actor.require_platform_admin()
    crisis = Crisis(**data.model_dump())
    validated_save(crisis)
    audit_record(actor, action=AuditAction.CREATE, object_type="crisis", object_id=crisis.id)
    return crisis


@transaction.atomic
def crisis_update(actor: Viewer, *, crisis_id: uuid.UUID, data: CrisisPatch) -> Crisis:
    actor.require_platform_admin()
    crisis = Crisis.objects.select_for_update().filter(id=crisis_id).first()
    if crisis is None:
        raise NotFoundError("No such crisis.", field="crisis_id")
    changed = _apply(crisis, data.model_dump(exclude_unset=True))
    if crisis.ended_on and crisis.ended_on < crisis.started_on:
        raise InvalidInputError("cannot be before started_on", field="ended_on")
    if changed:
        validated_save(crisis, update_fields=[*changed, "updated_at"])
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="crisis",
            object_id=crisis.id,
            details={"fields": sorted(changed)},
        )
    return crisis


def _organisation_fields(data: OrganisationIn | OrganisationPatch) -> dict[str, Any]:
    values = data.model_dump(exclude_unset=True)
    if "website" in values:
        values["website"] = str(values["website"]) if values["website"] else ""
    return values


@transaction.atomic
def organisation_create(actor: Viewer, *, data: OrganisationIn) -> Organisation:
    """Anyone signed in may register an organisation; they become its admin. It starts unverified."""
    token_generation_first()
    if actor.user_id is None:
        raise InvalidInputError("An organisation is created by a signed-in user.")
    organisation = Organisation(**_organisation_fields(data))
    validated_save(organisation)
    Membership.objects.create(user_id=actor.user_id, organisation=organisation, role=Role.ADMIN)
    audit_record(
        actor, action=AuditAction.CREATE, object_type="organisation", object_id=organisation.id
    )
    return organisation


def _organisation_for_update(actor: Viewer, organisation_id: uuid.UUID) -> Organisation:
    organisation = (
        Organisation.objects.select_for_update(no_key=True).filter(id=organisation_id).first()
    )
    if organisation is None:
        raise NotFoundError("No such organisation.", field="organisation_id")
    if not actor.is_platform_admin and actor.organisation_id != organisation.id:
        raise NotFoundError("No such organisation.", field="organisation_id")
    return organisation


@transaction.atomic
def organisation_update(
    actor: Viewer, *, organisation_id: uuid.UUID, data: OrganisationPatch
) -> Organisation:
    token_generation_first()
    organisation = _organisation_for_update(actor, organisation_id)
    actor.require_organisation_admin()
    changed = _apply(organisation, _organisation_fields(data))
    if changed:
        validated_save(organisation, update_fields=[*changed, "updated_at"])
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="organisation",
            object_id=organisation.id,
            details={"fields": sorted(changed)},
        )
    return organisation


@transaction.atomic
def organisation_verify(
    actor: Viewer, *, organisation_id: uuid.UUID, is_verified: bool = True
) -> Organisation:
    token_generation_first()
    actor.require_platform_admin()
    organisation = (
        Organisation.objects.select_for_update(no_key=True).filter(id=organisation_id).first()
    )
    if organisation is None:
        raise NotFoundError("No such organisation.", field="organisation_id")
    organisation.is_verified = is_verified
    organisation.verified_by_id = actor.user_id if is_verified else None
    organisation.verified_at = timezone.now() if is_verified else None
    organisation.save(update_fields=["is_verified", "verified_by", "verified_at", "updated_at"])
    audit_record(
        actor,
        action=AuditAction.UPDATE,
        object_type="organisation",
        object_id=organisation.id,
        details={"fields": ["is_verified"], "is_verified": is_verified},
    )
    return organisation


@transaction.atomic
def membership_add(actor: Viewer, *, organisation_id: uuid.UUID, data: MembershipIn) -> Membership:
    token_generation_first()
    organisation = _organisation_for_update(actor, organisation_id)
    actor.require_organisation_admin()
    user = get_user_model().objects.filter(username=data.username, is_active=True).first()
    if user is None:
        raise InvalidInputError("No active user with this username.", field="username")
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": data.role}
    )
    if not created:
        raise ConflictError("This user is already a member.", field="username")
    audit_record(
        actor,
        action=AuditAction.CREATE,
        object_type="membership",
        object_id=membership.id,
        details={"role": data.role},
    )
    return membership


@transaction.atomic
def membership_invite(
    actor: Viewer, *, organisation_id: uuid.UUID, data: MembershipInvite
) -> Membership:
    """Create an account without a usable password and make it a member; the caller hands the
    person an invitation link on which they choose their password."""
    token_generation_first()
    organisation = _organisation_for_update(actor, organisation_id)
    actor.require_organisation_admin()
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=data.username).exists():
        raise ConflictError("This username is taken.", field="username")
    user = user_model(username=data.username, email=data.email)
    user.set_unusable_password()
    validated_save(user)
    membership = Membership.objects.create(user=user, organisation=organisation, role=data.role)
    audit_record(
        actor,
        action=AuditAction.CREATE,
        object_type="membership",
        object_id=membership.id,
        details={"role": data.role, "invited": True},
    )
    return membership


@transaction.atomic
def membership_update(
    actor: Viewer, *, organisation_id: uuid.UUID, membership_id: uuid.UUID, data: MembershipPatch
) -> Membership:
    token_generation_first()
    _organisation_for_update(actor, organisation_id)
    actor.require_organisation_admin()
    membership = (
        Membership.objects.select_for_update()
        .filter(id=membership_id, organisation_id=organisation_id)
        .first()
    )
    if membership is None:
        raise NotFoundError("No such membership.", field="membership_id")
    changed = _apply(membership, data.model_dump(exclude_unset=True, exclude_none=True))
    if changed:
        membership.save(update_fields=changed)
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="membership",
            object_id=membership.id,
            details={"fields": sorted(changed)},
        )
    return membership


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str


@transaction.atomic
def token_create(
    actor: Viewer,
    *,
    data: TokenIn,
    user_id: int | None = None,
    organisation_id: uuid.UUID | None = None,
) -> CreatedToken:
    """Create a token for an active membership (by default the actor's own). The secret is
    returned once and never stored."""
    token_generation_first()
    user_id = user_id if user_id is not None else actor.acting_user_id
    organisation_id = organisation_id or actor.acting_organisation_id
    membership = Membership.objects.filter(
        user_id=user_id, organisation_id=organisation_id, is_active=True
    ).first()
    if membership is None:
        raise InvalidInputError(
            "The user is not an active member of this organisation.", field="organisation"
        )
    if data.expires_at and data.expires_at <= timezone.now():
        raise InvalidInputError("must be in the future", field="expires_at")
    secret = generate_token()
    token = ApiToken.objects.create(
        user_id=user_id,
        organisation_id=organisation_id,
        name=data.name,
        prefix=secret[:12],
        key_hash=hash_token(secret),
        expires_at=data.expires_at,
    )
    audit_record(actor, action=AuditAction.CREATE, object_type="api_token", object_id=token.id)
    return CreatedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(actor: Viewer, *, token_id: uuid.UUID) -> ApiToken:
    """A user revokes their own tokens; an organisation admin revokes any of the organisation's."""
    token_generation_first()
    token = ApiToken.objects.select_for_update().filter(id=token_id).first()
    is_own = token is not None and token.user_id == actor.user_id
    is_admin_of_org = (
        token is not None
        and token.organisation_id == actor.organisation_id
        and actor.role == Role.ADMIN
    )
    if token is None or not (is_own or is_admin_of_org or actor.is_platform_admin):
        raise NotFoundError("No such token.", field="token_id")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="api_token",
            object_id=token.id,
            details={"fields": ["revoked_at"]},
        )
    return token


@transaction.atomic
def sharing_agreement_create(actor: Viewer, *, data: SharingAgreementIn) -> SharingAgreement:
    """The provider (the caller's organisation) shares its registrations with the recipient."""
    actor.require_organisation_manager()
    if data.recipient_id == actor.organisation_id:
        raise InvalidInputError("An organisation cannot share with itself.", field="recipient_id")
    if not Organisation.objects.filter(id=data.recipient_id).exists():
        raise InvalidInputError("No such organisation.", field="recipient_id")
    if data.crisis_id and not Crisis.objects.filter(id=data.crisis_id).exists():
        raise InvalidInputError("No such crisis.", field="crisis_id")
    agreement = SharingAgreement.objects.create(
        provider_id=actor.acting_organisation_id,
        recipient_id=data.recipient_id,
        crisis_id=data.crisis_id,
        purpose=data.purpose,
        created_by_id=actor.user_id,
    )
    audit_record(
        actor, action=AuditAction.CREATE, object_type="sharing_agreement", object_id=agreement.id
    )
    return agreement


@transaction.atomic
def sharing_agreement_revoke(actor: Viewer, *, agreement_id: uuid.UUID) -> SharingAgreement:
    actor.require_organisation_manager()
    agreement = (
        SharingAgreement.objects.select_for_update()
        .filter(id=agreement_id, provider_id=actor.organisation_id)
        .first()
    )
    if agreement is None:
        raise NotFoundError("No such sharing agreement.", field="agreement_id")
    if agreement.revoked_at is None:
        agreement.revoked_at = timezone.now()
        agreement.save(update_fields=["revoked_at"])
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="sharing_agreement",
            object_id=agreement.id,
            details={"fields": ["revoked_at"]},
        )
    return agreement


TOKEN_TOUCH_EVERY = dt.timedelta(minutes=1)


def token_touch(token: ApiToken, *, now: dt.datetime) -> bool:
    """Record use at most once a minute, with a conditional UPDATE that never blocks a request.
    Whether it was recorded now."""
    if token.last_used_at and now - token.last_used_at < TOKEN_TOUCH_EVERY:
        return False
    ApiToken.objects.filter(id=token.id).update(last_used_at=now)
    return True
