"""`compatriot audit verify [--expect-head ID:HASH]`: walk the hash chain and report the first
broken link, or the chain's head (last id and hash) to keep elsewhere and check against later."""

from __future__ import annotations

import re
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from compatriot.core.audit import audit_verify
from compatriot.core.models import AuditEntry

_HEAD = re.compile(r"(\d+):([0-9a-f]{64})")


def _head(text: str) -> tuple[int, str]:
    match = _HEAD.fullmatch(text.strip().lower())
    if match is None:
        raise ArgumentTypeError(
            "give ID:HASH, the head an earlier `audit verify` printed (an entry id, a colon "
            "and its hash in 64 hexadecimal digits)"
        )
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain; exit non-zero at the first broken link. Prints the "
        "chain's head (ID:HASH): keep it elsewhere and pass it to --expect-head later, to find "
        "the newest entries deleted."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--expect-head",
            dest="expect_head",
            type=_head,
            default=None,
            metavar="ID:HASH",
            help="a head printed earlier: the chain must still hold that entry with that hash",
        )

    def handle(self, *args: Any, **options: Any) -> str:
        expect_head = options["expect_head"]
        total = AuditEntry.objects.count()
        with tqdm(total=total, unit="entry", disable=total < 50_000, file=self.stderr) as bar:
            report = audit_verify(progress=bar, expect_head=expect_head)
        if not report.is_intact:
            raise CommandError(
                f"audit chain broken at entry #{report.first_broken_id}: {report.reason} "
                f"({report.checked} entries before it are intact)"
            )
        head_id, head_hash = report.head
        reaches = "" if expect_head is None else f" (it still holds the expected #{expect_head[0]})"
        return f"audit chain intact: {report.checked} entries\nhead {head_id}:{head_hash}{reaches}"
