"""The search rows (`ServicePoint`) of the directory's radius search, rebuilt after every write to
services and locations (the services, the HSDS loader and the admin all call it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import cast

from compatriot.directory.geo import lat_band
from compatriot.directory.models import Service, ServiceAtLocation, ServicePoint, ServiceStatus


def refresh_service_points(
    *, service_ids: Iterable[uuid.UUID] | None = None, location_ids: Iterable[uuid.UUID] = ()
) -> None:
    """Rebuild the search rows (`ServicePoint`) of these services and of the services at these
    locations; all of them when `service_ids` is None."""
    services = Service.objects.all()
    if service_ids is not None or location_ids:
        wanted = set(service_ids or ())
        wanted.update(
            ServiceAtLocation.objects.filter(location_id__in=list(location_ids)).values_list(
                "service_id", flat=True
            )
        )
        services = services.filter(id__in=wanted)
    ServicePoint.objects.filter(service__in=services).delete()
    links = ServiceAtLocation.objects.filter(
        service__in=services.filter(status=ServiceStatus.ACTIVE),
        location__latitude__isnull=False,
        location__longitude__isnull=False,
    ).values_list(
        "service_id", "location_id", "location__latitude", "location__longitude",
        "service__category",
    )  # fmt: skip
    ServicePoint.objects.bulk_create(
        (
            ServicePoint(
                service_id=service_id,
                location_id=location_id,
                latitude=cast(float, latitude),  # not null: filtered above
                longitude=cast(float, longitude),
                lat_band=cast(int, lat_band(latitude)),
                category=category,
            )
            for service_id, location_id, latitude, longitude, category in links.iterator()
        ),
        batch_size=1000,
    )
