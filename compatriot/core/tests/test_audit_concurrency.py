"""Appends from many connections at once keep one unbroken chain: the chain's lock serialises
them on PostgreSQL (SQLite serialises writers with BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from compatriot.core.audit import audit_record, audit_verify
from compatriot.core.models import AuditAction, AuditEntry
from compatriot.core.viewer import Viewer

WRITERS, EACH = 6, 15


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain() -> None:
    actor = Viewer(None, None, None, None, purpose="concurrency test")
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            start.wait()
            for index in range(EACH):
                with transaction.atomic():
                    audit_record(
                        actor,
                        action=AuditAction.CREATE,
                        object_type="test",
                        object_id=f"{writer}-{index}",
                    )
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEntry.objects.count() == WRITERS * EACH
    hashes = list(AuditEntry.objects.values_list("previous_hash", flat=True))
    assert len(set(hashes)) == len(hashes)  # no two entries hang off the same link: no fork
    report = audit_verify()
    assert report.is_intact, report.reason
    assert report.checked == WRITERS * EACH
