"""Directory phones: how a number is read and with which default region. One reading for every
write path (the API and the screens through `services`, the HSDS loader) and for `compatriot
phones normalise`, so that a number is stored the same way whichever way it came in.

A number is stored in E.164 with its extension apart (HSDS `phone.extension`; E.164 has no room
for one, and dropping it would lose the way to the right desk). A short code ("112", "116 000")
or a number with letters ("1-800-FLOWERS") is stored as written, its digits in ASCII: E.164
cannot hold the first, and would turn the second into its keypad's digits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import phonenumbers

from compatriot.directory.hsds.records import id_chunks
from compatriot.directory.models import (
    DirectoryOrganization,
    Location,
    Phone,
    Service,
    ServiceAtLocation,
)
from compatriot.normalise import NormalisationError
from compatriot.normalise.phones import ascii_digits, split_extension, to_e164_whole


class DirectoryNumber(NamedTuple):
    number: str  # E.164; or a short code or a number with letters as written, in ASCII digits
    extension: str = ""  # ASCII digits


def read_number(raw: str, regions: tuple[str, ...]) -> DirectoryNumber:
    """`raw` as the directory stores it, national numbers read with `regions`; a
    NormalisationError says why it is not a number (an API write answers 422 with it)."""
    main, extension = split_extension(raw)
    if not main:
        raise NormalisationError("is empty")
    if any(character.isalpha() for character in main):
        # Checked through its keypad's digits, stored with its letters (what callers are told).
        to_e164_whole(main, default_regions=regions)
        return DirectoryNumber(ascii_digits(main), extension)
    try:
        return DirectoryNumber(to_e164_whole(main, default_regions=regions), extension)
    except NormalisationError:
        if _is_short_code(main, regions):
            return DirectoryNumber(ascii_digits(main), extension)
        raise


def _is_short_code(text: str, regions: tuple[str, ...]) -> bool:
    """A short code valid in one of `regions` (none known: it cannot be told)."""
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_short_number(number):
            return True
    return False


def phone_number(raw: str, regions: tuple[str, ...]) -> DirectoryNumber:
    """The HSDS loader's reading: `read_number`, or `raw` as given when it is not a number
    (HSDS `number` is free text; feeds carry words such as "call the desk", which the directory
    shows as written rather than refusing the whole package)."""
    try:
        return read_number(raw, regions)
    except NormalisationError:
        return DirectoryNumber(raw)


def phone_regions(*candidates: Iterable[str]) -> tuple[str, ...]:
    """The default region of a phone from its candidate sets of countries, nearest first: the
    first set that names exactly one country ((), when none does). Several countries at one
    level do not tell which one a national number belongs to."""
    for countries in candidates:
        codes = {code.strip().upper() for code in countries if code and len(code.strip()) == 2}
        if len(codes) == 1:
            return (codes.pop(),)
    return ()


def stored_phone_regions(phones: Sequence[Phone]) -> list[tuple[str, ...]]:
    """Each phone's default region (`phone_regions`), from what is stored around it, nearest
    first: its location's country; the countries of its service's locations; those of its
    organization's locations (the phone's own organization, else its service's or location's);
    the countries the Compatriot organisation managing that organization operates in. A few
    queries for all the phones (the HSDS loader reads a package's phones at once)."""
    location_ids = {p.location_id for p in phones if p.location_id}
    service_ids = {p.service_id for p in phones if p.service_id}
    locations: dict[Any, tuple[str, Any]] = {}
    for chunk in id_chunks(location_ids):
        rows = Location.objects.filter(id__in=chunk).values_list("id", "country", "organization_id")
        locations.update((pk, (country, organization)) for pk, country, organization in rows)
    service_organization: dict[Any, Any] = {}
    service_area: dict[Any, set[str]] = defaultdict(set)
    for chunk in id_chunks(service_ids):
        service_organization.update(
            Service.objects.filter(id__in=chunk).values_list("id", "organization_id")
        )
        links = ServiceAtLocation.objects.filter(service_id__in=chunk)
        for service_id, country in links.values_list("service_id", "location__country"):
            service_area[service_id].add(country)

    def organization_of(phone: Phone) -> Any:
        return (
            phone.organization_id
            or service_organization.get(phone.service_id)
            or locations.get(phone.location_id, ("", None))[1]
        )

    organization_ids = {o for p in phones if (o := organization_of(p)) is not None}
    organization_area: dict[Any, set[str]] = defaultdict(set)
    operating: dict[Any, list[str]] = {}
    for chunk in id_chunks(organization_ids):
        places = Location.objects.filter(organization_id__in=chunk)
        for organization_id, country in places.values_list("organization_id", "country"):
            organization_area[organization_id].add(country)
        organizations = DirectoryOrganization.objects.filter(id__in=chunk)
        for pk, countries in organizations.values_list("id", "managed_by__operating_countries"):
            operating[pk] = countries if isinstance(countries, list) else []
    return [
        phone_regions(
            [locations.get(phone.location_id, ("", None))[0]],
            service_area.get(phone.service_id, ()),
            organization_area.get(organization_of(phone), ()),
            operating.get(organization_of(phone), ()),
        )
        for phone in phones
    ]
