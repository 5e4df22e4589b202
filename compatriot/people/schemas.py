"""Input, output and filter schemas for persons, households, needs, vulnerabilities and consent."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from django.core.validators import validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from compatriot.core.models import OrganisationKind
from compatriot.core.schemas import OutSchema, StrictIn
from compatriot.core.types import CountryCode, LanguageCode, NameText, PastInstant, ShortText
from compatriot.normalise import NormalisationError
from compatriot.normalise.dates import PartialDate, parse_partial_date
from compatriot.normalise.phones import to_e164_digits
from compatriot.people.models import (
    ConsentMethod,
    ConsentScope,
    JourneyStage,
    NeedCategory,
    NeedStatus,
    PersonCategory,
    Relationship,
    Sex,
    Source,
    Urgency,
    VulnerabilityCode,
)


def _partial_date(value: str) -> PartialDate:
    try:
        return parse_partial_date(value)
    except NormalisationError as error:
        raise ValueError(str(error)) from error


# Django's `validate_email`, step by step, with its verdict on each domain remembered: the
# domain's expression is most of its cost and a file's addresses share a few domains. Same
# expressions, same order, same answers (people/tests/test_import_shortcut.py holds it to
# `validate_email`).
_EMAIL_MAX = 320  # RFC 3696, as in EmailValidator
_USER_PART = validate_email.user_regex.match
_DOMAINS: dict[str, bool] = {}
_DOMAINS_LIMIT = 10_000


def _valid_domain(domain: str) -> bool:
    known = _DOMAINS.get(domain)
    if known is None:
        known = domain in validate_email.domain_allowlist or bool(
            validate_email.validate_domain_part(domain)
        )
        if len(_DOMAINS) >= _DOMAINS_LIMIT:
            _DOMAINS.clear()
        _DOMAINS[domain] = known
    return known


def email_address(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if "@" in value and len(value) <= _EMAIL_MAX:
        user, domain = value.rsplit("@", 1)
        if _USER_PART(user) and _valid_domain(domain):
            return value.lower()
    raise ValueError("is not a valid e-mail address")


BirthDate = Annotated[str, StringConstraints(max_length=10), AfterValidator(_partial_date)]
Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(email_address)]
RawPhone = Annotated[str, StringConstraints(max_length=40)]
SourceRecordId = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:/#-]+$")
]


def person_phone_regions(country: str | None, nationalities: list[str]) -> tuple[str, ...]:
    """A person's phones' default regions: the location's country, then the nationalities."""
    return tuple(code for code in [country, *nationalities] if code)


def normalise_phones(phones: list[str], regions: tuple[str, ...]) -> list[str]:
    normalised: list[str] = []
    for index, raw in enumerate(phones):
        try:
            normalised.append(to_e164_digits(raw, default_regions=regions))
        except NormalisationError as error:
            raise ValueError(f"phone {index + 1}: {error}") from error
    return list(dict.fromkeys(normalised))


class VulnerabilityIn(StrictIn):
    code: VulnerabilityCode
    note: ShortText = ""


class NeedIn(StrictIn):
    category: NeedCategory
    urgency: Urgency = Urgency.MEDIUM
    status: NeedStatus = NeedStatus.OPEN
    details: ShortText = ""


class NeedPatch(StrictIn):
    urgency: Urgency | None = None
    status: NeedStatus | None = None
    details: ShortText | None = None


def _unsigned_zero(value: float) -> float:
    # -0.0 and 0.0 are one place; the databases give 0.0 back, so the write's answer must too.
    return value + 0.0


Coordinate = Annotated[float, AfterValidator(_unsigned_zero)]


class ConsentIn(StrictIn):
    scope: ConsentScope
    method: ConsentMethod
    partner_kinds: list[OrganisationKind] = Field(default_factory=list, max_length=20)
    given_at: PastInstant | None = None

    @model_validator(mode="after")
    def _partners_only_for_sharing(self) -> ConsentIn:
        if self.scope == ConsentScope.SHARING and not self.partner_kinds:
            raise ValueError("partner_kinds: sharing consent names the kinds of partner")
        if self.scope != ConsentScope.SHARING and self.partner_kinds:
            raise ValueError("partner_kinds: only sharing consent names partners")
        return self


class PersonFields(StrictIn):
    """Fields shared by registration and household members. Order matters: phones use the
    location and nationalities validated before them as default regions."""

    given_name: NameText = ""
    family_name: NameText = ""
    given_name_latin: NameText | None = None
    family_name_latin: NameText | None = None
    sex: Sex = Sex.UNKNOWN
    birth_date: BirthDate | None = None
    nationalities: list[CountryCode] = Field(default_factory=list, max_length=5)
    languages: list[LanguageCode] = Field(default_factory=list, max_length=20)
    country: CountryCode | None = None
    admin_area: ShortText = ""
    place_name: ShortText = ""
    latitude: Coordinate | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    longitude: Coordinate | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    phones: list[RawPhone] = Field(default_factory=list, max_length=5)
    email: Email = ""
    journey_stage: JourneyStage
    category: PersonCategory
    source: Source
    source_record_id: SourceRecordId | None = None
    vulnerabilities: list[VulnerabilityIn] = Field(default_factory=list, max_length=20)
    needs: list[NeedIn] = Field(default_factory=list, max_length=30)
    consents: list[ConsentIn] = Field(default_factory=list, max_length=10)

    @field_validator("phones")
    @classmethod
    def _phones_e164(cls, phones: list[str], info: ValidationInfo) -> list[str]:
        regions = person_phone_regions(info.data.get("country"), info.data.get("nationalities", []))
        return normalise_phones(phones, regions)

    @model_validator(mode="after")
    def _has_name_and_whole_coordinates(self) -> PersonFields:
        if not (self.given_name or self.family_name):
            raise ValueError("given_name or family_name: a person needs at least one name")
        if self.latitude is not None and self.longitude is None:
            raise ValueError("longitude: latitude and longitude come together")
        if self.latitude is None and self.longitude is not None:
            raise ValueError("latitude: latitude and longitude come together")
        codes = [v.code for v in self.vulnerabilities]
        if len(codes) != len(set(codes)):
            raise ValueError("vulnerabilities: each code once")
        return self


