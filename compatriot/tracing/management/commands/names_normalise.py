"""`compatriot names normalise [--dry-run]`: persons' Latin name forms and search text derived
again after the change of `compatriot.normalise.names` of 8 December 2026 (đ read as dj; Han and
Hangul a syllable a word; Korean surnames' common spellings), each person written with an audit
entry; the names as written are never touched. Safe to run again.

Here, in tracing (above people), since the active tracing requests whose names now read
otherwise are also re-checked against every person by the next `compatriot tracing recheck`.
"""

from __future__ import annotations

from typing import Any

from compatriot.core.renormalise import RenormaliseCommand
from compatriot.people.names_again import names_renormalise
from compatriot.tracing.services import names_recheck_reset


class Command(RenormaliseCommand):
    help = "Derive again the persons' Latin name forms and search text where they change."

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        verb = "would rewrite" if dry_run else "rewrote"
        report = names_renormalise(dry_run=dry_run, chunk=max(1, options["chunk"]))
        fields = ", ".join(f"{name} {count}" for name, count in report.fields.items())
        self.stdout.write(f"people.Person: {report.read} read, {verb} {report.changed} ({fields})")
        reset = names_recheck_reset(dry_run=dry_run)
        verb = "would re-check" if dry_run else "to re-check"
        self.stdout.write(f"tracing.TracingRequest: {reset} {verb} against every person")
        if dry_run:
            self.stdout.write("dry run: nothing written")
