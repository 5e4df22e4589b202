"""The operator workspace's navigation: one registry that later screens add a line to.

A screen is listed when its URL name resolves, so an entry for a screen that is not installed
(linkage review, matching board, cases, broadcasts, directory) simply does not show.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    order: int
    needs_manager: bool = False  # shown to an organisation's admins and coordinators only


_REGISTRY: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _REGISTRY[item.url_name] = item


def items_for(*, can_manage: bool) -> list[tuple[NavItem, str]]:
    shown = []
    for item in sorted(_REGISTRY.values(), key=lambda entry: entry.order):
        if item.needs_manager and not can_manage:
            continue
        try:
            shown.append((item, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    return shown


for _item in [
    NavItem("web:dashboard", _("Dashboard"), 10),
    NavItem("web:registry", _("People"), 20),
    NavItem("web:household_new", _("Register a household"), 30),
    NavItem("linkage:review", _("Duplicates"), 40),
    NavItem("assistance:board", _("Matching"), 50),
    NavItem("cases:list", _("Cases"), 60),
    NavItem("messaging:broadcasts", _("Broadcasts"), 70),
    NavItem("directory:index", _("Directory"), 80),
    NavItem("web:organisation", _("Organisation"), 90),
]:
    register(_item)

register(NavItem("tracing:list", _("Family tracing"), 65))
