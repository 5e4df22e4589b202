"""Django's `flush`, the audit log included: it empties every table in the audit log's
maintenance path, without which the append-only triggers (core migration 0014) refuse the
audit log's TRUNCATE (PostgreSQL) or DELETE (SQLite) and the whole flush rolls back.

Django's TransactionTestCase (pytest-django's `transaction=True`, the browser tests) empties the
database with this command after each test. On a live database it erases the audit log with
everything else: it asks first, naming the database, unless `--no-input`."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from compatriot.core.audit import audit_maintenance


class Command(flush.Command):
    help = f"{flush.Command.help} The audit log too (its maintenance path)."

    def handle(self, **options: Any) -> None:
        # One transaction for the flush, its maintenance flag and post_migrate's rows: the flag
        # ends with it, and a failed flush leaves the database as it was.
        with audit_maintenance(using=options["database"]):
            super().handle(**options)
