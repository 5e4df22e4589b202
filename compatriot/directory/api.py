"""Diaspora profiles, capacities, services, the radius search and the public GeoJSON."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from compatriot.core.api import viewer_of
from compatriot.directory import selectors, services
from compatriot.directory.models import DiasporaProfile, Service
from compatriot.directory.schemas import (
    CapacitiesIn,
    GeoJsonQuery,
    NearOut,
    NearQuery,
    ProfileFilter,
    ProfileIn,
    ProfileOut,
    ProfilePatch,
    ServiceIn,
    ServiceOut,
    ServicePatch,
)
from compatriot.pagination import Page, PageParams, paginate

router = Router(tags=["directory"])


def profile_out(profile: DiasporaProfile) -> dict[str, Any]:
    out: dict[str, Any] = {
        name: getattr(profile, name) for name in ProfileOut.model_fields.keys() - {"capacities"}
    }
    out["capacities"] = list(profile.capacities.all())
    return out


def _profile(request: HttpRequest, profile_id: uuid.UUID) -> dict[str, Any]:
    return profile_out(selectors.profile_get(viewer_of(request), profile_id=profile_id))


def service_out(service: Service) -> dict[str, Any]:
    return {
        **{
            name: getattr(service, name)
            for name in ServiceOut.model_fields
            if hasattr(service, name)
        },
        "organization_name": service.organization.name,
        "required_documents": [d.document for d in service.required_documents.all()],
        "languages": [language.code for language in service.languages.all()],
        "phones": [phone.display for phone in service.phones.all()],
        "phone_numbers": list(service.phones.all()),
        "locations": [link.location for link in service.at_locations.all()],
    }


def _service(service_id: uuid.UUID) -> dict[str, Any]:
    return service_out(selectors.service_get(service_id=service_id))


@router.post("/directory/profiles", response={201: ProfileOut})
def create_profile(request: HttpRequest, data: ProfileIn) -> Status:
    profile = services.profile_create(viewer_of(request), data=data)
    return Status(201, _profile(request, profile.id))


@router.get("/directory/profiles", response=Page[ProfileOut])
def list_profiles(
    request: HttpRequest, filters: Query[ProfileFilter], page: Query[PageParams]
) -> dict[str, object]:
    found = paginate(selectors.profile_list(viewer_of(request), filters=filters), page)
    found["items"] = [profile_out(profile) for profile in found["items"]]
    return found


@router.get("/directory/profiles/{profile_id}", response=ProfileOut)
def get_profile(request: HttpRequest, profile_id: uuid.UUID) -> object:
    return _profile(request, profile_id)


@router.patch("/directory/profiles/{profile_id}", response=ProfileOut)
def update_profile(request: HttpRequest, profile_id: uuid.UUID, data: ProfilePatch) -> object:
    services.profile_update(viewer_of(request), profile_id=profile_id, data=data)
    return _profile(request, profile_id)


@router.delete("/directory/profiles/{profile_id}", response={204: None})
def delete_profile(request: HttpRequest, profile_id: uuid.UUID) -> Status:
    services.profile_delete(viewer_of(request), profile_id=profile_id)
    return Status(204, None)


@router.put("/directory/profiles/{profile_id}/capacities", response=ProfileOut)
def set_capacities(request: HttpRequest, profile_id: uuid.UUID, data: CapacitiesIn) -> object:
    services.profile_set_capacities(
        viewer_of(request), profile_id=profile_id, capacities=data.capacities
    )
    return _profile(request, profile_id)


@router.post("/directory/profiles/{profile_id}/confirm", response=ProfileOut)
def confirm_profile(request: HttpRequest, profile_id: uuid.UUID) -> object:
    services.profile_confirm(viewer_of(request), profile_id=profile_id)
    return _profile(request, profile_id)


@router.post("/directory/profiles/{profile_id}/verify", response=ProfileOut)
def verify_profile(request: HttpRequest, profile_id: uuid.UUID) -> object:
    services.profile_verify(viewer_of(request), profile_id=profile_id)
    return _profile(request, profile_id)


@router.post("/directory/services", response={201: ServiceOut})
def create_service(request: HttpRequest, data: ServiceIn) -> Status:
    service = services.service_create(viewer_of(request), data=data)
    return Status(201, _service(service.id))


@router.get("/directory/services", response=Page[ServiceOut], auth=None)
def list_services(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    found = paginate(selectors.services().order_by("name", "id"), page)
    found["items"] = [service_out(service) for service in found["items"]]
    return found


@router.get("/directory/services/{service_id}", response=ServiceOut, auth=None)
def get_service(request: HttpRequest, service_id: uuid.UUID) -> dict[str, Any]:
    return _service(service_id)


@router.put("/directory/services/{service_id}", response=ServiceOut)
def replace_service(request: HttpRequest, service_id: uuid.UUID, data: ServicePatch) -> object:
    services.service_replace(viewer_of(request), service_id=service_id, data=data)
    return _service(service_id)


@router.delete("/directory/services/{service_id}", response={204: None})
def delete_service(request: HttpRequest, service_id: uuid.UUID) -> Status:
    services.service_delete(viewer_of(request), service_id=service_id)
    return Status(204, None)


@router.post("/directory/services/{service_id}/verify", response=ServiceOut)
def verify_service(request: HttpRequest, service_id: uuid.UUID) -> object:
    services.service_verify(viewer_of(request), service_id=service_id)
    return _service(service_id)


@router.post("/directory/near", response=NearOut)
def search_near(request: HttpRequest, data: NearQuery) -> dict[str, object]:
    """Services and diaspora profiles within `radius_km`, nearest first. In the body, not the
    URL: a place searched for can say where a person is."""
    viewer = viewer_of(request)
    found_services = [] if data.capacity else selectors.services_near(data)
    found_profiles = (
        [] if data.category else selectors.profiles_near(data, base=selectors.profiles(viewer))
    )
    return {
        "services": [
            {
                "distance_km": n.distance_km,
                "location_id": n.location_id,
                "service": service_out(n.service),
            }
            for n in found_services
        ],
        "profiles": [{"distance_km": d, "profile": profile_out(p)} for d, p in found_profiles],
    }


@router.get("/directory/geojson", auth=None, tags=["directory"])
def geojson(request: HttpRequest, query: Query[GeoJsonQuery]) -> dict[str, Any]:
    """Active services and published, verified profiles as GeoJSON points for maps, in an
    optional `bbox` (west,south,east,north), at most `limit` (1000). Profiles carry only the
    contact fields their owners published."""
    return selectors.public_geojson(query)
