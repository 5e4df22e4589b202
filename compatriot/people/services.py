"""Every write to persons, households, needs, vulnerabilities and consent."""

from __future__ import annotations

import time
import uuid
from contextlib import nullcontext
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.models import F, Model
from django.utils import timezone

from compatriot.core.audit import audit_record, entry_append_statement
from compatriot.core.claims import ClaimRefused, TokenClaim, confirmed, is_refusal
from compatriot.core.errors import (
    ConflictError,
    DomainError,
    ErrorCode,
    InvalidInputError,
    NotFoundError,
)
from compatriot.core.models import AuditAction, Crisis
from compatriot.core.renormalise import Column, Fixed, fixed_numbers
from compatriot.core.statements import (
    Statement,
    after_commit_rows,
    as_call,
    can_send_together,
    insert_row,
    inserted,
    mark_inserted,
    new_row,
    scalar_calls,
    statements_together,
)
from compatriot.core.validation import validated_save
from compatriot.core.viewer import Viewer
from compatriot.normalise.phones import to_e164_digits
from compatriot.people.models import (
    Consent,
    ConsentScope,
    Household,
    Need,
    Person,
    Vulnerability,
)
from compatriot.people.records import patch_values, person_values
from compatriot.people.registrations import (
    Callback,
    persons_registered,
    registration_checks,
)
from compatriot.people.schemas import (
    ConsentIn,
    HouseholdIn,
    HouseholdMemberAdd,
    HouseholdPatch,
    NeedIn,
    NeedPatch,
    PersonFields,
    PersonIn,
    PersonPatch,
    VulnerabilityIn,
    normalise_phones,
    person_phone_regions,
)
from compatriot.people.selectors import household_for_write, person_for_write

# Crises that exist, remembered for a minute per process: every registration names one, and a
# crisis is never deleted while people are registered in it (PROTECT). Should one vanish within the
# minute, the deferred foreign key fails at commit and that is answered as below, not as a 500.
_KNOWN_CRISES: dict[uuid.UUID, float] = {}
_KNOWN_FOR_SECONDS = 60.0


def _require_crisis(crisis_id: uuid.UUID) -> None:
    now = time.monotonic()
    if _KNOWN_CRISES.get(crisis_id, 0.0) > now:
        return
    if not Crisis.objects.filter(id=crisis_id).exists():
        raise InvalidInputError("No such crisis.", field="crisis_id")
    if len(_KNOWN_CRISES) > 1000:
        _KNOWN_CRISES.clear()
    _KNOWN_CRISES[crisis_id] = now + _KNOWN_FOR_SECONDS


def _message(error: IntegrityError) -> str:
    """The error's message and detail, without PostgreSQL's CONTEXT: an error raised in one of
    the INSERT functions (people migration 0010) quotes the function's INSERT, which names every
    column, in its context."""
    return str(error).split("\nCONTEXT:", 1)[0]


def _no_such_crisis(error: IntegrityError) -> bool:
    # PostgreSQL names the constraint; SQLite only says a foreign key failed, and at commit the
    # crisis is the only one a registration has not checked under a lock.
    message = _message(error)
    return "crisis" in message or "FOREIGN KEY constraint failed" in message


def _vulnerability_columns(data: VulnerabilityIn) -> dict[str, Any]:
    return {"code": data.code, "note": data.note}


def _need_columns(data: NeedIn) -> dict[str, Any]:
    return {
        "category": data.category,
        "urgency": data.urgency,
        "status": data.status,
        "details": data.details,
    }


def _consent_columns(actor: Viewer, data: ConsentIn) -> dict[str, Any]:
    return {
        "scope": data.scope,
        "method": data.method,
        "partner_kinds": [str(kind) for kind in data.partner_kinds],
        "given_at": data.given_at or timezone.now(),
        "recorded_by_id": actor.user_id,
        "recorded_by_organisation_id": actor.organisation_id,
    }


