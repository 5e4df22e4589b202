"""Input and output shapes of concerns, cases, referrals and monitoring."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from compatriot.cases.models import (
    CaseOutcome,
    CasePriority,
    CaseStatus,
    ConcernKind,
    ConcernStatus,
    Disclosure,
    ReferralStatus,
)
from compatriot.core.schemas import OutSchema, StrictIn
from compatriot.core.types import CountryCode, Day, LongText, PastDay, ShortText
from compatriot.people.models import ConsentMethod

# Shapes checked before any lookup: a reference is letters, digits and dashes; a follow key is
# URL-safe base64 (secrets.token_urlsafe).
Reference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{4,20}$")]
FollowKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{10,100}$")]


class ConcernIn(StrictIn):
    crisis_id: uuid.UUID | None = None
    kind: ConcernKind
    description: LongText = Field(min_length=1)
    country: CountryCode
    admin_area: ShortText = ""
    place_name: ShortText = ""
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    occurred_on: PastDay | None = None
    people_affected: int = Field(default=1, ge=1, le=100_000)
    nationalities: list[CountryCode] = Field(default_factory=list, max_length=20)
    reporter_contact: ShortText = ""
    # Whom to report to; by default the referral mechanism operating in the country.
    receiving_organisation_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _coordinates_together(self) -> ConcernIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("longitude: latitude and longitude come together")
        return self


class PublicConcernIn(ConcernIn):
    # A field people cannot see; bots fill it in.
    website: str = Field(default="", max_length=200)


class ConcernReceipt(OutSchema):
    """Given once, to the reporter: the reference and the key of the private status link."""

    reference: str
    follow_key: str
    status: str


class ConcernFollowIn(StrictIn):
    reference: Reference
    follow_key: FollowKey


class ConcernPublicStatus(OutSchema):
    """What a reporter sees: where the concern stands, nobody's personal data."""

    reference: str
    kind: str
    status: str
    received_at: dt.datetime
    first_response_at: dt.datetime | None
    cases_opened: int
    cases_closed: int
    public_note: str


class AttachmentOut(OutSchema):
    id: uuid.UUID
    original_name: str
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime


class ConcernOut(OutSchema):
    id: uuid.UUID
    reference: str
    crisis_id: uuid.UUID | None
    kind: str
    description: str
    country: str
    admin_area: str
    place_name: str
    latitude: float | None
    longitude: float | None
    occurred_on: dt.date | None
    people_affected: int
    nationalities: list[str]
    reporter_contact: str
    anonymous: bool
    receiving_organisation_id: uuid.UUID | None
    status: str
    closure_reason: str
    public_note: str
    first_response_at: dt.datetime | None
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class ConcernFilter(StrictIn):
    status: ConcernStatus | None = None
    kind: ConcernKind | None = None
    crisis: uuid.UUID | None = None


class CaseOpenIn(StrictIn):
    person_id: uuid.UUID | None = None
    household_id: uuid.UUID | None = None
    priority: CasePriority = CasePriority.MEDIUM
    summary: ShortText = Field(min_length=1)
    concern_kind: ConcernKind | None = None
    caseworker_id: int | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> CaseOpenIn:
        if (self.person_id is None) == (self.household_id is None):
            raise ValueError("person_id: give a person_id or a household_id, not both")
        return self


class CaseDirectIn(CaseOpenIn):
    crisis_id: uuid.UUID


class TriageIn(StrictIn):
    """Open one or more cases from a concern, or close it with a reason."""

    cases: list[CaseOpenIn] = Field(default_factory=list, max_length=50)
    close_reason: ShortText = ""
    public_note: ShortText = ""

    @model_validator(mode="after")
    def _cases_or_reason(self) -> TriageIn:
        if bool(self.cases) == bool(self.close_reason):
            raise ValueError("cases: open at least one case, or give a close_reason, not both")
        return self


class AssessmentIn(StrictIn):
    assessment: LongText = Field(min_length=1)
    priority: CasePriority | None = None


class CaseStatusIn(StrictIn):
    status: CaseStatus
    version: int | None = None


class CaseCloseIn(StrictIn):
    outcome: CaseOutcome
    version: int | None = None


class CaseReopenIn(StrictIn):
    reason: ShortText = Field(min_length=1)


class CaseTransferIn(StrictIn):
    to_organisation_id: uuid.UUID
    consent_method: ConsentMethod
    reason: ShortText = Field(min_length=1)


