"""Screens of the service directory (Open Referral HSDS): list, page, create and edit with
locations, schedules and fees, mark verified, and import or export an HSDS data package.
Services are public information; only the organisation that manages one may change it."""

from __future__ import annotations

import io
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from compatriot.core.errors import NotFoundError
from compatriot.core.viewer import Viewer
from compatriot.directory import selectors, services
from compatriot.directory.hsds.package import DESCRIPTOR, JSON_FILE, read_package, write_package
from compatriot.directory.hsds.problems import HsdsInvalidError, Problem
from compatriot.directory.models import DirectoryOrganization, Service
from compatriot.directory.schemas import ServiceFields, ServiceIn
from compatriot.web.directory_forms import apply_errors, formset_values, yes_no
from compatriot.web.directory_service_forms import (
    HsdsImportForm,
    ServiceFilterForm,
    ServiceForm,
    service_formsets,
)
from compatriot.web.validation import FORM_ERRORS, apply_domain_error
from compatriot.web.workspace import workspace_view

LIST_LIMIT = 200
PROBLEMS_SHOWN = 500
MAX_UPLOAD = 20 * 1024 * 1024  # bytes, unpacked


def _viewer(request: HttpRequest) -> Viewer:
    return request.workspace.viewer  # type: ignore[attr-defined]


def _manages(viewer: Viewer, service: Service) -> bool:
    return (
        viewer.can_write_people
        and viewer.organisation_id is not None
        and service.organization.managed_by_id == viewer.organisation_id
    )