def _new_details(
    actor: Viewer, person: Person, data: PersonFields
) -> tuple[list[Vulnerability], list[Need], list[Consent]]:
    """The person's details as unsaved instances, in the order they are inserted."""
    return (
        [Vulnerability(person=person, **_vulnerability_columns(v)) for v in data.vulnerabilities],
        [Need(person=person, **_need_columns(n)) for n in data.needs],
        [_consent(actor, person, c) for c in data.consents],
    )


def _keep_details(
    person: Person,
    vulnerabilities: list[Vulnerability],
    needs: list[Need],
    consents: list[Consent],
) -> None:
    """Keep the created details on the instance, so that the answer to the write is built
    without reading the record back."""
    person._prefetched_objects_cache = {  # type: ignore[attr-defined]  # Django's own cache
        "vulnerabilities": vulnerabilities,
        "needs": needs,
        "consents": consents,
    }


def _add_details(actor: Viewer, person: Person, data: PersonFields) -> None:
    """Create the person's details and keep them on the instance."""
    vulnerabilities, needs, consents = _new_details(actor, person, data)
    _keep_details(
        person,
        _created(Vulnerability, vulnerabilities),
        _created(Need, needs),
        _created(Consent, consents),
    )


def _created(model: type[_Detail], rows: list[_Detail]) -> list[_Detail]:
    """`model.objects.bulk_create(rows)`. Most registrations carry none or one of a kind: none
    costs no call (an empty bulk_create still costs its checks), one its INSERT built once per
    process (core.statements.inserted: the same statement, without the ORM's compiling)."""
    if not rows:
        return []
    if len(rows) == 1 and inserted(rows[0]):
        return rows
    return model.objects.bulk_create(rows)


def _consent(actor: Viewer, person: Person, data: ConsentIn) -> Consent:
    return Consent(person=person, **_consent_columns(actor, data))


def _is_source_record_clash(error: IntegrityError) -> bool:
    return "source_record" in _message(error)  # the only key a person's INSERT can clash on


def _source_record_conflict() -> ConflictError:
    return ConflictError(
        "A person with this source_record_id is already registered by your organisation.",
        field="source_record_id",
        code=ErrorCode.DUPLICATE_SOURCE_RECORD,
    )


def _person_columns(actor: Viewer, data: PersonFields, crisis_id: uuid.UUID) -> dict[str, Any]:
    """A new person's column values but its household and relationship."""
    return {
        **person_values(data),
        "crisis_id": crisis_id,
        "registered_by_id": actor.acting_organisation_id,
        "registered_by_user_id": actor.user_id,
    }


def _new_person(
    actor: Viewer,
    *,
    data: PersonFields,
    crisis_id: uuid.UUID,
    household: Household | None,
    relationship: str,
) -> Person:
    return Person(
        **_person_columns(actor, data, crisis_id), household=household, relationship=relationship
    )


_Details = tuple[list[Vulnerability], list[Need], list[Consent]]
_Detail = TypeVar("_Detail", Vulnerability, Need, Consent)


# PostgreSQL functions that run each model's INSERT (people migration 0010): the one-round-trip
# write sends its INSERTs as calls of these, whose plans the backend keeps (the text was parsed
# and planned on every write).
_INSERT_FUNCTIONS: dict[type[Model], str] = {
    Person: "compatriot_insert_person",
    Vulnerability: "compatriot_insert_vulnerability",
    Need: "compatriot_insert_need",
    Consent: "compatriot_insert_consent",
}
scalar_calls(*_INSERT_FUNCTIONS.values())  # each returns nothing (void): one value per call


def _new_rows(actor: Viewer, data: PersonIn) -> tuple[Person, _Details, list[Statement]] | None:
    """The person with no household and its details, as `_new_person` and `_new_details` make
    them, with their INSERTs in the order they are sent (core.statements.new_row: the same
    instances and statements for ~20 % less CPU), or None when a model needs save()."""
    columns = _person_columns(actor, data, data.crisis_id)
    built = new_row(Person, {**columns, "household_id": None, "relationship": ""})
    if built is None:
        return None
    person, insert = built
    vulnerabilities = _new_detail_rows(
        Vulnerability, person, [_vulnerability_columns(v) for v in data.vulnerabilities]
    )
    needs = _new_detail_rows(Need, person, [_need_columns(n) for n in data.needs])
    consents = _new_detail_rows(
        Consent, person, [_consent_columns(actor, c) for c in data.consents]
    )
    if vulnerabilities is None or needs is None or consents is None:
        return None
    details = (vulnerabilities[0], needs[0], consents[0])
    return person, details, [insert, *vulnerabilities[1], *needs[1], *consents[1]]


