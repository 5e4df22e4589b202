from __future__ import annotations

from typing import Any

from django import template

from compatriot.directory.operators import stale_profiles_of_owner

register = template.Library()


@register.inclusion_tag("web/directory/stale_banner.html", takes_context=True)
def stale_profiles_banner(context: dict[str, Any]) -> dict[str, Any]:
    """The acting organisation's stale profiles, on every workspace page, asking to confirm."""
    workspace = getattr(context.get("request"), "workspace", None)
    stale = stale_profiles_of_owner(workspace.viewer) if workspace is not None else []
    return {"stale": stale}
