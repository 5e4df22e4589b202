"""Every write to diaspora profiles, capacities and the service directory."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from compatriot.core.audit import audit_record
from compatriot.core.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from compatriot.core.models import AuditAction
from compatriot.core.renormalise import Column, Fixed, fixed_number
from compatriot.core.validation import validated_save
from compatriot.core.viewer import Viewer
from compatriot.directory.geo import lat_band
from compatriot.directory.hsds.load import load_records
from compatriot.directory.hsds.ownership import foreign_records
from compatriot.directory.hsds.problems import HsdsInvalidError
from compatriot.directory.hsds.records import Records, to_records
from compatriot.directory.models import (
    Capacity,
    CostOption,
    DiasporaFocalPoint,
    DiasporaProfile,
    DirectoryOrganization,
    Location,
    Phone,
    ProfileConfirmationMail,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
)
from compatriot.directory.phones import read_number, stored_phone_regions
from compatriot.directory.points import refresh_service_points
from compatriot.directory.schemas import (
    CapacityIn,
    ProfileIn,
    ProfilePatch,
    ServiceFields,
    ServiceIn,
)
from compatriot.directory.selectors import is_profile_verifier
from compatriot.normalise import NormalisationError
from compatriot.normalise.phones import to_e164_whole


def stale_after_days() -> int:
    return int(getattr(settings, "DIRECTORY_STALE_AFTER_DAYS", 30))


def _require_writer(actor: Viewer) -> uuid.UUID:
    if actor.organisation_id is None:
        raise PermissionDeniedError("Act for an organisation to do this.")
    actor.require_people_write()
    return actor.organisation_id


def _own_profile(actor: Viewer, profile_id: uuid.UUID) -> DiasporaProfile:
    organisation_id = _require_writer(actor)
    profile = (
        DiasporaProfile.objects.select_for_update()
        .filter(id=profile_id, owner_id=organisation_id)
        .first()
    )
    if profile is None:
        raise NotFoundError("No such profile.")
    return profile


def _capacities(profile: DiasporaProfile, capacities: list[CapacityIn]) -> None:
    seen: set[tuple[str, str, str]] = set()
    rows = []
    for index, item in enumerate(capacities):
        key = (str(item.kind), item.language or "", item.unit)
        if key in seen:
            raise InvalidInputError(
                "The same kind, language and unit is given twice.",
                field=f"capacities[{index}]",
            )
        seen.add(key)
        rows.append(
            Capacity(
                profile=profile,
                kind=item.kind,
                quantity=item.quantity,
                language=item.language or "",
                unit=item.unit,
                note=item.note,
            )
        )
    Capacity.objects.filter(profile=profile).delete()
    Capacity.objects.bulk_create(rows)


def _place(obj: DiasporaProfile | Location) -> None:
    obj.lat_band = lat_band(obj.latitude)


@transaction.atomic
def profile_create(actor: Viewer, *, data: ProfileIn) -> DiasporaProfile:
    organisation_id = _require_writer(actor)
    values = data.model_dump(exclude={"capacities"})
    profile = DiasporaProfile(owner_id=organisation_id, last_confirmed_at=timezone.now(), **values)
    _place(profile)
    validated_save(profile)
    _capacities(profile, data.capacities)
    audit_record(
        actor,
        action=AuditAction.CREATE,
        object_type="directory.profile",
        object_id=profile.id,
        details={"capacities": len(data.capacities)},
    )
    return profile


@transaction.atomic
def profile_update(actor: Viewer, *, profile_id: uuid.UUID, data: ProfilePatch) -> DiasporaProfile:
    """A change by the owner confirms the profile too: someone looked at it today."""
    profile = _own_profile(actor, profile_id)
    changes = data.model_dump(exclude_unset=True)
    for name in ("kind", "name", "origin_country", "country"):
        if name in changes and changes[name] is None:
            raise InvalidInputError("may not be empty", field=name)
    for name, value in changes.items():
        if value is None and name not in _NULLABLE:
            if name == "is_published":
                continue
            value = [] if name in _LISTS else ""
        setattr(profile, name, value)
    _place(profile)
    _confirm(profile)
    validated_save(profile)
    audit_record(
        actor,
        action=AuditAction.UPDATE,
        object_type="directory.profile",
        object_id=profile.id,
        details={"fields": sorted(changes)},
    )
    return profile


_NULLABLE = {"latitude", "longitude", "community_size"}
_LISTS = {"channels", "languages", "published_contact_fields"}


_CONFIRMATION_FIELDS = [
    "last_confirmed_at",
    "is_stale",
    "confirmation_requested_at",
    "confirmation_mailed_at",
]


def _confirm(profile: DiasporaProfile) -> None:
    profile.last_confirmed_at = timezone.now()
    profile.is_stale = False
    profile.confirmation_requested_at = None
    profile.confirmation_mailed_at = None
    # Who was mailed about the staleness now ended is of no further use (mail.py).
    ProfileConfirmationMail.objects.filter(profile=profile).delete()


@transaction.atomic
def profile_set_capacities(
    actor: Viewer, *, profile_id: uuid.UUID, capacities: list[CapacityIn]
) -> DiasporaProfile:
    profile = _own_profile(actor, profile_id)
    _capacities(profile, capacities)
    _confirm(profile)
    profile.save(update_fields=_CONFIRMATION_FIELDS)
    audit_record(
        actor,
        action=AuditAction.UPDATE,
        object_type="directory.profile",
        object_id=profile.id,
        details={"capacities": len(capacities)},
    )
    return profile


@transaction.atomic
def profile_confirm(actor: Viewer, *, profile_id: uuid.UUID) -> DiasporaProfile:
    """The owner says the profile is still right as it is."""
    profile = _own_profile(actor, profile_id)
    _confirm(profile)
    profile.save(update_fields=_CONFIRMATION_FIELDS)
    audit_record(
        actor, action=AuditAction.UPDATE, object_type="directory.profile", object_id=profile.id,
        details={"confirmed": True},
    )  # fmt: skip
    return profile


def can_verify_profiles(actor: Viewer) -> bool:
    return is_profile_verifier(actor)


@transaction.atomic
def profile_replace(actor: Viewer, *, profile_id: uuid.UUID, data: ProfileIn) -> DiasporaProfile:
    """The owner's edit form: every field and the capacities at once, all or nothing. Like any
    change by the owner, it confirms the profile."""
    profile = _own_profile(actor, profile_id)
    for name, value in data.model_dump(exclude={"capacities"}).items():
        setattr(profile, name, value)
    _place(profile)
    _confirm(profile)
    validated_save(profile)
    _capacities(profile, data.capacities)
    audit_record(
        actor,
        action=AuditAction.UPDATE,
        object_type="directory.profile",
        object_id=profile.id,
        details={"capacities": len(data.capacities), "replaced": True},
    )
    return profile


@transaction.atomic
def profile_verify(actor: Viewer, *, profile_id: uuid.UUID) -> DiasporaProfile:
    """A diaspora focal point vouches for the profile (who and when are kept)."""
    if not can_verify_profiles(actor):
        raise PermissionDeniedError("Only a diaspora focal point may verify profiles.")
    profile = DiasporaProfile.objects.select_for_update().filter(id=profile_id).first()
    if profile is None:
        raise NotFoundError("No such profile.")
    profile.verified_by_id = actor.user_id
    profile.verified_at = timezone.now()
    profile.save(update_fields=["verified_by", "verified_at", "updated_at"])
    audit_record(
        actor, action=AuditAction.UPDATE, object_type="directory.profile", object_id=profile.id,
        details={"verified": True},
    )  # fmt: skip
    return profile


@transaction.atomic
def profile_delete(actor: Viewer, *, profile_id: uuid.UUID) -> None:
    profile = _own_profile(actor, profile_id)
    audit_record(
        actor, action=AuditAction.DELETE, object_type="directory.profile", object_id=profile.id
    )
    profile.delete()


def profiles_flag_stale(*, now: dt.datetime | None = None) -> list[uuid.UUID]:
    """Flag the profiles not confirmed for `DIRECTORY_STALE_AFTER_DAYS` and ask their owners to
    confirm (once per stale period). Returns the ids of the profiles newly flagged."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=stale_after_days())
    with transaction.atomic():
        flagged = list(
            DiasporaProfile.objects.select_for_update()
            .filter(is_stale=False, last_confirmed_at__lt=cutoff)
            .values_list("id", flat=True)
        )
        DiasporaProfile.objects.filter(id__in=flagged).update(
            is_stale=True, confirmation_requested_at=now
        )
    return flagged


