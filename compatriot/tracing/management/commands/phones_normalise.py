"""`compatriot phones normalise [--dry-run]`: phone numbers stored with a non-ASCII character
(written in other scripts' digits before 71aaa80, "+38050262133５") normalised again to ASCII
E.164 and written with an audit entry per record; a number that still does not normalise is left
as it is and its record reported by id, never by the number. Safe to run again.

Here, in the highest of the apps that store phones (tracing, above directory and people), since
it reads each one's columns.
"""

from __future__ import annotations

from typing import Any

from compatriot.core.renormalise import RenormaliseCommand, renormalise
from compatriot.directory.services import PHONE_COLUMNS as DIRECTORY_PHONES
from compatriot.people.services import PHONE_COLUMNS as PEOPLE_PHONES
from compatriot.tracing.services import PHONE_COLUMNS as TRACING_PHONES

COLUMNS = (*PEOPLE_PHONES, *TRACING_PHONES, *DIRECTORY_PHONES)


class Command(RenormaliseCommand):
    help = "Normalise again the stored phone numbers that hold non-ASCII characters."

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        verb = "would rewrite" if dry_run else "rewrote"
        for column in COLUMNS:
            report = renormalise(column, dry_run=dry_run, chunk=max(1, options["chunk"]))
            kept = f", {len(report.kept)} kept as given" if report.kept else ""
            self.stdout.write(
                f"{report.label}: {report.found} with non-ASCII numbers, {verb} "
                f"{report.rewritten}, {len(report.unparseable)} not normalisable{kept}"
            )
            for record_id in report.unparseable:
                self.stdout.write(f"  not normalisable, left as stored: {record_id}")
            for record_id in report.kept:
                self.stdout.write(f"  kept as given (as its write path keeps it): {record_id}")
        if dry_run:
            self.stdout.write("dry run: nothing written")
