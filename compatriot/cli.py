"""The `compatriot` console script.

`compatriot NOUN VERB ...` runs the management command `NOUN_VERB` when one exists (so
`compatriot import persons FILE` runs `import_persons`, `compatriot token create` runs
`token_create`, `compatriot linkage dedupe` runs `linkage_dedupe`); anything else is passed to
Django as it is (`compatriot migrate`, `compatriot demo`, `compatriot serve`).
"""

from __future__ import annotations

import os
import sys

import django
from django.core.management import execute_from_command_line, get_commands


def resolve(argv: list[str], commands: set[str]) -> list[str]:
    if len(argv) >= 2 and not argv[0].startswith("-"):
        joined = f"{argv[0]}_{argv[1]}".replace("-", "_")
        if joined in commands:
            return [joined, *argv[2:]]
    return argv


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compatriot.settings")
    django.setup()
    arguments = resolve(list(sys.argv[1:] if argv is None else argv), set(get_commands()))
    execute_from_command_line(["compatriot", *arguments])


if __name__ == "__main__":
    main()
