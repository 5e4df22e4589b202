"""Persons, households, needs, vulnerabilities and consent."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from compatriot.answers import AnswerText, text_answer
from compatriot.auth import BearerToken
from compatriot.core.api import viewer_of, viewer_or_claim_of
from compatriot.normalise.dates import format_partial_date
from compatriot.pagination import Page, PageParams
from compatriot.people import selectors, services
from compatriot.people.models import Consent, Household, Person, VulnerabilityCode
from compatriot.people.schemas import (
    ConsentIn,
    ConsentOut,
    HouseholdFilter,
    HouseholdIn,
    HouseholdMemberAdd,
    HouseholdOut,
    HouseholdPatch,
    HouseholdSummaryOut,
    NeedIn,
    NeedOut,
    NeedPatch,
    PersonFilter,
    PersonIn,
    PersonListFilter,
    PersonOut,
    PersonPatch,
    PersonSearch,
    VulnerabilityIn,
    VulnerabilityOut,
)
from compatriot.queries import refuses_query

router = Router(tags=["persons"])


def _consent_is_active(consent: Consent) -> bool:
    return consent.withdrawn_at is None


# ConsentOut's fields that are not the consent's attribute of that name: both the read's
# `consent_out` and the write's `PERSON_TEXT` take them from here, so the two cannot drift.
_CONSENT_COMPUTED: dict[str, Callable[[Consent], Any]] = {"is_active": _consent_is_active}
_CONSENT_ATTRIBUTES = tuple(
    name for name in ConsentOut.model_fields if name not in _CONSENT_COMPUTED
)


def _fields_of(
    obj: Any, attributes: tuple[str, ...], computed: dict[str, Callable[[Any], Any]]
) -> dict[str, object]:
    """A schema's fields of `obj`: its attributes of those names, then the computed ones."""
    out: dict[str, object] = {name: getattr(obj, name) for name in attributes}
    for name, compute in computed.items():
        out[name] = compute(obj)
    return out


def consent_out(consent: Consent) -> dict[str, object]:
    return _fields_of(consent, _CONSENT_ATTRIBUTES, _CONSENT_COMPUTED)


def _related(person: Person, name: str) -> list[Any]:
    """The person's rows of a reverse relation: those kept on the instance (by the write that
    created them, or prefetch_related), else read. The related manager's `.all()` returns the
    same rows from that cache, at several times the cost of building a manager per answer."""
    kept = getattr(person, "_prefetched_objects_cache", {}).get(name)
    if kept is not None:
        return list(kept)
    return list(getattr(person, name).all())


# PersonOut's fields that are not the person's attribute of that name: how each is found. Both
# the read's `person_out` and the write's `PERSON_TEXT` take them from here.
_PERSON_COMPUTED: dict[str, Callable[[Person], Any]] = {
    "birth_date": lambda person: format_partial_date(
        person.birth_date, person.birth_date_precision
    ),
    "vulnerabilities": lambda person: _related(person, "vulnerabilities"),
    "needs": lambda person: _related(person, "needs"),
    "consents": lambda person: _related(person, "consents"),
    # Null unless the viewer may see the primary record (selectors.show_merge_heads); a write
    # that has just registered the person has none.
    "merged_into_id": lambda person: getattr(person, selectors.SHOWN_MERGED_INTO, None),
}
# The answer's plain attributes: every field of PersonOut but those computed.
_PERSON_ATTRIBUTES = tuple(name for name in PersonOut.model_fields if name not in _PERSON_COMPUTED)


def person_out(person: Person) -> dict[str, object]:
    out = _fields_of(person, _PERSON_ATTRIBUTES, _PERSON_COMPUTED)
    out["consents"] = [consent_out(consent) for consent in cast(list[Consent], out["consents"])]
    return out


# The write's answer, `PersonOut.model_validate(person_out(person)).model_dump()` as the renderer
# writes it, written from the person the write has just made (its values of the declared types)
# without validating them again (45 to 75 µs of CPU per request: docs/benchmarks.md, branch
# apiframe) or building the dict. people/tests/test_answer_bytes.py proves the text equal to
# ninja's validated answer and to a GET's.
PERSON_TEXT = AnswerText(
    PersonOut,
    computed=_PERSON_COMPUTED,
    rows={
        "vulnerabilities": AnswerText(VulnerabilityOut),
        "needs": AnswerText(NeedOut),
        "consents": AnswerText(ConsentOut, computed=_CONSENT_COMPUTED),
    },
)


# The token may be claimed from memory: person_register confirms it in the write's own round trip.
@router.post("/persons", response={201: PersonOut}, auth=BearerToken(claims=True))
def register_person(request: HttpRequest, data: PersonIn) -> HttpResponse:
    person = services.person_register(viewer_or_claim_of(request), data=data)
    return text_answer(PERSON_TEXT.text(person), status=201)


@router.get("/persons", response=Page[PersonOut])
@refuses_query(q="Names never go in URLs: send name searches to POST /persons/search.")
def list_persons(
    request: HttpRequest, filters: Query[PersonListFilter], page: Query[PageParams]
) -> dict[str, object]:
    viewer = viewer_of(request)
    count, persons = selectors.person_list(
        viewer, filters=PersonFilter(**filters.model_dump()), offset=page.offset, limit=page.limit
    )
    selectors.show_merge_heads(viewer, persons)
    return {
        "count": count,
        "offset": page.offset,
        "limit": page.limit,
        "items": [person_out(person) for person in persons],
    }


