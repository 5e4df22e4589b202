"""Explicit input and output shapes of the assistance API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, get_args

from ninja import Schema
from pydantic import Field, field_validator, model_validator

from compatriot.assistance.engine.model import CATEGORIES, REQUIREMENTS
from compatriot.core.types import Instant
from compatriot.normalise import NormalisationError
from compatriot.normalise.codes import language_code

CategoryName = Literal[
    "evacuation_seat", "transport", "shelter_bed", "interpreter", "legal_aid", "medical", "goods"
]
RequirementName = Literal["wheelchair", "women_only", "child_friendly", "pets"]
assert set(get_args(CategoryName)) == set(CATEGORIES)  # noqa: S101
assert set(get_args(RequirementName)) == set(REQUIREMENTS)  # noqa: S101


def _languages(values: list[str]) -> list[str]:
    out = []
    for value in values:
        try:
            code = language_code(value)
        except NormalisationError as error:
            raise ValueError(str(error)) from None
        if code not in out:
            out.append(code)
    return out


class _Window(Schema):
    @model_validator(mode="after")
    def _ordered(self):
        for start, end in (("earliest", "latest"), ("available_from", "available_until")):
            a, b = getattr(self, start, None), getattr(self, end, None)
            if a and b and b < a:
                raise ValueError(f"{end}: {end} is before {start}")
        return self


class RequestIn(_Window):
    crisis_id: uuid.UUID
    category: CategoryName
    person_id: uuid.UUID | None = None
    need_id: uuid.UUID | None = None
    people: int | None = Field(None, ge=1, le=1000)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    destination_latitude: float | None = Field(None, ge=-90, le=90)
    destination_longitude: float | None = Field(None, ge=-180, le=180)
    languages: list[str] = Field(default_factory=list, max_length=20)
    earliest: Instant | None = None
    latest: Instant | None = None
    urgency: Literal["low", "medium", "high", "critical"] | None = None
    requirements: list[RequirementName] = Field(default_factory=list, max_length=4)

    _langs = field_validator("languages")(_languages)


class RequestPatch(_Window):
    """A change to an open request: only the fields given change (the household stays whole:
    `people` is the whole household)."""

    category: CategoryName | None = None
    people: int | None = Field(None, ge=1, le=1000)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    destination_latitude: float | None = Field(None, ge=-90, le=90)
    destination_longitude: float | None = Field(None, ge=-180, le=180)
    languages: list[str] | None = Field(None, max_length=20)
    earliest: Instant | None = None
    latest: Instant | None = None
    requirements: list[RequirementName] | None = Field(None, max_length=4)

    @field_validator("languages")
    @classmethod
    def _langs(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _languages(values)


class BoardFilter(Schema):
    """What the matching board lists: one crisis, optionally one category, status, priority,
    and a place (within `within_km` of a point). Without a status, what is finished (requests
    served or cancelled, offers withdrawn) is left out."""

    crisis: uuid.UUID | None = None
    category: CategoryName | None = None
    status: str | None = None
    priority: int | None = Field(default=None, ge=1, le=5)
    near_latitude: float | None = Field(default=None, ge=-90, le=90)
    near_longitude: float | None = Field(default=None, ge=-180, le=180)
    within_km: float | None = Field(default=None, gt=0, le=20_038)

    @model_validator(mode="after")
    def _place(self):
        given = [self.near_latitude, self.near_longitude, self.within_km]
        if any(v is not None for v in given) and not all(v is not None for v in given):
            raise ValueError("within_km: a place needs a latitude, a longitude and a distance")
        return self


class PriorityIn(Schema):
    priority: int = Field(ge=1, le=5)
    reason: str = Field(min_length=3, max_length=500)


class RequestOut(Schema):
    id: uuid.UUID
    crisis_id: uuid.UUID
    organisation_id: uuid.UUID
    person_id: uuid.UUID | None
    household_id: uuid.UUID | None
    category: str
    people: int
    latitude: float
    longitude: float
    destination_latitude: float | None
    destination_longitude: float | None
    languages: list[str]
    earliest: datetime | None
    latest: datetime | None
    priority: int
    derived_priority: int
    priority_override: int | None
    priority_reason: str
    requirements: list[str]
    status: str
    blocker: str
    blocker_reason: str


class OfferIn(_Window):
    crisis_id: uuid.UUID
    category: CategoryName
    capacity: int = Field(ge=1, le=100_000)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    destination_latitude: float | None = Field(None, ge=-90, le=90)
    destination_longitude: float | None = Field(None, ge=-180, le=180)
    departure_at: Instant | None = None
    radius_km: float = Field(ge=0, le=20_038)
    languages: list[str] = Field(default_factory=list, max_length=30)
    available_from: Instant | None = None
    available_until: Instant | None = None
    tags: list[str] = Field(default_factory=list, max_length=30)
    expires_at: Instant | None = None

    _langs = field_validator("languages")(_languages)


class OfferPatch(_Window):
    capacity: int | None = Field(None, ge=1, le=100_000)
    radius_km: float | None = Field(None, ge=0, le=20_038)
    languages: list[str] | None = Field(None, max_length=30)
    available_from: Instant | None = None
    available_until: Instant | None = None
    tags: list[str] | None = Field(None, max_length=30)
    expires_at: Instant | None = None

    @field_validator("languages")
    @classmethod
    def _langs(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _languages(values)


class OfferOut(Schema):
    id: uuid.UUID
    crisis_id: uuid.UUID
    organisation_id: uuid.UUID
    category: str
    capacity: int
    held: int
    latitude: float
    longitude: float
    destination_latitude: float | None
    destination_longitude: float | None
    departure_at: datetime | None
    radius_km: float
    languages: list[str]
    available_from: datetime | None
    available_until: datetime | None
    tags: list[str]
    expires_at: datetime | None
    status: str


class AllocationIn(Schema):
    request_id: uuid.UUID
    offer_id: uuid.UUID
    override: bool = False
    reason: str = Field("", max_length=500)


class AllocationOut(Schema):
    id: uuid.UUID
    request_id: uuid.UUID
    offer_id: uuid.UUID
    people: int
    status: str
    kind: str
    reason: str
    distance_km: float | None
    created_at: datetime


class MatchingRunIn(Schema):
    crisis_id: uuid.UUID
    time_limit: float = Field(20.0, gt=0, le=120)


class MatchingRunOut(Schema):
    id: uuid.UUID
    crisis_id: uuid.UUID
    status: str  # queued, running, done, failed
    time_limit: float
    started_at: datetime
    finished_at: datetime | None
    error: str  # the kind of error of a failed run
    summary: dict  # empty until the run is done