@workspace_view
def services_index(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form = ServiceFilterForm(request.GET or None)
    found: list[Service] = []
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        query = selectors.services().prefetch_related("at_locations__location")
        if data.get("q"):
            query = query.filter(
                Q(name__icontains=data["q"]) | Q(organization__name__icontains=data["q"])
            )
        if data.get("category"):
            query = query.filter(category=data["category"])
        if data.get("status"):
            query = query.filter(status=data["status"])
        third_country = yes_no(data.get("third_country", ""))
        if third_country is not None:
            query = query.filter(serves_third_country_nationals=third_country)
        if data.get("mine"):
            query = query.filter(organization__managed_by_id=viewer.organisation_id)
        found = list(query[: LIST_LIMIT + 1])
    return render(
        request,
        "web/directory/services.html",
        {
            "form": form,
            "services": found[:LIST_LIMIT],
            "truncated": len(found) > LIST_LIMIT,
            "can_write": viewer.can_write_people,
        },
    )


@workspace_view
def service(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    found = selectors.service_get(service_id=service_id)
    return render(
        request,
        "web/directory/service.html",
        {
            "service": found,
            "locations": [link.location for link in found.at_locations.all()],
            "schedules": found.schedules.all(),
            "costs": found.cost_options.all(),
            "can_edit": _manages(viewer, found),
        },
    )


def _service_initial(service: Service) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    tcn = service.serves_third_country_nationals
    initial = {
        "name": service.name,
        "description": service.description,
        "category": service.category,
        "status": service.status,
        "url": service.url,
        "email": service.email,
        "phones": "\n".join(phone.display for phone in service.phones.all()),
        "languages": ", ".join(language.code for language in service.languages.all()),
        "serves_third_country_nationals": "" if tcn is None else ("yes" if tcn else "no"),
        "eligibility_description": service.eligibility_description,
        "required_documents": "\n".join(d.document for d in service.required_documents.all()),
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "fees_description": service.fees_description,
    }
    lists = {
        "locations": [
            {
                name: getattr(link.location, name)
                for name in (
                    "name",
                    "location_type",
                    "address_1",
                    "city",
                    "state_province",
                    "postal_code",
                    "country",
                    "latitude",
                    "longitude",
                )
            }
            for link in service.at_locations.select_related("location")
        ],
        "schedules": [
            {
                "freq": s.freq,
                "byday": s.byday,
                "opens_at": s.opens_at,
                "closes_at": s.closes_at,
                "description": s.description,
            }
            for s in service.schedules.all()
        ],
        "cost_options": [
            {
                "option": c.option,
                "amount": c.amount,
                "currency": c.currency,
                "amount_description": c.amount_description,
            }
            for c in service.cost_options.all()
        ],
    }
    return initial, lists


def _organizations(viewer: Viewer) -> list[tuple[str, str]]:
    return [
        (str(o.id), o.name)
        for o in DirectoryOrganization.objects.filter(managed_by_id=viewer.organisation_id)
    ]


def _save_service(request: HttpRequest, viewer: Viewer, existing: Service | None) -> HttpResponse:
    if not viewer.can_write_people:
        raise PermissionDenied(_("Your role may read but not change the directory."))
    organizations = None if existing is not None else _organizations(viewer)
    if request.method == "POST":
        form = ServiceForm(request.POST, organizations=organizations)
        lists = service_formsets(request.POST)
    elif existing is not None:
        initial, rows = _service_initial(existing)
        form = ServiceForm(initial=initial, organizations=organizations)
        lists = service_formsets(initial=rows)
    else:
        form, lists = ServiceForm(organizations=organizations), service_formsets()
    valid = [form.is_valid(), *(formset.is_valid() for formset in lists.values())]
    if request.method == "POST" and all(valid):
        data = form.values()
        positions = {}
        for name, formset in lists.items():
            positions[name], data[name] = formset_values(formset)
        saved = None
        try:
            if existing is None:
                saved = services.service_create(viewer, data=ServiceIn(**data))
            else:
                saved = services.service_replace(
                    viewer, service_id=existing.id, data=ServiceFields(**data)
                )
        except ValidationError as error:
            apply_errors(form, {name: (lists[name], positions[name]) for name in lists}, error)
        except FORM_ERRORS as error:
            apply_domain_error(form, error)
        if saved is not None:
            messages.success(request, _("The service has been saved."))
            return redirect("directory:service", saved.id)
    return render(
        request,
        "web/directory/service_form.html",
        {"form": form, "lists": lists, "service": existing},
    )


@workspace_view
def service_new(request: HttpRequest) -> HttpResponse:
    return _save_service(request, _viewer(request), None)


@workspace_view
def service_edit(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    found = selectors.service_get(service_id=service_id)
    if found.organization.managed_by_id != viewer.organisation_id:
        raise NotFoundError("No such service.")
    return _save_service(request, viewer, found)


@require_POST
@workspace_view
def service_verify(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    services.service_verify(_viewer(request), service_id=service_id)
    messages.success(request, _("The service is marked as verified today."))
    return redirect("directory:service", service_id)


# ---- HSDS data packages


def _package_root(folder: Path) -> Path | None:
    """The folder (or JSON file) of the package: at the top of the zip or one folder down."""
    for candidate in (folder, *sorted(p for p in folder.iterdir() if p.is_dir())):
        if (candidate / DESCRIPTOR).exists() or (candidate / JSON_FILE).exists():
            return candidate
    return None


def _unpack(upload: Any, folder: Path) -> Path:
    name = (upload.name or "").lower()
    content = upload.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise HsdsInvalidError([Problem(upload.name, None, "", _("The file is too large."))])
    if name.endswith(".json"):
        target = folder / JSON_FILE
        target.write_bytes(content)
        return target
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
        if sum(member.file_size for member in members) > MAX_UPLOAD:
            raise HsdsInvalidError([Problem(upload.name, None, "", _("The file is too large."))])
        for member in members:
            parts = Path(member.filename).parts
            if member.is_dir() or not parts:
                continue
            if member.filename.startswith("/") or ".." in parts or len(parts) > 2:
                continue  # nothing outside the folder, nothing deeper than the package
            target = folder.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
    except zipfile.BadZipFile as error:
        raise HsdsInvalidError(
            [Problem(upload.name, None, "", _("Not a zip file nor an hsds.json file."))]
        ) from error
    root = _package_root(folder)
    if root is None:
        raise HsdsInvalidError(
            [Problem(upload.name, None, "", _("No datapackage.json or hsds.json in the zip file."))]
        )
    return root


@workspace_view
def hsds(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    problems: list[Problem] = []
    form = HsdsImportForm()
    if request.method == "POST":
        if not viewer.can_write_people:
            raise PermissionDenied(_("Your role may read but not change the directory."))
        form = HsdsImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with tempfile.TemporaryDirectory(prefix="hsds-") as folder:
                    root = _unpack(form.cleaned_data["package"], Path(folder))
                    counts = services.hsds_import(viewer, records=read_package(root))
            except HsdsInvalidError as error:
                problems = error.problems
                form.add_error(
                    "package",
                    _("Nothing was imported: %(count)s problem(s) found, listed below.")
                    % {"count": len(problems)},
                )
            else:
                messages.success(
                    request,
                    _("Imported: %(counts)s.")
                    % {"counts": ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))},
                )
                return redirect("directory:hsds")
    return render(
        request,
        "web/directory/hsds.html",
        {
            "form": form,
            "problems": problems[:PROBLEMS_SHOWN],
            "more_problems": max(0, len(problems) - PROBLEMS_SHOWN),
            "can_write": viewer.can_write_people,
        },
    )


@workspace_view
def hsds_export(request: HttpRequest) -> HttpResponse:
    fmt = "json" if request.GET.get("format") == "json" else "csv"
    records = services.hsds_export(_viewer(request))
    stamp = timezone.localdate().isoformat()
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="hsds-") as folder:
        files = write_package(records, Path(folder), fmt=fmt)
        if fmt == "csv":
            files = sorted(Path(folder).iterdir())
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, f"hsds-{stamp}/{path.name}")
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="hsds-{fmt}-{stamp}.zip"'
    return response