class CaseNoteIn(StrictIn):
    text: LongText = Field(min_length=1)


class CaseNoteOut(OutSchema):
    id: uuid.UUID
    author_id: int | None
    text: str
    created_at: dt.datetime


class CaseEventOut(OutSchema):
    kind: str
    at: dt.datetime
    actor_organisation_id: uuid.UUID | None
    details: dict[str, object]


class CaseOut(OutSchema):
    id: uuid.UUID
    reference: str
    crisis_id: uuid.UUID | None
    concern_id: uuid.UUID | None
    person_id: uuid.UUID | None
    household_id: uuid.UUID | None
    owner_organisation_id: uuid.UUID
    caseworker_id: int | None
    concern_kind: str
    nationality: str
    summary: str
    status: str
    priority: str
    deadline: dt.datetime
    is_overdue: bool
    assessment: str
    assessed_at: dt.datetime | None
    outcome: str
    closed_at: dt.datetime | None
    reopened_count: int
    escalated_at: dt.datetime | None
    version: int
    created_at: dt.datetime


class CaseFilter(StrictIn):
    status: CaseStatus | None = None
    priority: CasePriority | None = None
    overdue: bool | None = None
    crisis: uuid.UUID | None = None


class ReferralIn(StrictIn):
    """To an organisation, or to a service of the directory (its managing organisation receives
    the referral)."""

    to_organisation_id: uuid.UUID | None = None
    to_service_id: uuid.UUID | None = None
    reason: ShortText = Field(min_length=1)
    disclosures: list[Disclosure] = Field(min_length=1, max_length=len(Disclosure.values))
    consent_method: ConsentMethod

    @model_validator(mode="after")
    def _has_a_receiver(self) -> ReferralIn:
        if self.to_organisation_id is None and self.to_service_id is None:
            raise ValueError("to_organisation_id: name an organisation or a directory service")
        return self


class ReferralAnswerIn(StrictIn):
    accept: bool
    reason: ShortText = ""

    @model_validator(mode="after")
    def _decline_has_reason(self) -> ReferralAnswerIn:
        if not self.accept and not self.reason:
            raise ValueError("reason: a declined referral says why")
        return self


class ReferralCompleteIn(StrictIn):
    outcome: ShortText = Field(min_length=1)


class ReferralOut(OutSchema):
    id: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    from_organisation_id: uuid.UUID
    to_organisation_id: uuid.UUID
    to_service_id: uuid.UUID | None
    service_category: str
    reason: str
    disclosures: list[str]
    consent_given_at: dt.datetime
    consent_withdrawn_at: dt.datetime | None
    status: ReferralStatus
    decline_reason: str
    outcome: str
    created_at: dt.datetime
    answered_at: dt.datetime | None
    completed_at: dt.datetime | None


class ReferredPerson(OutSchema):
    """The person as the receiver of a referral sees them: only what the consent covers."""

    disclosures: list[str]
    given_name: str | None = None
    family_name: str | None = None
    given_name_latin: str | None = None
    family_name_latin: str | None = None
    sex: str | None = None
    birth_year: int | None = None
    phones: list[str] | None = None
    email: str | None = None
    country: str | None = None
    admin_area: str | None = None
    place_name: str | None = None
    needs: list[dict[str, str]] | None = None
    vulnerabilities: list[str] | None = None
    assessment: str | None = None
    household_size: int | None = None


class ReferralDetailOut(ReferralOut):
    person: ReferredPerson | None


class MonitoringFilter(StrictIn):
    crisis: uuid.UUID | None = None
    since: Day | None = None
    until: Day | None = None


class MonitoringGroup(OutSchema):
    key: str
    concerns: int
    cases: int
    cases_closed: int
    closed_within_deadline: int
    overdue: int


class OverdueCase(OutSchema):
    case_id: uuid.UUID
    reference: str
    owner_organisation_id: uuid.UUID
    concern_kind: str
    priority: str
    deadline: dt.datetime
    days_overdue: int


class MonitoringOut(OutSchema):
    concerns_received: int
    concerns_answered: int
    median_hours_to_first_response: float | None
    referrals_answered: int
    median_hours_to_referral_acceptance: float | None
    cases: int
    cases_closed: int
    share_closed_within_deadline: float | None
    overdue: list[OverdueCase]
    by_concern_kind: list[MonitoringGroup]
    by_nationality: list[MonitoringGroup]
    by_organisation: list[MonitoringGroup]
    by_crisis: list[MonitoringGroup]