def focal_point_appoint(actor: Viewer, *, user_id: int) -> DiasporaFocalPoint:
    actor.require_platform_admin()
    focal_point, _ = DiasporaFocalPoint.objects.get_or_create(
        user_id=user_id, defaults={"appointed_by_id": actor.user_id}
    )
    return focal_point


# ---- Service directory


def _own_service(actor: Viewer, service_id: uuid.UUID) -> Service:
    organisation_id = _require_writer(actor)
    service = (
        Service.objects.select_for_update()
        .filter(id=service_id, organization__managed_by_id=organisation_id)
        .first()
    )
    if service is None:
        raise NotFoundError("No such service.")
    return service


def _organization(actor: Viewer, data: ServiceIn) -> DirectoryOrganization:
    organisation_id = _require_writer(actor)
    given = data.organization
    if given.id is not None:
        existing = DirectoryOrganization.objects.filter(id=given.id).first()
        if existing is not None:
            if existing.managed_by_id != organisation_id:
                raise NotFoundError("No such organization.", field="organization.id")
            return existing
    organization = DirectoryOrganization(
        id=given.id or uuid.uuid4(),
        managed_by_id=organisation_id,
        name=given.name,
        description=given.description,
        email=given.email,
        website=given.website,
    )
    validated_save(organization)
    return organization