def _new_detail_rows(
    model: type[_Detail], person: Person, columns: list[dict[str, Any]]
) -> tuple[list[_Detail], list[Statement]] | None:
    rows, inserts = [], []
    for values in columns:
        built = new_row(model, {"person_id": person.id, **values})
        if built is None:
            return None
        row, insert = built
        row.person = person  # cached on the row, as `Need(person=person)` does
        rows.append(row)
        inserts.append(insert)
    return rows, inserts


def _create_person(
    actor: Viewer,
    *,
    data: PersonFields,
    crisis_id: uuid.UUID,
    household: Household | None,
    relationship: str,
) -> Person:
    person = _new_person(
        actor, data=data, crisis_id=crisis_id, household=household, relationship=relationship
    )
    # The input was validated by its schema, and the database enforces the constraints: no
    # full_clean() here, which would cost a query per foreign key and per check constraint, and
    # no look-up of the source record id first: its unique key answers in the same round trip.
    # insert_row: the same INSERT as save(force_insert=True), its SQL built once per process.
    try:
        insert_row(person)
    except IntegrityError as error:
        if not _is_source_record_clash(error):
            raise
        raise _source_record_conflict() from error
    _add_details(actor, person, data)
    audit_record(actor, action=AuditAction.CREATE, object_type="person", object_id=person.id)
    return person


def person_register(actor: Viewer | TokenClaim, *, data: PersonIn) -> Person:
    """A TokenClaim (the API's bearer token as this process last found it) is confirmed in the
    write's own transaction on the one-round-trip path, and looked up before anything else on
    every other path (`confirmed`). Refused there, nothing was written: the token is looked up
    afresh (no longer valid: TokenNoLongerValid, a 401) and the write runs once more as the
    viewer the token now stands for."""
    try:
        return _person_register(actor, data)
    except ClaimRefused:
        return _person_register(confirmed(actor), data)


def _person_register(actor: Viewer | TokenClaim, data: PersonIn) -> Person:
    try:
        if data.household_id is None and can_send_together():
            registered = _register_in_one_round_trip(actor, data)
            if registered is not None:
                return registered
        viewer = confirmed(actor)  # before the transaction: its use is recorded whatever follows
        with transaction.atomic():
            return _register(viewer, data)
    except IntegrityError as error:  # a foreign key checked at commit
        if _no_such_crisis(error):
            _KNOWN_CRISES.pop(data.crisis_id, None)
            raise InvalidInputError("No such crisis.", field="crisis_id") from error
        raise


def _register(actor: Viewer, data: PersonIn) -> Person:
    actor.require_people_write()
    _require_crisis(data.crisis_id)
    household = None
    if data.household_id:
        household = household_for_write(actor, household_id=data.household_id, field="household_id")
        if household.crisis_id != data.crisis_id:
            raise InvalidInputError(
                "The household belongs to another crisis.", field="household_id"
            )
    if (household is None) != (data.relationship is None):
        raise InvalidInputError(
            "household_id and relationship come together.", field="relationship"
        )
    person = _create_person(
        actor,
        data=data,
        crisis_id=data.crisis_id,
        household=household,
        relationship=data.relationship or "",
    )
    persons_registered(data.crisis_id)
    return person


