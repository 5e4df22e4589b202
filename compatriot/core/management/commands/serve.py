"""`compatriot serve`: collect static files and run the app under gunicorn."""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Compatriot with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "2")))

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"Compatriot on http://{options['host']}:{options['port']}/ (API docs at /api/v1/docs)"
        )
        self.stdout.flush()
        arguments = [
            sys.executable,
            "-m",
            "gunicorn",
            "compatriot.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            # A listening socket per worker (SO_REUSEPORT): the kernel spreads new connections
            # over the workers. With one shared socket, whichever worker wins the accept race
            # keeps the connection for as long as the client keeps it alive, and one worker
            # (one process, one GIL) could serve nearly all clients while the other idles.
            "--reuse-port",
            "--access-logfile",
            "-",
        ]
        os.execv(sys.executable, arguments)  # noqa: S606  replaces this process with gunicorn