def _service_details(service: Service, data: ServiceFields) -> None:
    """Replace the service's details (phones, languages, documents, locations, ...)."""
    for model in (Phone, ServiceLanguage, RequiredDocument, Schedule, CostOption):
        model.objects.filter(service=service).delete()
    old_locations = list(service.at_locations.values_list("location_id", flat=True))
    ServiceAtLocation.objects.filter(service=service).delete()
    Location.objects.filter(id__in=old_locations, services_at__isnull=True).delete()
    ServiceLanguage.objects.bulk_create(
        ServiceLanguage(service=service, code=code) for code in dict.fromkeys(data.languages)
    )
    RequiredDocument.objects.bulk_create(
        RequiredDocument(service=service, document=document) for document in data.required_documents
    )
    Schedule.objects.bulk_create(
        Schedule(service=service, **s.model_dump()) for s in data.schedules
    )
    CostOption.objects.bulk_create(
        CostOption(service=service, **c.model_dump()) for c in data.cost_options
    )
    for item in data.locations:
        location = Location(
            organization=service.organization, **item.model_dump(exclude={"country"})
        )
        location.country = item.country or ""
        _place(location)
        validated_save(location)
        ServiceAtLocation.objects.create(service=service, location=location)
    _service_phones(service, data.phones)


def _service_phones(service: Service, given: list[str]) -> None:
    """The service's phones, read as the HSDS loader reads them and with the same default
    region (`phones.stored_phone_regions`: after the locations, whose countries it reads); a
    phone that is not a number is refused, by its position."""
    phones = [Phone(service=service, number=raw) for raw in given]
    for position, (phone, regions) in enumerate(
        zip(phones, stored_phone_regions(phones), strict=True), start=1
    ):
        try:
            phone.number, phone.extension = read_number(phone.number, regions)
        except NormalisationError as error:
            raise InvalidInputError(f"phone {position}: {error}", field="phones") from error
    Phone.objects.bulk_create(phones)


_SERVICE_LISTS = {
    "required_documents",
    "languages",
    "phones",
    "locations",
    "schedules",
    "cost_options",
}


