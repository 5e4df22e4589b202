"""The public concern form's protections, and attachments that cannot hurt anyone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from compatriot.cases.models import Attachment, Concern
from compatriot.core.models import Organisation
from conftest import ApiClient

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def receipt(
    anonymous: ApiClient, nrm: Organisation, concern_payload: Callable[..., dict[str, Any]]
) -> dict[str, str]:
    return anonymous.post("/public/concerns", concern_payload()).json()


def _upload(receipt: dict[str, str], name: str, content: bytes) -> Any:
    return Client().post(
        "/api/v1/public/concerns/attachments",
        {
            "reference": receipt["reference"],
            "follow_key": receipt["follow_key"],
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
        },
    )


def test_a_bot_filling_the_honeypot_is_refused(
    anonymous: ApiClient, nrm: Organisation, concern_payload: Callable[..., dict[str, Any]]
) -> None:
    response = anonymous.post("/public/concerns", concern_payload(website="http://spam.example"))
    assert response.status_code == 422
    assert response.json()["field"] == "website"
    assert Concern.objects.count() == 0


def test_public_reports_are_rate_limited(
    settings: Any,
    anonymous: ApiClient,
    nrm: Organisation,
    concern_payload: Callable[..., dict[str, Any]],
) -> None:
    settings.CASES_PUBLIC_REPORTS_PER_HOUR = 3
    codes = [anonymous.post("/public/concerns", concern_payload()).status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert Concern.objects.count() == 3


def test_bad_concerns_name_the_field(
    anonymous: ApiClient, nrm: Organisation, concern_payload: Callable[..., dict[str, Any]]
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"kind": "gossip"}, "kind"),
        ({"country": "XX"}, "country"),
        ({"people_affected": 0}, "people_affected"),
        ({"latitude": 50.0}, "longitude"),
        ({"description": "\x00"}, "description"),
        ({"crisis_id": "5b0e3f4c-1e1f-4bb4-9a3e-0c6a1e2b7f10"}, "crisis_id"),
    ]
    for overrides, field in cases:
        response = anonymous.post("/public/concerns", concern_payload(**overrides))
        assert response.status_code == 422, overrides
        assert response.json()["field"] == field, response.json()
    assert Concern.objects.count() == 0


def test_a_valid_attachment_is_stored_outside_the_web_root_and_downloaded_as_a_file(
    receipt: dict[str, str], nrm_worker: ApiClient, client_b: ApiClient, settings: Any
) -> None:
    response = _upload(receipt, "photo of the crossing.png", PNG)
    assert response.status_code == 201, response.json()
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    stored = Path(settings.CASES_ATTACHMENT_DIR) / attachment.stored_name
    assert stored.read_bytes() == PNG
    assert Path(settings.STATIC_ROOT) not in stored.parents

    download = nrm_worker.client.get(
        f"/api/v1/attachments/{attachment.id}/download", headers=nrm_worker.headers
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.getvalue() == PNG
    other = client_b.client.get(
        f"/api/v1/attachments/{attachment.id}/download", headers=client_b.headers
    )
    assert other.status_code == 404


def test_a_script_renamed_pdf_is_refused(receipt: dict[str, str], settings: Any) -> None:
    response = _upload(receipt, "report.pdf", b"#!/bin/sh\nrm -rf /\n")
    assert response.status_code == 422
    assert response.json()["field"] == "file"
    html = _upload(receipt, "report.pdf", b"<html><script>alert(1)</script></html>")
    assert html.status_code == 422
    assert Attachment.objects.count() == 0
    folder = Path(settings.CASES_ATTACHMENT_DIR)
    assert not folder.exists() or not any(folder.iterdir())  # nothing left on disk


def test_an_oversized_file_is_refused(receipt: dict[str, str], settings: Any) -> None:
    settings.CASES_ATTACHMENT_MAX_BYTES = 1000
    response = _upload(receipt, "big.pdf", PDF + b"0" * 2000)
    assert response.status_code == 422
    assert "larger than" in response.json()["message"]
    assert Attachment.objects.count() == 0


def test_a_path_traversal_name_is_neutralised(receipt: dict[str, str], settings: Any) -> None:
    response = _upload(receipt, "../../../etc/passwd.pdf", PDF)
    assert response.status_code == 201, response.json()
    attachment = Attachment.objects.get()
    assert attachment.original_name == "passwd.pdf"
    assert (Path(settings.CASES_ATTACHMENT_DIR) / attachment.stored_name).exists()
    # A name that lies about the type gets the type's own extension.
    _upload(receipt, "invoice.exe", PNG)
    assert Attachment.objects.filter(original_name="invoice.png").exists()


def test_only_the_reporter_with_the_key_can_attach(receipt: dict[str, str]) -> None:
    response = _upload(receipt | {"follow_key": "not-the-right-key"}, "a.png", PNG)
    assert response.status_code == 404
    malformed = _upload(receipt | {"reference": "PC-\x00AB"}, "a.png", PNG)
    assert malformed.status_code == 422
    assert malformed.json()["field"] == "reference"
    assert Attachment.objects.count() == 0
