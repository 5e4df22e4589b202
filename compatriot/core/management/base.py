"""The base of every Compatriot command: shared --org, --as-user and --crisis arguments,
resolved into the Viewer the command acts as."""

from __future__ import annotations

import sys
import uuid
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from compatriot.core.errors import DomainError
from compatriot.core.models import Crisis, Organisation
from compatriot.core.selectors import viewer_for_membership
from compatriot.core.viewer import Viewer


def _by_name_or_id(model: type[Any], value: str, label: str) -> Any:
    try:
        found = model.objects.filter(id=uuid.UUID(value)).first()
    except ValueError:
        found = model.objects.filter(name=value).first()
    if found is None:
        raise CommandError(f"No {label} named or with id '{value}'.")
    return found


class CompatriotCommand(BaseCommand):
    uses_viewer = True
    uses_crisis = False

    def progress_bar(self, unit: str) -> tqdm[Any]:
        """A progress bar on stderr, drawn only when stderr is a terminal (tqdm's `disable=None`):
        never in a log file, nor in what a pipe reads from stdout."""
        # tqdm redraws its line with "\r": give it the raw stream, not Django's line wrapper.
        stream = getattr(self.stderr, "_out", sys.stderr)
        return tqdm(unit=unit, file=stream, disable=None, dynamic_ncols=True)

    def add_arguments(self, parser: ArgumentParser) -> None:
        if self.uses_viewer:
            parser.add_argument("--org", help="organisation name or id to act for")
            parser.add_argument("--as-user", dest="as_user", help="username to act as")
            parser.add_argument("--purpose", default="cli", help="why (recorded in the audit log)")
        if self.uses_crisis:
            parser.add_argument("--crisis", help="crisis name or id")

    def viewer(self, options: dict[str, Any], *, required: bool = True) -> Viewer | None:
        username, org = options.get("as_user"), options.get("org")
        if not username or not org:
            if required:
                raise CommandError("Give --as-user USERNAME and --org ORGANISATION.")
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user '{username}'.")
        organisation = _by_name_or_id(Organisation, org, "organisation")
        try:
            return viewer_for_membership(
                user_id=user.id,
                organisation_id=organisation.id,
                purpose=options.get("purpose") or "cli",
            )
        except DomainError as error:
            raise CommandError(
                f"{username} cannot act for {organisation.name}: {error.message}"
            ) from error

    def crisis(self, options: dict[str, Any], *, required: bool = True) -> Crisis | None:
        value = options.get("crisis")
        if not value:
            if required:
                raise CommandError("Give --crisis NAME_OR_ID.")
            return None
        return _by_name_or_id(Crisis, value, "crisis")
