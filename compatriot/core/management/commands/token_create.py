"""`compatriot token create --as-user U --org O --name N`: print a new API token once."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from compatriot.core.errors import DomainError
from compatriot.core.management.base import CompatriotCommand
from compatriot.core.schemas import TokenIn
from compatriot.core.services import token_create


class Command(CompatriotCommand):
    help = "Create an API token for a member of an organisation. The secret is shown only once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--name", default="cli", help="a label to tell tokens apart")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help="days until the token expires, at least 1 (default: never)",
        )

    def handle(self, *args: Any, **options: Any) -> str:
        days = options["expires_days"]
        # Not a truthiness test: 0 made a token that never expires.
        if days is not None and days < 1:
            raise CommandError(
                "--expires-days must be at least 1 (leave it out for a token that never expires)."
            )
        actor = self.viewer(options)
        assert actor is not None  # noqa: S101  required=True raises instead
        expires = timezone.now() + dt.timedelta(days=days) if days is not None else None
        try:
            created = token_create(actor, data=TokenIn(name=options["name"], expires_at=expires))
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"Token '{created.token.name}' created; store it now, it is not shown again."
        )
        return created.secret
