"""The caller of a service or selector: who, for which organisation, in which role, and why."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from compatriot.core.errors import PermissionDeniedError
from compatriot.core.models import Role

WRITE_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.CASEWORKER, Role.VOLUNTEER})
MANAGE_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    organisation_id: uuid.UUID | None
    organisation_kind: str | None
    role: str | None
    is_platform_admin: bool = False
    purpose: str = ""

    @property
    def acting_organisation_id(self) -> uuid.UUID:
        """The organisation the caller acts for; writes that belong to one need it."""
        if self.organisation_id is None:
            raise PermissionDeniedError("This needs a membership of an organisation.")
        return self.organisation_id

    @property
    def acting_user_id(self) -> int:
        if self.user_id is None:
            raise PermissionDeniedError("This needs a signed-in user.")
        return self.user_id

    @property
    def can_write_people(self) -> bool:
        return self.role in WRITE_ROLES

    @property
    def can_manage_organisation(self) -> bool:
        return self.role in MANAGE_ROLES

    def require_people_write(self) -> None:
        if not self.can_write_people:
            raise PermissionDeniedError("Your role may read but not register or change people.")

    def require_organisation_manager(self) -> None:
        if not self.can_manage_organisation:
            raise PermissionDeniedError("Only an organisation's admin or coordinator may do this.")

    def require_organisation_admin(self) -> None:
        if self.role != Role.ADMIN and not self.is_platform_admin:
            raise PermissionDeniedError("Only an organisation's admin may do this.")

    def require_platform_admin(self) -> None:
        if not self.is_platform_admin:
            raise PermissionDeniedError("Only a platform administrator may do this.")
