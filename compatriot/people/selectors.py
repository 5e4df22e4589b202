"""Scoped reads of persons and households. The only door to personal data.

A person is visible to the organisation that registered them, and to a recipient organisation
when (1) the registering organisation shares with it under an active agreement (for the person's
crisis or for all crises), (2) the person's active sharing consent covers the recipient's kind, and
(3) the recipient does not act for a state of origin while the person is a refugee or asylum
seeker. Consent is checked inside every query, so a withdrawal takes effect at once. What is out of
scope is reported as not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, cast

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from compatriot.core.audit import audit_record
from compatriot.core.errors import NotFoundError, PermissionDeniedError
from compatriot.core.models import STATE_OF_ORIGIN_KINDS, AuditAction, SharingAgreement
from compatriot.core.viewer import Viewer
from compatriot.normalise.names import query_terms
from compatriot.people.models import (
    Consent,
    ConsentScope,
    Household,
    Person,
    PersonCategory,
)
from compatriot.people.schemas import HouseholdFilter, PersonFilter


def _shared_with(viewer: Viewer) -> Q | None:
    agreements = SharingAgreement.objects.filter(
        recipient_id=viewer.organisation_id, revoked_at__isnull=True
    ).values_list("provider_id", "crisis_id")
    clauses = [
        Q(registered_by_id=provider_id) & (Q(crisis_id=crisis_id) if crisis_id else Q())
        for provider_id, crisis_id in agreements
    ]
    if not clauses:
        return None
    shared = clauses[0]
    for clause in clauses[1:]:
        shared |= clause
    consent = Exists(
        Consent.objects.filter(
            person_id=OuterRef("pk"),
            scope=ConsentScope.SHARING,
            withdrawn_at__isnull=True,
            partner_kinds__icontains=f'"{viewer.organisation_kind}"',
        )
    )
    shared &= Q(consent)
    if viewer.organisation_kind in STATE_OF_ORIGIN_KINDS:
        shared &= ~Q(category=PersonCategory.REFUGEE_OR_ASYLUM_SEEKER)
    return shared


def visible_persons(viewer: Viewer) -> QuerySet[Person]:
    if viewer.organisation_id is None:
        return Person.objects.none()
    scope = Q(registered_by_id=viewer.organisation_id)
    shared = _shared_with(viewer)
    if shared is not None:
        scope |= shared
    return Person.objects.filter(scope)


def one_per_group(persons: QuerySet[Person]) -> QuerySet[Person]:
    """Each merged group (compatriot.linkage) once, as the oldest of its registrations in the
    set: its primary record when the set has it (a primary is the oldest registration of its
    group), else the oldest merged registration (a viewer who may see two registrations of a
    group but not its primary counts the person once). Every count, list and export of persons
    goes through here. Apply it before slicing."""
    older_in_group = persons.filter(
        Q(id=OuterRef("merged_into_id"))
        | Q(merged_into_id=OuterRef("merged_into_id"), created_at__lt=OuterRef("created_at"))
        | Q(
            merged_into_id=OuterRef("merged_into_id"),
            created_at=OuterRef("created_at"),
            id__lt=OuterRef("id"),
        )
    )
    return persons.exclude(Q(merged_into__isnull=False) & Exists(older_in_group))


def _with_details(persons: QuerySet[Person]) -> QuerySet[Person]:
    return persons.prefetch_related(
        "vulnerabilities",
        "needs",
        Prefetch("consents", queryset=Consent.objects.order_by("given_at")),
    )


def _filtered(persons: QuerySet[Person], filters: PersonFilter) -> QuerySet[Person]:
    if filters.crisis:
        persons = persons.filter(crisis_id=filters.crisis)
    if filters.nationality:
        persons = persons.filter(nationalities__icontains=f'"{filters.nationality}"')
    if filters.journey_stage:
        persons = persons.filter(journey_stage=filters.journey_stage)
    if filters.category:
        persons = persons.filter(category=filters.category)
    if filters.country:
        persons = persons.filter(country=filters.country)
    if filters.household:
        persons = persons.filter(household_id=filters.household)
    if filters.vulnerability:
        persons = persons.filter(vulnerabilities__code=filters.vulnerability)
    if filters.need:
        persons = persons.filter(
            needs__category=filters.need, needs__status__in=["open", "in_progress"]
        )
    if filters.q:
        # Each query word matches by one of its spellings: as a token prefix or by its skeleton.
        for spellings in query_terms(filters.q):
            match = Q()
            for token, key in spellings:
                match |= Q(search_text__contains=" " + token)
                match |= Q(search_text__contains=" ~" + key + " ")
            persons = persons.filter(match)
    return persons.distinct() if (filters.vulnerability or filters.need) else persons


def _audited_filters(filters: PersonFilter) -> dict[str, Any]:
    """The filter as audited: a name query is personal data, so only its length is kept."""
    recorded = filters.model_dump(mode="json", exclude_none=True)
    if "q" in recorded:
        recorded["q"] = f"<name query, {len(filters.q or '')} characters>"
    return recorded


def person_list(
    viewer: Viewer, *, filters: PersonFilter, offset: int = 0, limit: int = 50
) -> tuple[int, list[Person]]:
    # A merged group (compatriot.linkage) is listed once, as its primary record.
    persons = one_per_group(_filtered(visible_persons(viewer), filters))
    count = persons.count()
    page = list(_with_details(persons.order_by("-created_at", "id"))[offset : offset + limit])
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.LIST,
            object_type="person",
            details={"filters": _audited_filters(filters), "count": count, "returned": len(page)},
        )
    return count, page


def person_get(viewer: Viewer, *, person_id: uuid.UUID) -> Person:
    person = _with_details(visible_persons(viewer)).filter(id=person_id).first()
    if person is None:
        raise NotFoundError("No such person.", field="person_id")
    with transaction.atomic():
        audit_record(viewer, action=AuditAction.READ, object_type="person", object_id=person.id)
    return person


# The attribute `show_merge_heads` sets on a person: its `merged_into_id` as the viewer may see it.
SHOWN_MERGED_INTO = "shown_merged_into_id"


def show_merge_heads(viewer: Viewer, persons: Iterable[Person]) -> None:
    """Set SHOWN_MERGED_INTO on each person for an answer: the primary record of its merged group
    (`merged_into_id`) when the viewer may see that record, else None, so that the id of a record
    out of their scope is not given away (as compatriot.linkage's merges shown are). One query,
    none when no person is merged."""
    persons = list(persons)
    heads = {person.merged_into_id for person in persons if person.merged_into_id}
    seen = (
        set(visible_persons(viewer).filter(id__in=heads).values_list("id", flat=True))
        if heads
        else set()
    )
    for person in persons:
        head = person.merged_into_id
        setattr(person, SHOWN_MERGED_INTO, head if head in seen else None)


def person_group(viewer: Viewer, *, person: Person) -> list[Person]:
    """The other registrations of the same person (a merged group, compatriot.linkage) that the
    viewer may see, oldest first: the provenance of a merged person."""
    root = person.merged_into_id or person.id
    return list(
        visible_persons(viewer)
        .filter(Q(id=root) | Q(merged_into_id=root))
        .exclude(id=person.id)
        .select_related("registered_by")
        .order_by("created_at", "id")
    )


def person_for_write(viewer: Viewer, *, person_id: uuid.UUID, field: str = "person_id") -> Person:
    """Lock a person for change. Only the registering organisation changes a record; a partner
    who can see it is told so (403), anyone else that it does not exist (404)."""
    person = visible_persons(viewer).select_for_update().filter(id=person_id).first()
    if person is None:
        raise NotFoundError("No such person.", field=field)
    if person.registered_by_id != viewer.organisation_id:
        raise PermissionDeniedError(
            "Only the organisation that registered this person may change the record.", field=field
        )
    return person


def _households_seen_through(viewer: Viewer, persons: QuerySet[Person]) -> QuerySet[Household]:
    """The households the viewer may see, given the persons it may see: those its organisation
    registered, and those with a member it may see (the rule `household_get` applies to one)."""
    if viewer.organisation_id is None:
        return Household.objects.none()
    return Household.objects.filter(
        Q(registered_by_id=viewer.organisation_id)
        | Exists(persons.filter(household_id=OuterRef("pk")))
    )


def visible_households(viewer: Viewer) -> QuerySet[Household]:
    return _households_seen_through(viewer, visible_persons(viewer))


def household_list(
    viewer: Viewer, *, filters: HouseholdFilter, offset: int = 0, limit: int = 50
) -> tuple[int, list[tuple[Household, list[Person]]]]:
    """A page of the households the viewer may see, newest first, each with the ids and
    relationships of the members it may see: the households and their members in two queries,
    whatever the page's size."""
    persons = visible_persons(viewer)
    households = _households_seen_through(viewer, persons)
    if filters.crisis:
        households = households.filter(crisis_id=filters.crisis)
    count = households.count()
    page = list(households.order_by("-created_at", "id")[offset : offset + limit])
    members: dict[uuid.UUID, list[Person]] = {household.id: [] for household in page}
    if page:
        listed = persons.filter(household_id__in=list(members)).only(
            "id", "household_id", "relationship"
        )
        for person in listed.order_by("created_at", "id"):
            members[cast(uuid.UUID, person.household_id)].append(person)
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.LIST,
            object_type="household",
            # As the persons list: the filter and numbers. The page names members by id and
            # relationship only; their records are read, and audited, through GET
            # /households/{id} or the persons list.
            details={
                "filters": filters.model_dump(mode="json", exclude_none=True),
                "count": count,
                "returned": len(page),
                "members": sum(len(found) for found in members.values()),
            },
        )
    return count, [(household, members[household.id]) for household in page]