def _register_in_one_round_trip(claimant: Viewer | TokenClaim, data: PersonIn) -> Person | None:
    """PostgreSQL, a person with no household (the API's common case): the person, the details
    and the audit entry go to the database as one simple query, which PostgreSQL runs as one
    transaction (core.statements.statements_together), so there are no BEGIN and COMMIT round
    trips and nothing is half-written. The same rows, values, checks and errors as `_register`,
    whose ORM path remains for households (their row is read under a lock first), for SQLite,
    and for any model `insert_statement` cannot write (then this returns None, having written
    nothing).

    A TokenClaim is confirmed by the first statement of that query (compatriot_token_confirm),
    which refuses the whole transaction if the token no longer stands for the claimed viewer
    (ClaimRefused). A claim whose checks fail here returns None: the ORM path then looks the
    token up before answering, so that refusal is given only to a valid token."""
    claim = claimant if isinstance(claimant, TokenClaim) else None
    actor = claimant.claimed if isinstance(claimant, TokenClaim) else claimant
    try:
        _check_registration(actor, data)
    except DomainError:
        if claim is None:
            raise
        return None
    built = _new_rows(actor, data)
    if built is None:
        return None
    person, (vulnerabilities, needs, consents), inserts = built
    rows: list[Model] = [person, *vulnerabilities, *needs, *consents]
    inserts = [
        as_call(_INSERT_FUNCTIONS[type(row)], insert)
        for row, insert in zip(rows, inserts, strict=True)
    ]
    append = entry_append_statement(
        actor, action=AuditAction.CREATE, object_type="person", object_id=person.id
    )
    statements = [*inserts, append]
    if claim is not None:  # first: refused, nothing after it runs, and nothing is written
        statements.insert(0, claim.confirm_statement())
    # The callbacks' checks (tracing: is there an active request?) go in the same round trip,
    # after the commit, so they still see the person. Inside a caller's transaction (tests, a
    # wider service) nothing commits here: a savepoint keeps a refused write from spoiling it, as
    # transaction.atomic() does on the ORM path, and the callbacks wait for the commit.
    database = connections[DEFAULT_DB_ALIAS]  # django.db.connection's, looked up once
    inside = database.in_atomic_block
    checks = [] if inside else registration_checks(data.crisis_id)
    found: list[tuple[Callback, bool]] | None = None
    with transaction.atomic() if inside else nullcontext():
        try:
            with statements_together(
                statements,
                after_commit=[statement for _, statement in checks],
                untyped=True,  # calls of one-signature functions, and the checks below
                calls=True,  # one SELECT of the calls: one statement's cost, not 3 to 6
            ) as cursor:
                cursor.fetchone()  # the calls' results, the entry's id last
                if not inside:  # committed: the checks' answers are here
                    answers = after_commit_rows(cursor, len(checks)) if checks else []
                    found = [
                        (callback, answer is not None)
                        for (callback, _), answer in zip(checks, answers, strict=True)
                    ]
        except IntegrityError as error:
            if not _is_source_record_clash(error):
                raise
            raise _source_record_conflict() from error
        except DatabaseError as error:
            if claim is None or not is_refusal(error):
                raise
            raise ClaimRefused from error
    alias = database.alias
    for row in rows:
        mark_inserted(row, using=alias)
    _keep_details(person, vulnerabilities, needs, consents)
    persons_registered(data.crisis_id, found=found)
    return person


def _check_registration(actor: Viewer, data: PersonIn) -> None:
    """`_register`'s checks for a person with no household, in its order."""
    actor.require_people_write()
    _require_crisis(data.crisis_id)
    if data.relationship is not None:
        raise InvalidInputError(
            "household_id and relationship come together.", field="relationship"
        )


def _require_whole_coordinates(latitude: float | None, longitude: float | None) -> None:
    if latitude is not None and longitude is None:
        raise InvalidInputError("latitude and longitude come together", field="longitude")
    if latitude is None and longitude is not None:
        raise InvalidInputError("latitude and longitude come together", field="latitude")


