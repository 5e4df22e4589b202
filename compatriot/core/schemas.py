"""Input and output schemas for crises, organisations, memberships, tokens and sharing."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from compatriot.core.models import CrisisKind, CrisisPhase, OrganisationKind, Role
from compatriot.core.types import (
    CountryCode,
    CrisisDay,
    Instant,
    LanguageCode,
    LongText,
    ShortText,
)


class StrictIn(BaseModel):
    """Unknown fields are an error: a typo must not be silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class OutSchema(BaseModel):
    """An answer, read from a model instance's attributes as well as from a dict."""

    model_config = ConfigDict(from_attributes=True)


class CrisisIn(StrictIn):
    name: ShortText = Field(min_length=1)
    kind: CrisisKind
    phase: CrisisPhase = CrisisPhase.EMERGENCY
    affected_countries: list[CountryCode] = Field(default_factory=list, max_length=60)
    started_on: CrisisDay
    ended_on: CrisisDay | None = None
    description: LongText = ""

    @model_validator(mode="after")
    def _ends_after_start(self) -> CrisisIn:
        if self.ended_on and self.ended_on < self.started_on:
            raise ValueError("ended_on: cannot be before started_on")
        return self


class CrisisPatch(StrictIn):
    name: ShortText | None = Field(default=None, min_length=1)
    kind: CrisisKind | None = None
    phase: CrisisPhase | None = None
    affected_countries: list[CountryCode] | None = Field(default=None, max_length=60)
    started_on: CrisisDay | None = None
    ended_on: CrisisDay | None = None
    description: LongText | None = None


class CrisisOut(OutSchema):
    id: uuid.UUID
    name: str
    kind: str
    phase: str
    affected_countries: list[str]
    started_on: dt.date
    ended_on: dt.date | None
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime


class OrganisationIn(StrictIn):
    name: ShortText = Field(min_length=1)
    kind: OrganisationKind
    org_identifier: ShortText = ""
    origin_countries: list[CountryCode] = Field(default_factory=list, max_length=250)
    operating_countries: list[CountryCode] = Field(default_factory=list, max_length=250)
    languages: list[LanguageCode] = Field(default_factory=list, max_length=100)
    website: HttpUrl | None = None


class OrganisationPatch(StrictIn):
    name: ShortText | None = Field(default=None, min_length=1)
    kind: OrganisationKind | None = None
    org_identifier: ShortText | None = None
    origin_countries: list[CountryCode] | None = Field(default=None, max_length=250)
    operating_countries: list[CountryCode] | None = Field(default=None, max_length=250)
    languages: list[LanguageCode] | None = Field(default=None, max_length=100)
    website: HttpUrl | None = None


class OrganisationOut(OutSchema):
    id: uuid.UUID
    name: str
    kind: str
    org_identifier: str
    origin_countries: list[str]
    operating_countries: list[str]
    languages: list[str]
    website: str
    is_verified: bool
    verified_at: dt.datetime | None
    created_at: dt.datetime


class OrganisationFilter(BaseModel):
    kind: OrganisationKind | None = None
    country: CountryCode | None = Field(default=None, description="Where it operates")


class MembershipIn(StrictIn):
    username: ShortText = Field(min_length=1)
    role: Role


class MembershipInvite(StrictIn):
    """A new account, created without a password, that joins the organisation: the person sets
    their password from the invitation link."""

    username: str = Field(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    email: str = Field(default="", max_length=254)
    role: Role


class MembershipPatch(StrictIn):
    role: Role | None = None
    is_active: bool | None = None


class MembershipOut(OutSchema):
    id: uuid.UUID
    username: str
    role: str
    is_active: bool
    created_at: dt.datetime


class TokenIn(StrictIn):
    name: ShortText = Field(min_length=1)
    # In UTC (a time without a zone is UTC); the service checks it lies ahead.
    expires_at: Instant | None = None


class TokenOut(OutSchema):
    id: uuid.UUID
    name: str
    prefix: str
    organisation_id: uuid.UUID
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret. Shown once: only its hash is stored.")


class SharingAgreementIn(StrictIn):
    recipient_id: uuid.UUID
    crisis_id: uuid.UUID | None = None
    purpose: ShortText = Field(min_length=1)


class SharingAgreementOut(OutSchema):
    id: uuid.UUID
    provider_id: uuid.UUID
    recipient_id: uuid.UUID
    crisis_id: uuid.UUID | None
    purpose: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