def household_for_write(
    viewer: Viewer, *, household_id: uuid.UUID, field: str = "household_id"
) -> Household:
    """Lock a household for change. As for persons (`person_for_write`): only the registering
    organisation changes it; a partner who can see it is told so (403), anyone else that it does
    not exist (404)."""
    household = (
        Household.objects.select_for_update()
        .filter(id=household_id, registered_by_id=viewer.organisation_id)
        .first()
    )
    if household is not None:
        return household
    # Not the viewer's own: the scope (one more query) only decides how to refuse.
    if visible_households(viewer).filter(id=household_id).exists():
        raise PermissionDeniedError(
            "Only the organisation that registered this household may change it.", field=field
        )
    raise NotFoundError("No such household.", field=field)


def household_get(viewer: Viewer, *, household_id: uuid.UUID) -> tuple[Household, list[Person]]:
    """A household and the members the viewer may see; a household with none visible is not found."""
    household = Household.objects.filter(id=household_id).first()
    members = (
        list(
            _with_details(visible_persons(viewer).filter(household_id=household_id)).order_by(
                "created_at", "id"
            )
        )
        if household
        else []
    )
    if household is None or (household.registered_by_id != viewer.organisation_id and not members):
        raise NotFoundError("No such household.", field="household_id")
    with transaction.atomic():
        audit_record(
            viewer,
            action=AuditAction.READ,
            object_type="household",
            object_id=household.id,
            # Each member's full record is returned: name them (ids only), as a candidate
            # pair's read does, so that a member's history (core.selectors.audit_history) shows it.
            details={"members": len(members), "persons": [str(m.id) for m in members]},
        )
    return household, members