@transaction.atomic
def person_update(actor: Viewer, *, person_id: uuid.UUID, data: PersonPatch) -> Person:
    actor.require_people_write()
    person = person_for_write(actor, person_id=person_id)
    if data.version is not None and data.version != person.version:
        raise ConflictError(
            f"The record changed since version {data.version}; it is now {person.version}.",
            field="version",
            code=ErrorCode.STALE_VERSION,
        )
    current = {
        name: getattr(person, name)
        for name in ("given_name", "family_name", "given_name_latin", "family_name_latin")
    }
    values = patch_values(data, current)
    if "phones" in values:
        regions = tuple(
            c
            for c in [
                values.get("country", person.country),
                *values.get("nationalities", person.nationalities),
            ]
            if c
        )
        try:
            values["phones"] = normalise_phones(values["phones"], regions)
        except ValueError as error:
            raise InvalidInputError(str(error), field="phones") from error
    changed = [name for name, value in values.items() if getattr(person, name) != value]
    if not changed:
        return person
    given_name = values.get("given_name", person.given_name)
    if not (given_name or values.get("family_name", person.family_name)):
        raise InvalidInputError("a person needs at least one name", field="given_name")
    _require_whole_coordinates(
        values.get("latitude", person.latitude), values.get("longitude", person.longitude)
    )
    for name in changed:
        setattr(person, name, values[name])
    person.version = F("version") + 1
    # The version is an expression until saved: validate every other field.
    validated_save(person, update_fields=[*changed, "version", "updated_at"], exclude=["version"])
    person.refresh_from_db(fields=["version"])
    audit_record(
        actor,
        action=AuditAction.UPDATE,
        object_type="person",
        object_id=person.id,
        details={"fields": sorted(changed)},  # names of fields, never their values
    )
    return person


def _bump(person: Person) -> None:
    Person.objects.filter(id=person.id).update(version=F("version") + 1, updated_at=timezone.now())


@transaction.atomic
def need_add(actor: Viewer, *, person_id: uuid.UUID, data: NeedIn) -> Need:
    actor.require_people_write()
    person = person_for_write(actor, person_id=person_id)
    need = Need.objects.create(
        person=person,
        category=data.category,
        urgency=data.urgency,
        status=data.status,
        details=data.details,
    )
    _bump(person)
    audit_record(
        actor,
        action=AuditAction.CREATE,
        object_type="need",
        object_id=need.id,
        details={"person": str(person.id)},
    )
    return need


@transaction.atomic
def need_update(
    actor: Viewer, *, person_id: uuid.UUID, need_id: uuid.UUID, data: NeedPatch
) -> Need:
    actor.require_people_write()
    person = person_for_write(actor, person_id=person_id)
    need = Need.objects.select_for_update().filter(id=need_id, person=person).first()
    if need is None:
        raise NotFoundError("No such need.", field="need_id")
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude_none=True)
    changed = [name for name, value in changes.items() if getattr(need, name) != value]
    for name in changed:
        setattr(need, name, changes[name])
    if changed:
        need.save(update_fields=[*changed, "updated_at"])
        _bump(person)
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="need",
            object_id=need.id,
            details={"fields": sorted(changed)},
        )
    return need


@transaction.atomic
def vulnerability_add(
    actor: Viewer, *, person_id: uuid.UUID, data: VulnerabilityIn
) -> Vulnerability:
    actor.require_people_write()
    person = person_for_write(actor, person_id=person_id)
    vulnerability, created = Vulnerability.objects.get_or_create(
        person=person, code=data.code, defaults={"note": data.note}
    )
    if not created:
        raise ConflictError("This vulnerability is already recorded.", field="code")
    _bump(person)
    audit_record(
        actor,
        action=AuditAction.CREATE,
        object_type="vulnerability",
        object_id=vulnerability.id,
        details={"person": str(person.id)},
    )
    return vulnerability


@transaction.atomic
def vulnerability_remove(actor: Viewer, *, person_id: uuid.UUID, code: str) -> None:
    actor.require_people_write()
    person = person_for_write(actor, person_id=person_id)
    vulnerability = Vulnerability.objects.filter(person=person, code=code).first()
    if vulnerability is None:
        raise NotFoundError("This vulnerability is not recorded.", field="code")
    vulnerability.delete()
    _bump(person)
    audit_record(
        actor,
        action=AuditAction.DELETE,
        object_type="vulnerability",
        object_id=vulnerability.id,
        details={"person": str(person.id)},
    )


