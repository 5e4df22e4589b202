"""Input and output schemas of diaspora profiles, capacities, services and the radius search."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from compatriot.core.schemas import OutSchema, StrictIn
from compatriot.core.types import CountryCode, LanguageCode, LongText, NameText, ShortText
from compatriot.directory.models import (
    Availability,
    CapacityKind,
    Channel,
    LocationType,
    ProfileKind,
    ServiceCategory,
    ServiceStatus,
)
from compatriot.normalise import NormalisationError
from compatriot.normalise.phones import to_e164_whole
from compatriot.people.schemas import Email


def _phone(value: str) -> str:
    """A profile's contact phone: one whole number in E.164 (one with an extension is refused,
    not stored without it; the profile has no field for one)."""
    if not value.strip():
        return ""
    try:
        return to_e164_whole(value)
    except NormalisationError as error:
        raise ValueError(str(error)) from error


Phone = Annotated[str, StringConstraints(max_length=40), AfterValidator(_phone)]
# A service's phone as given: read by `services` with the service's default region
# (directory/phones.py), once its locations are known.
ServicePhone = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]
Url = Annotated[str, StringConstraints(max_length=500, pattern=r"^(https?://\S+)?$")]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
ContactField = Literal["contact_email", "contact_phone", "contact_messaging"]
Quantity = Annotated[int, Field(ge=0, le=1_000_000_000)]


class _Coordinates(StrictIn):
    @model_validator(mode="after")
    def _both_or_neither(self) -> _Coordinates:
        latitude = getattr(self, "latitude", None)
        longitude = getattr(self, "longitude", None)
        if (latitude is None) != (longitude is None):
            raise ValueError("longitude: latitude and longitude come together")
        return self


class CapacityIn(StrictIn):
    kind: CapacityKind
    quantity: Quantity
    language: LanguageCode | None = None
    unit: ShortText = ""
    note: ShortText = ""

    @model_validator(mode="after")
    def _interpreters_have_language(self) -> CapacityIn:
        if self.kind == CapacityKind.INTERPRETERS and not self.language:
            raise ValueError("language: interpreters are counted per language")
        return self


class CapacityOut(OutSchema):
    id: uuid.UUID
    kind: str
    quantity: int
    language: str
    unit: str
    note: str
    updated_at: dt.datetime


class ProfileFields(_Coordinates):
    kind: ProfileKind
    name: NameText = Field(min_length=1)
    origin_country: CountryCode
    origin_community: ShortText = ""
    country: CountryCode
    city: ShortText = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    community_size: Annotated[int, Field(ge=0, le=2_000_000_000)] | None = None
    channels: list[Channel] = Field(default_factory=list, max_length=10)
    languages: list[LanguageCode] = Field(default_factory=list, max_length=30)
    availability: Availability = Availability.AVAILABLE
    description: LongText = ""
    contact_email: Email = ""
    contact_phone: Phone = ""
    contact_messaging: ShortText = ""
    published_contact_fields: list[ContactField] = Field(default_factory=list, max_length=3)
    is_published: bool = False


class ProfileIn(ProfileFields):
    capacities: list[CapacityIn] = Field(default_factory=list, max_length=50)


class ProfilePatch(_Coordinates):
    kind: ProfileKind | None = None
    name: NameText | None = Field(default=None, min_length=1)
    origin_country: CountryCode | None = None
    origin_community: ShortText | None = None
    country: CountryCode | None = None
    city: ShortText | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    community_size: Annotated[int, Field(ge=0, le=2_000_000_000)] | None = None
    channels: list[Channel] | None = Field(default=None, max_length=10)
    languages: list[LanguageCode] | None = Field(default=None, max_length=30)
    availability: Availability | None = None
    description: LongText | None = None
    contact_email: Email | None = None
    contact_phone: Phone | None = None
    contact_messaging: ShortText | None = None
    published_contact_fields: list[ContactField] | None = Field(default=None, max_length=3)
    is_published: bool | None = None


class CapacitiesIn(StrictIn):
    """Replaces the profile's capacities with these (and confirms the profile)."""

    capacities: list[CapacityIn] = Field(max_length=50)


class ProfileOut(OutSchema):
    """What a partner organisation sees: everything, contact details included."""

    id: uuid.UUID
    owner_id: uuid.UUID
    kind: str
    name: str
    origin_country: str
    origin_community: str
    country: str
    city: str
    latitude: float | None
    longitude: float | None
    community_size: int | None
    channels: list[str]
    languages: list[str]
    availability: str
    description: str
    contact_email: str
    contact_phone: str
    contact_messaging: str
    published_contact_fields: list[str]
    is_published: bool
    last_confirmed_at: dt.datetime
    is_stale: bool
    verified_at: dt.datetime | None
    verified_by_id: int | None
    capacities: list[CapacityOut]


class ProfileFilter(StrictIn):
    kind: ProfileKind | None = None
    country: CountryCode | None = None
    origin_country: CountryCode | None = None
    is_stale: bool | None = None
    verified: bool | None = None
    mine: bool = False


# ---- Services


class OrganizationIn(StrictIn):
    id: uuid.UUID | None = None
    name: NameText = Field(min_length=1)
    description: LongText = Field(min_length=1)
    email: Email = ""
    website: Url = ""