class PersonIn(PersonFields):
    crisis_id: uuid.UUID
    household_id: uuid.UUID | None = None
    relationship: Relationship | None = None


class PersonPatch(StrictIn):
    """Partial update. `version` (optional) makes the update conditional: 409 if stale."""

    version: int | None = Field(default=None, ge=1)
    given_name: NameText | None = None
    family_name: NameText | None = None
    given_name_latin: NameText | None = None
    family_name_latin: NameText | None = None
    sex: Sex | None = None
    birth_date: BirthDate | None = None
    nationalities: list[CountryCode] | None = Field(default=None, max_length=5)
    languages: list[LanguageCode] | None = Field(default=None, max_length=20)
    country: CountryCode | None = None
    admin_area: ShortText | None = None
    place_name: ShortText | None = None
    latitude: Coordinate | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    longitude: Coordinate | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    phones: list[RawPhone] | None = Field(default=None, max_length=5)
    email: Email | None = None
    journey_stage: JourneyStage | None = None
    category: PersonCategory | None = None


class HouseholdMemberIn(PersonFields):
    relationship: Relationship


class HouseholdIn(StrictIn):
    crisis_id: uuid.UUID
    label: ShortText = ""
    members: list[HouseholdMemberIn] = Field(min_length=1, max_length=30)

    @model_validator(mode="after")
    def _one_head(self) -> HouseholdIn:
        heads = sum(1 for member in self.members if member.relationship == Relationship.HEAD)
        if heads > 1:
            raise ValueError("members: a household has at most one head")
        return self


class HouseholdPatch(StrictIn):
    label: ShortText | None = None


class HouseholdMemberAdd(StrictIn):
    person_id: uuid.UUID
    relationship: Relationship


class VulnerabilityOut(OutSchema):
    code: str
    note: str
    recorded_at: dt.datetime


class NeedOut(OutSchema):
    id: uuid.UUID
    category: str
    urgency: str
    status: str
    details: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ConsentOut(OutSchema):
    id: uuid.UUID
    scope: str
    method: str
    partner_kinds: list[str]
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None
    is_active: bool


class PersonOut(OutSchema):
    id: uuid.UUID
    crisis_id: uuid.UUID
    registered_by_id: uuid.UUID
    source: str
    source_record_id: str | None
    given_name: str
    family_name: str
    given_name_latin: str
    family_name_latin: str
    sex: str
    birth_date: str | None
    birth_date_precision: str
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
    household_id: uuid.UUID | None
    relationship: str
    merged_into_id: uuid.UUID | None  # the primary record of the group (deduplication)
    vulnerabilities: list[VulnerabilityOut]
    needs: list[NeedOut]
    consents: list[ConsentOut]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class HouseholdOut(OutSchema):
    id: uuid.UUID
    crisis_id: uuid.UUID
    registered_by_id: uuid.UUID
    label: str
    members: list[PersonOut]
    created_at: dt.datetime


class HouseholdMemberRef(OutSchema):
    id: uuid.UUID
    relationship: str


class HouseholdSummaryOut(OutSchema):
    """A household in the list: HouseholdOut with its members by id and relationship only (a page
    with every member's record would weigh as much as 200 household reads). The records:
    GET /households/{id}, or GET /persons?household={id}."""

    id: uuid.UUID
    crisis_id: uuid.UUID
    registered_by_id: uuid.UUID
    label: str
    members: list[HouseholdMemberRef]
    created_at: dt.datetime


class HouseholdFilter(BaseModel):
    """The household list's filters. A household has a crisis and an organisation; its label may
    name people, so it is no URL filter."""

    crisis: uuid.UUID | None = None


class PersonListFilter(BaseModel):
    """Filters that may travel in a URL: codes and ids, never a name."""

    crisis: uuid.UUID | None = None
    nationality: CountryCode | None = None
    journey_stage: JourneyStage | None = None
    category: PersonCategory | None = None
    vulnerability: VulnerabilityCode | None = None
    need: NeedCategory | None = None
    country: CountryCode | None = None
    household: uuid.UUID | None = None


class PersonFilter(PersonListFilter):
    q: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Name search in any script"
    )


class PersonSearch(PersonFilter):
    """A list query sent in the body, so that a name being searched for never appears in a URL
    (URLs end up in access logs, browser history and proxies)."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=10_000_000)
