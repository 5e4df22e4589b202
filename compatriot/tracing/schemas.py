"""Input, output and filter schemas of tracing requests, possible matches and notifications.

Two views of a match: `CandidateOut` for the organisation handling the request (the seeker's
side: that a possible match exists, and contact details once the person found consents) and
`IncomingMatchOut` for the organisation that registered the person found (what the seeker told
about the person sought, so that they can ask them; never the seeker's contact).
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import Field, model_validator

from compatriot.core.schemas import OutSchema, StrictIn
from compatriot.core.types import CountryCode, LongText, NameText, ShortText
from compatriot.people.models import ConsentMethod, Sex
from compatriot.people.schemas import BirthDate, RawPhone, normalise_phones
from compatriot.tracing.models import (
    Answer,
    MatchStatus,
    NotificationKind,
    Outcome,
    RequestStatus,
    SoughtRelationship,
)


def request_phone_regions(
    nationality: str | None, last_known_country: str | None
) -> tuple[str, ...]:
    """A sought person's phones' default regions: the nationality, then the last known country."""
    return tuple(code for code in (nationality, last_known_country) if code)


class TracingRequestIn(StrictIn):
    crisis_id: uuid.UUID
    given_name: NameText = ""
    family_name: NameText = ""
    sex: Sex = Sex.UNKNOWN
    birth_date: BirthDate | None = None
    age: int | None = Field(default=None, ge=0, le=120)
    nationality: CountryCode | None = None
    phones: list[RawPhone] = Field(default_factory=list, max_length=5)
    last_known_country: CountryCode | None = None
    last_known_place: ShortText = ""
    relationship: SoughtRelationship
    circumstances: LongText = ""
    seeker_person_id: uuid.UUID | None = None
    seeker_name: NameText = ""
    seeker_contact: ShortText = ""

    @model_validator(mode="after")
    def _coherent(self) -> TracingRequestIn:
        if not (self.given_name or self.family_name):
            raise ValueError("given_name: the person sought needs at least one name")
        if self.birth_date is not None and self.age is not None:
            raise ValueError("age: give either birth_date or age, not both")
        if self.seeker_person_id is None and not self.seeker_name:
            raise ValueError("seeker_name: name the seeker, or give seeker_person_id")
        if self.seeker_person_id is None and not self.seeker_contact:
            raise ValueError("seeker_contact: say how to reach a seeker who is not registered")
        regions = request_phone_regions(self.nationality, self.last_known_country)
        try:
            self.phones = normalise_phones(self.phones, regions)
        except ValueError as error:
            raise ValueError(f"phones: {error}") from error
        return self


class TracingCloseIn(StrictIn):
    outcome: Outcome
    note: ShortText = ""


class AnswerIn(StrictIn):
    """The found person's answer, recorded by the organisation that registered them."""

    answer: Answer
    method: ConsentMethod
    note: ShortText = ""


class NotificationReadIn(StrictIn):
    ids: list[uuid.UUID] = Field(max_length=200)


class TracingFilter(StrictIn):
    status: RequestStatus | None = None
    crisis: uuid.UUID | None = None


class TracingRequestOut(OutSchema):
    id: uuid.UUID
    reference: str
    crisis_id: uuid.UUID
    organisation_id: uuid.UUID
    caseworker_id: int | None
    given_name: str
    family_name: str
    sex: str
    birth_date: str
    birth_year_is_approximate: bool
    nationality: str
    phones: list[str]
    last_known_country: str
    last_known_place: str
    relationship: str
    circumstances: str
    seeker_person_id: uuid.UUID | None
    seeker_name: str
    seeker_contact: str
    status: str
    outcome: str
    possible_matches: int
    checked_until: dt.datetime | None
    created_at: dt.datetime
    closed_at: dt.datetime | None


class ContactOut(OutSchema):
    given_name: str
    family_name: str
    phones: list[str]
    email: str


class CandidateOut(OutSchema):
    """A possible match as the seeker's side sees it: no personal data of the person found
    before they consent; `person_id` only when the handling organisation registered them."""

    id: uuid.UUID
    rank: int
    probability: float
    status: MatchStatus
    found_at: dt.datetime
    answered_at: dt.datetime | None
    registered_by_you: bool
    person_id: uuid.UUID | None
    contact: ContactOut | None


class SoughtOut(OutSchema):
    given_name: str
    family_name: str
    sex: str
    birth_date: str
    birth_year_is_approximate: bool
    nationality: str
    last_known_country: str
    last_known_place: str
    relationship: str
    seeker_name: str


class IncomingMatchOut(OutSchema):
    id: uuid.UUID
    request_reference: str
    handling_organisation: str
    person_id: uuid.UUID
    probability: float
    status: MatchStatus
    found_at: dt.datetime
    answered_at: dt.datetime | None
    answer_note: str
    sought: SoughtOut


class NotificationOut(OutSchema):
    id: uuid.UUID
    kind: NotificationKind
    request_id: uuid.UUID | None
    match_id: uuid.UUID | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class RecheckOut(OutSchema):
    requests: int
    persons_compared: int
    new_matches: int
    lapsed: int