@router.post("/persons/search", response=Page[PersonOut])
def search_persons(request: HttpRequest, data: PersonSearch) -> dict[str, object]:
    """The list with its filters in the body: use this for name searches (`q`)."""
    viewer = viewer_of(request)
    count, persons = selectors.person_list(
        viewer,
        filters=PersonFilter(**data.model_dump(exclude={"limit", "offset"})),
        offset=data.offset,
        limit=data.limit,
    )
    selectors.show_merge_heads(viewer, persons)
    return {
        "count": count,
        "offset": data.offset,
        "limit": data.limit,
        "items": [person_out(person) for person in persons],
    }


@router.get("/persons/{person_id}", response=PersonOut)
def get_person(request: HttpRequest, person_id: uuid.UUID) -> dict[str, object]:
    viewer = viewer_of(request)
    person = selectors.person_get(viewer, person_id=person_id)
    selectors.show_merge_heads(viewer, [person])
    return person_out(person)


@router.patch("/persons/{person_id}", response=PersonOut)
def update_person(
    request: HttpRequest, person_id: uuid.UUID, data: PersonPatch
) -> dict[str, object]:
    viewer = viewer_of(request)
    person = services.person_update(viewer, person_id=person_id, data=data)
    selectors.show_merge_heads(viewer, [person])
    return person_out(person)


@router.post("/persons/{person_id}/needs", response={201: NeedOut})
def add_need(request: HttpRequest, person_id: uuid.UUID, data: NeedIn) -> Status:
    return Status(201, services.need_add(viewer_of(request), person_id=person_id, data=data))


@router.patch("/persons/{person_id}/needs/{need_id}", response=NeedOut)
def update_need(
    request: HttpRequest, person_id: uuid.UUID, need_id: uuid.UUID, data: NeedPatch
) -> object:
    return services.need_update(viewer_of(request), person_id=person_id, need_id=need_id, data=data)


@router.post("/persons/{person_id}/vulnerabilities", response={201: VulnerabilityOut})
def add_vulnerability(request: HttpRequest, person_id: uuid.UUID, data: VulnerabilityIn) -> Status:
    return Status(
        201, services.vulnerability_add(viewer_of(request), person_id=person_id, data=data)
    )


@router.delete("/persons/{person_id}/vulnerabilities/{code}", response={204: None})
def remove_vulnerability(
    request: HttpRequest, person_id: uuid.UUID, code: VulnerabilityCode
) -> Status:
    services.vulnerability_remove(viewer_of(request), person_id=person_id, code=code)
    return Status(204, None)


@router.post("/persons/{person_id}/consents", response={201: ConsentOut})
def record_consent(request: HttpRequest, person_id: uuid.UUID, data: ConsentIn) -> Status:
    consent = services.consent_record(viewer_of(request), person_id=person_id, data=data)
    return Status(201, consent_out(consent))


@router.post("/persons/{person_id}/consents/{consent_id}/withdraw", response=ConsentOut)
def withdraw_consent(
    request: HttpRequest, person_id: uuid.UUID, consent_id: uuid.UUID
) -> dict[str, object]:
    consent = services.consent_withdraw(
        viewer_of(request), person_id=person_id, consent_id=consent_id
    )
    return consent_out(consent)


def _household_fields(household: Household) -> dict[str, object]:
    return {
        "id": household.id,
        "crisis_id": household.crisis_id,
        "registered_by_id": household.registered_by_id,
        "label": household.label,
        "created_at": household.created_at,
    }


def household_out(household: Household, members: list[Person]) -> dict[str, object]:
    return {**_household_fields(household), "members": [person_out(m) for m in members]}


def household_summary_out(household: Household, members: list[Person]) -> dict[str, object]:
    refs = [{"id": member.id, "relationship": member.relationship} for member in members]
    return {**_household_fields(household), "members": refs}


def _household(request: HttpRequest, household_id: uuid.UUID) -> dict[str, object]:
    viewer = viewer_of(request)
    household, members = selectors.household_get(viewer, household_id=household_id)
    selectors.show_merge_heads(viewer, members)
    return household_out(household, members)


@router.post("/households", response={201: HouseholdOut}, tags=["households"])
def register_household(request: HttpRequest, data: HouseholdIn) -> Status:
    household = services.household_register(viewer_of(request), data=data)
    return Status(201, _household(request, household.id))


@router.get("/households", response=Page[HouseholdSummaryOut], tags=["households"])
def list_households(
    request: HttpRequest, filters: Query[HouseholdFilter], page: Query[PageParams]
) -> dict[str, object]:
    count, households = selectors.household_list(
        viewer_of(request), filters=filters, offset=page.offset, limit=page.limit
    )
    return {
        "count": count,
        "offset": page.offset,
        "limit": page.limit,
        "items": [household_summary_out(household, members) for household, members in households],
    }


@router.get("/households/{household_id}", response=HouseholdOut, tags=["households"])
def get_household(request: HttpRequest, household_id: uuid.UUID) -> dict[str, object]:
    return _household(request, household_id)


@router.patch("/households/{household_id}", response=HouseholdOut, tags=["households"])
def update_household(
    request: HttpRequest, household_id: uuid.UUID, data: HouseholdPatch
) -> dict[str, object]:
    services.household_update(viewer_of(request), household_id=household_id, data=data)
    return _household(request, household_id)


@router.post("/households/{household_id}/members", response=HouseholdOut, tags=["households"])
def add_household_member(
    request: HttpRequest, household_id: uuid.UUID, data: HouseholdMemberAdd
) -> dict[str, object]:
    services.household_member_add(viewer_of(request), household_id=household_id, data=data)
    return _household(request, household_id)