class LocationIn(_Coordinates):
    name: ShortText = ""
    description: LongText = ""
    location_type: LocationType = LocationType.PHYSICAL
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    address_1: ShortText = ""
    city: ShortText = ""
    state_province: ShortText = ""
    postal_code: Annotated[str, StringConstraints(max_length=20, strip_whitespace=True)] = ""
    country: CountryCode | None = None


class ScheduleIn(StrictIn):
    freq: Literal["", "WEEKLY", "MONTHLY"] = ""
    byday: Annotated[
        str, StringConstraints(max_length=40, pattern=r"^((MO|TU|WE|TH|FR|SA|SU),?)*$")
    ] = ""
    opens_at: Annotated[str, StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d)?$")] = ""
    closes_at: Annotated[str, StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d)?$")] = ""
    description: ShortText = ""


class CostOptionIn(StrictIn):
    option: ShortText = ""
    currency: Annotated[str, StringConstraints(pattern=r"^([A-Z]{3})?$")] = ""
    amount: Annotated[Decimal, Field(ge=0, le=1_000_000_000, decimal_places=2)] | None = None
    amount_description: ShortText = ""


class ServiceFields(StrictIn):
    name: NameText = Field(min_length=1)
    description: LongText = ""
    category: ServiceCategory
    status: ServiceStatus = ServiceStatus.ACTIVE
    url: Url = ""
    email: Email = ""
    eligibility_description: LongText = ""
    serves_third_country_nationals: bool | None = None
    minimum_age: Annotated[int, Field(ge=0, le=130)] | None = None
    maximum_age: Annotated[int, Field(ge=0, le=130)] | None = None
    fees_description: LongText = ""
    required_documents: list[ShortText] = Field(default_factory=list, max_length=20)
    languages: list[LanguageCode] = Field(default_factory=list, max_length=30)
    phones: list[ServicePhone] = Field(default_factory=list, max_length=10)
    locations: list[LocationIn] = Field(default_factory=list, max_length=50)
    schedules: list[ScheduleIn] = Field(default_factory=list, max_length=20)
    cost_options: list[CostOptionIn] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _ages_in_order(self) -> ServiceFields:
        if (
            self.minimum_age is not None
            and self.maximum_age is not None
            and self.minimum_age > self.maximum_age
        ):
            raise ValueError("maximum_age: is below minimum_age")
        return self


class ServiceIn(ServiceFields):
    organization: OrganizationIn


class ServicePatch(ServiceFields):
    """A service is replaced whole (its details are small): send every field."""

    name: NameText = Field(min_length=1)


class LocationOut(OutSchema):
    id: uuid.UUID
    name: str
    location_type: str
    latitude: float | None
    longitude: float | None
    address_1: str
    city: str
    postal_code: str
    country: str


class PhoneOut(OutSchema):
    number: str  # E.164; or a short code or a number with letters, as written
    extension: str  # digits, or ""


class ServiceOut(OutSchema):
    id: uuid.UUID
    organization_id: uuid.UUID
    organization_name: str
    name: str
    description: str
    category: str
    status: str
    url: str
    email: str
    eligibility_description: str
    serves_third_country_nationals: bool | None
    minimum_age: int | None
    maximum_age: int | None
    fees_description: str
    last_verified_on: dt.date | None
    required_documents: list[str]
    languages: list[str]
    # Each as text ("+48221234567 ext. 89", as it may be sent back), and number and extension
    # apart (HSDS `phone`).
    phones: list[str]
    phone_numbers: list[PhoneOut]
    locations: list[LocationOut]


# ---- Search


class NearQuery(StrictIn):
    latitude: Latitude
    longitude: Longitude
    radius_km: Annotated[float, Field(gt=0, le=2000)] = 25
    category: ServiceCategory | None = None
    language: LanguageCode | None = None
    capacity: CapacityKind | None = None
    min_quantity: Annotated[int, Field(ge=1, le=1_000_000_000)] = 1
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class NearServiceOut(OutSchema):
    distance_km: float
    location_id: uuid.UUID
    service: ServiceOut


class NearProfileOut(OutSchema):
    distance_km: float
    profile: ProfileOut


class NearOut(OutSchema):
    services: list[NearServiceOut]
    profiles: list[NearProfileOut]


GEOJSON_MAX_FEATURES = 1000


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """`west,south,east,north` in degrees (GeoJSON order); west > east crosses the antimeridian."""
    if value is None or not value.strip():
        return None
    try:
        west, south, east, north = (float(part) for part in value.split(","))
    except ValueError as error:
        raise ValueError("four numbers: west,south,east,north") from error
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError("longitudes within -180..180, latitudes within -90..90, south <= north")
    return west, south, east, north


def _bbox(value: str | None) -> str | None:
    parse_bbox(value)
    return value


class GeoJsonQuery(StrictIn):
    """The public map layer: what lies in a box, at most `limit` features (groups first, then
    services in a fixed order); `truncated` in the answer says when there were more."""

    bbox: Annotated[str | None, StringConstraints(max_length=120), AfterValidator(_bbox)] = None
    category: ServiceCategory | None = None
    language: LanguageCode | None = None
    capacity: CapacityKind | None = None
    limit: Annotated[int, Field(ge=1, le=GEOJSON_MAX_FEATURES)] = GEOJSON_MAX_FEATURES

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        return parse_bbox(self.bbox)
