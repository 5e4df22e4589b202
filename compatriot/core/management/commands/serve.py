"""`compatriot serve`: collect static files and run the app under gunicorn."""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser, BooleanOptionalAction
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Linux >= 5.14: 1 hands the connections queued on a closing listener to another worker's.
MIGRATE_REQ = Path("/proc/sys/net/ipv4/tcp_migrate_req")


def queued_connections_lost_on_exit() -> bool | None:
    """Whether, with a listener per worker, connections queued on the listener of a worker that
    exits (a reload, a worker killed after its timeout) are reset rather than handed over; None
    when the kernel does not say (not Linux, or a kernel before 5.14)."""
    try:
        return MIGRATE_REQ.read_text().strip() == "0"
    except OSError:
        return None


class Command(BaseCommand):
    help = "Serve Compatriot with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "2")))
        parser.add_argument(
            "--reuse-port",
            action=BooleanOptionalAction,
            default=None,
            help="a listening socket per worker (SO_REUSEPORT); default: where the kernel hands "
            "a closing worker's queued connections over (docs/operations.md)",
        )

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
            "--access-logfile",
            "-",
        ]
        reuse_port = options["reuse_port"]
        if reuse_port is None:  # by default only where no queued connection is lost on a reload
            reuse_port = queued_connections_lost_on_exit() is False
        if reuse_port:
            # A listening socket per worker (SO_REUSEPORT): the kernel spreads new connections
            # over the workers. With one shared socket, whichever worker wins the accept race
            # keeps the connection for as long as the client keeps it alive, and one worker
            # (one process, one GIL) could serve nearly all clients while the other idles.
            arguments.append("--reuse-port")
            if queued_connections_lost_on_exit():
                self.stderr.write(
                    "warning: net.ipv4.tcp_migrate_req is 0: connections waiting for a worker "
                    "that exits (reload, timeout) are reset; set it to 1 or use "
                    "--no-reuse-port (docs/operations.md)"
                )
                self.stderr.flush()  # before execv replaces the process and its buffers
        os.execv(sys.executable, arguments)  # noqa: S606  replaces this process with gunicorn
