"""The crisis dashboard: counts by nationality, stage, vulnerability and need, over time and by
place. Counts only, from the people aggregates (scoped to what the organisation may see)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from compatriot.people.aggregates import crisis_counts
from compatriot.people.models import NeedCategory, VulnerabilityCode
from compatriot.web.labels import label
from compatriot.web.workspace import workspace_view


@workspace_view
def dashboard(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    if workspace.crisis is None:
        return render(request, "web/dashboard.html", {"counts": None})
    counts = crisis_counts(workspace.viewer, crisis_id=workspace.crisis.id)
    chart = {
        "days": [day.isoformat() for day, _ in counts.by_day],
        "counts": [count for _, count in counts.by_day],
    }
    markers = [
        {
            "area": area.admin_area or area.country,
            "count": area.count,
            "lat": area.latitude,
            "lon": area.longitude,
        }
        for area in counts.by_area
        if area.latitude is not None and area.longitude is not None
    ]
    return render(
        request,
        "web/dashboard.html",
        {
            "counts": counts,
            "vulnerabilities": [
                (label(VulnerabilityCode, c), n) for c, n in counts.by_vulnerability
            ],
            "needs": [(label(NeedCategory, c), n) for c, n in counts.by_need],
            "chart": chart,
            "markers": markers,
            "map_settings": {
                "tiles": settings.WEB_MAP_TILE_URL,
                "attribution": settings.WEB_MAP_TILE_ATTRIBUTION,
            },
        },
    )