@transaction.atomic
def service_create(actor: Viewer, *, data: ServiceIn) -> Service:
    organization = _organization(actor, data)
    service = Service(
        organization=organization,
        last_verified_on=timezone.localdate(),
        **data.model_dump(exclude=_SERVICE_LISTS | {"organization"}),
    )
    validated_save(service)
    _service_details(service, data)
    refresh_service_points(service_ids=[service.id])
    audit_record(
        actor, action=AuditAction.CREATE, object_type="directory.service", object_id=service.id
    )
    return service


@transaction.atomic
def service_replace(actor: Viewer, *, service_id: uuid.UUID, data: ServiceFields) -> Service:
    service = _own_service(actor, service_id)
    for name, value in data.model_dump(exclude=_SERVICE_LISTS).items():
        setattr(service, name, value)
    service.last_verified_on = timezone.localdate()
    validated_save(service)
    _service_details(service, data)
    refresh_service_points(service_ids=[service.id])
    audit_record(
        actor, action=AuditAction.UPDATE, object_type="directory.service", object_id=service.id
    )
    return service


@transaction.atomic
def service_verify(actor: Viewer, *, service_id: uuid.UUID) -> Service:
    """The managing organisation checked the service today (HSDS assured_date)."""
    service = _own_service(actor, service_id)
    service.last_verified_on = timezone.localdate()
    service.save(update_fields=["last_verified_on"])
    audit_record(
        actor, action=AuditAction.UPDATE, object_type="directory.service", object_id=service.id,
        details={"verified": True},
    )  # fmt: skip
    return service


@transaction.atomic
def service_delete(actor: Viewer, *, service_id: uuid.UUID) -> None:
    service = _own_service(actor, service_id)
    locations = list(service.at_locations.values_list("location_id", flat=True))
    audit_record(
        actor, action=AuditAction.DELETE, object_type="directory.service", object_id=service.id
    )
    service.delete()
    Location.objects.filter(id__in=locations, services_at__isnull=True).delete()


def place_location(location: Location) -> Any:
    """For importers: sets the search band from the coordinates."""
    _place(location)
    return location


# ---- HSDS data packages from the workspace


@transaction.atomic
def hsds_import(actor: Viewer, *, records: Records) -> dict[str, int]:
    """Import validated HSDS records (see `hsds.package.read_package`) for the acting
    organisation, which will manage them. A record whose id is another organisation's, or that
    hangs off one of its records (`hsds.ownership`), is refused (every such record is reported)
    and nothing is written; so is any invalid record."""
    organisation_id = _require_writer(actor)
    foreign = foreign_records(organisation_id, records)
    if foreign:
        raise HsdsInvalidError(foreign)
    return load_records(actor, records)


def hsds_export(actor: Viewer) -> Records:
    """The whole service directory as HSDS records (public information), the export audited."""
    records = to_records()
    with transaction.atomic():
        audit_record(
            actor,
            action=AuditAction.EXPORT,
            object_type="directory.hsds_export",
            details={table: len(rows) for table, rows in records.items() if rows},
        )
    return records


def _renormalised_contact_phone(profile: DiasporaProfile) -> Fixed:
    # The profile schemas' `Phone`: no default region, an extension refused (not dropped).
    return fixed_number(profile.contact_phone, to_e164_whole)


def _renormalised_number(phone: Phone) -> Fixed:
    # As every write path reads a number now (`phones.read_number`, with the phone's default
    # region), its extension moved to `extension`; one that is not a number is left as the HSDS
    # loader leaves it, as given, and reported so (so is one whose stored extension the number
    # would contradict).
    [regions] = stored_phone_regions([phone])
    try:
        number, extension = read_number(phone.number, regions)
    except NormalisationError:
        return Fixed(phone.number, kept=True)
    if extension and phone.extension:
        return Fixed(phone.number, kept=True)
    return Fixed(number, others=(("extension", extension or phone.extension),))


# For `compatriot phones normalise`: numbers stored as written before 71aaa80.
PHONE_COLUMNS = (
    Column(
        "directory.DiasporaProfile.contact_phone",
        DiasporaProfile,
        "contact_phone",
        "directory.profile",
        _renormalised_contact_phone,
    ),
    Column(
        "directory.Phone.number",
        Phone,
        "number",
        "directory.phone",
        _renormalised_number,
    ),
)
