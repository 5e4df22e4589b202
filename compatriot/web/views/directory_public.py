"""Public directory pages: services and verified diaspora groups near a place, and the map layer.

No sign-in, no JavaScript needed. The place a visitor searches from can say where they are, so
the search is sent by POST and never lands in a URL or a log line. Groups appear only when their
owner published the profile and a focal point verified it, and only with the contact details the
owner published: the templates read `selectors.public_profile`, never the profile itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from pydantic import ValidationError

from compatriot.directory import selectors
from compatriot.directory.models import Location, Service
from compatriot.directory.schemas import GeoJsonQuery, NearQuery
from compatriot.web.directory_public_forms import (
    AVAILABILITY_LABELS,
    CAPACITY_LABELS,
    CATEGORY_LABELS,
    CONTACT_LABELS,
    NEED_CAPACITY,
    PROFILE_KIND_LABELS,
    NearForm,
    language_name,
)

RESULTS = 30  # per page, services and groups together, nearest first


@dataclass(frozen=True)
class Entry:
    distance_km: float
    kind: str  # "service" or "group"
    label: str = ""
    language_names: tuple[str, ...] = ()
    service: Service | None = None
    location: Location | None = None
    group: dict[str, Any] | None = None  # selectors.public_profile: published fields only


def _service_entry(found: selectors.Near) -> Entry:
    location = next(
        (link.location for link in found.service.at_locations.all()
         if link.location_id == found.location_id),
        None,
    )  # fmt: skip
    service = found.service
    return Entry(
        found.distance_km,
        "service",
        label=str(CATEGORY_LABELS.get(service.category, service.category)),
        language_names=tuple(language_name(lang.code) for lang in service.languages.all()),
        service=service,
        location=location,
    )


def _group_entry(distance: float, profile: Any) -> Entry:
    shown = selectors.public_profile(profile)
    shown["availability_label"] = AVAILABILITY_LABELS.get(shown["availability"], "")
    shown["capacity_labels"] = [CAPACITY_LABELS.get(kind, kind) for kind in shown["capacities"]]
    shown["contact_list"] = [
        (CONTACT_LABELS[name], value) for name, value in shown["contacts"].items() if value
    ]
    return Entry(
        distance,
        "group",
        label=str(PROFILE_KIND_LABELS.get(shown["kind"], shown["kind"])),
        language_names=tuple(language_name(code) for code in shown["languages"]),
        group=shown,
    )


def search(form: NearForm) -> list[Entry]:
    latitude, longitude, _place = form.point()
    need = form.cleaned_data.get("need") or None
    language = form.cleaned_data.get("language") or None
    radius = form.cleaned_data["radius_km"] or 25
    near = {"latitude": latitude, "longitude": longitude, "radius_km": radius, "limit": RESULTS}
    services = selectors.services_near(NearQuery(**near, category=need, language=language))
    groups = selectors.profiles_near(
        NearQuery(**near, language=language, capacity=NEED_CAPACITY.get(need or "")),
        base=selectors.published_profiles(),
    )
    entries = [_service_entry(found) for found in services]
    entries += [_group_entry(distance, profile) for distance, profile in groups]
    entries.sort(key=lambda entry: (entry.distance_km, entry.kind))
    return entries[:RESULTS]


@never_cache
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    form = NearForm(request.POST or None)
    entries = None
    place = None
    if request.method == "POST" and form.is_valid():
        entries = search(form)
        place = form.point()[2]
    return render(
        request,
        "web/directory/public/index.html",
        {
            "form": form,
            "entries": entries,
            "place": place,
            "results": RESULTS,
        },
    )


@require_GET
def geojson(request: HttpRequest) -> HttpResponse:
    """The map layer, as the API's /directory/geojson: bounded by `bbox` and `limit`."""
    try:
        query = GeoJsonQuery(**request.GET.dict())
    except ValidationError as error:
        problems = [
            {"field": ".".join(str(part) for part in e["loc"]) or "query", "message": e["msg"]}
            for e in error.errors()
        ]
        return JsonResponse({"detail": problems}, status=400)
    return JsonResponse(selectors.public_geojson(query), content_type="application/geo+json")