@transaction.atomic
def consent_record(actor: Viewer, *, person_id: uuid.UUID, data: ConsentIn) -> Consent:
    actor.require_people_write()
    person = person_for_write(actor, person_id=person_id)
    consent = _consent(actor, person, data)
    consent.save(force_insert=True)
    _bump(person)
    audit_record(
        actor,
        action=AuditAction.CREATE,
        object_type="consent",
        object_id=consent.id,
        details={"person": str(person.id), "scope": consent.scope},
    )
    if consent.scope == ConsentScope.FAMILY_TRACING:
        persons_registered(person.crisis_id)  # the person may now be found by tracing
    return consent


@transaction.atomic
def consent_withdraw(actor: Viewer, *, person_id: uuid.UUID, consent_id: uuid.UUID) -> Consent:
    """Withdrawal takes effect at once: scoped reads check active consent on every query."""
    actor.require_people_write()
    person = person_for_write(actor, person_id=person_id)
    consent = Consent.objects.select_for_update().filter(id=consent_id, person=person).first()
    if consent is None:
        raise NotFoundError("No such consent.", field="consent_id")
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by_id = actor.user_id
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        _bump(person)
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="consent",
            object_id=consent.id,
            details={"fields": ["withdrawn_at"], "scope": consent.scope},
        )
    return consent


@transaction.atomic
def household_register(actor: Viewer, *, data: HouseholdIn) -> Household:
    """A household and all its members in one transaction: all of them, or none."""
    actor.require_people_write()
    _require_crisis(data.crisis_id)
    household = Household.objects.create(
        crisis_id=data.crisis_id, registered_by_id=actor.acting_organisation_id, label=data.label
    )
    for index, member in enumerate(data.members):
        try:
            _create_person(
                actor,
                data=member,
                crisis_id=data.crisis_id,
                household=household,
                relationship=member.relationship,
            )
        except (InvalidInputError, ConflictError) as error:
            error.field = f"members[{index}].{error.field}" if error.field else f"members[{index}]"
            raise
    audit_record(
        actor,
        action=AuditAction.CREATE,
        object_type="household",
        object_id=household.id,
        details={"members": len(data.members)},
    )
    persons_registered(data.crisis_id)
    return household


@transaction.atomic
def household_update(actor: Viewer, *, household_id: uuid.UUID, data: HouseholdPatch) -> Household:
    actor.require_people_write()
    household = household_for_write(actor, household_id=household_id)
    if data.label is not None and data.label != household.label:
        household.label = data.label
        household.save(update_fields=["label", "updated_at"])
        audit_record(
            actor,
            action=AuditAction.UPDATE,
            object_type="household",
            object_id=household.id,
            details={"fields": ["label"]},
        )
    return household


@transaction.atomic
def household_member_add(
    actor: Viewer, *, household_id: uuid.UUID, data: HouseholdMemberAdd
) -> Person:
    actor.require_people_write()
    household = household_for_write(actor, household_id=household_id)
    person = person_for_write(actor, person_id=data.person_id, field="person_id")
    if person.crisis_id != household.crisis_id:
        raise InvalidInputError("The person belongs to another crisis.", field="person_id")
    person.household = household
    person.relationship = data.relationship
    person.version = F("version") + 1
    person.save(update_fields=["household", "relationship", "version", "updated_at"])
    person.refresh_from_db(fields=["version"])
    audit_record(
        actor,
        action=AuditAction.UPDATE,
        object_type="person",
        object_id=person.id,
        details={"fields": ["household", "relationship"]},
    )
    return person


def _renormalised_phones(person: Person) -> Fixed:
    regions = person_phone_regions(person.country, person.nationalities)  # as the schema's
    return fixed_numbers(
        person.phones or [], lambda raw: to_e164_digits(raw, default_regions=regions)
    )


# For `compatriot phones normalise`: numbers stored as written before 71aaa80.
PHONE_COLUMNS = (Column("people.Person.phones", Person, "phones", "person", _renormalised_phones),)
