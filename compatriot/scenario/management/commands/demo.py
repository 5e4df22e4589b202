"""`compatriot demo`: load (or refresh) the demo crisis and print the demo accounts."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from compatriot.scenario.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load the demo crisis (2022 Ukraine, third-country nationals) with its organisations."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--persons", type=int, default=settings.DEMO_PERSONS)
        parser.add_argument("--seed", type=int, default=2022)
        parser.add_argument("--force", action="store_true", help="load even with DEBUG=0")

    def handle(self, *args: Any, **options: Any) -> str:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to load demo accounts with DEBUG=0 (use --force on a test system)."
            )
        with tqdm(desc="demo registrations", unit="row", file=self.stderr) as bar:
            summary = demo_load(
                persons=options["persons"], seed=options["seed"], progress=bar.update
            )
        self.stdout.write(f"Demo crisis: {summary.crisis.name}")
        self.stdout.write(f"Demo accounts (password '{DEMO_PASSWORD}'):")
        for username, organisation, role in summary.accounts:
            self.stdout.write(f"  {username:55} {role:24} {organisation}")
        self.stdout.write(f"API token for {summary.accounts[2][0]}: {summary.token}")
        return (
            f"registrations: created {summary.created}, updated {summary.updated}, "
            f"unchanged {summary.unchanged}, rejected {summary.rejected}"
        )
