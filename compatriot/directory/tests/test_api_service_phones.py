"""A service's phones through the API: E.164 with the extension kept apart, short codes and
numbers with letters as written, and national numbers read with the service's default region."""

from __future__ import annotations

from typing import Any

import pytest

from compatriot.core.models import Organisation
from compatriot.directory.models import Phone, Service
from compatriot.directory.phones import phone_regions
from compatriot.directory.tests.factories import service_payload

LVIV = {"name": "Lviv station", "latitude": 49.8397, "longitude": 24.0297, "country": "UA"}


def test_an_extension_is_kept_apart_and_answered_with_its_number(client_a: Any) -> None:
    phones = [
        "+48 22 123 45 67 ext. 89",
        "+48 22 123 45 67 x\u0669",  # the extension in Arabic-Indic digits
        "+48 22 123 45 68",
        "112",
        "116 000",
        "+1 800 FLOWERS",
    ]
    created = client_a.post("/directory/services", service_payload(phones=phones))
    assert created.status_code == 201, created.json()
    service = created.json()

    texts = [
        "+48221234567 ext. 89",
        "+48221234567 ext. 9",
        "+48221234568",
        "112",
        "116 000",
        "+1 800 FLOWERS",  # its letters kept: E.164 would give their keypad's digits
    ]
    assert service["phones"] == texts
    assert service["phone_numbers"][:3] == [
        {"number": "+48221234567", "extension": "89"},
        {"number": "+48221234567", "extension": "9"},
        {"number": "+48221234568", "extension": ""},
    ]
    assert sorted(Phone.objects.values_list("number", "extension")) == sorted(
        (p["number"], p["extension"]) for p in service["phone_numbers"]
    )
    # What is answered may be sent back as it is, and reads the same.
    again = service_payload(phones=service["phones"])
    del again["organization"]
    replaced = client_a._send("put", f"/directory/services/{service['id']}", again)
    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["phones"] == texts
    assert client_a.get(f"/directory/services/{service['id']}").json()["phones"] == texts


@pytest.mark.parametrize(
    ("phones", "message"),
    [
        (["+48 22 123 45 67", "call the desk"], "phone 2: "),
        (["+48 22 12"], "phone 1: is not a valid telephone number"),
        (["999 999 999 999 999 999"], "phone 1: "),
        ([" "], None),
    ],
)
def test_a_phone_that_is_no_number_is_refused_and_nothing_is_written(
    client_a: Any, phones: list[str], message: str | None
) -> None:
    answer = client_a.post("/directory/services", service_payload(phones=phones))
    assert answer.status_code == 422, answer.json()
    assert answer.json()["field"].startswith("phones")
    if message:
        assert answer.json()["message"].startswith(message)
    assert not Service.objects.exists()
    assert not Phone.objects.exists()


def test_a_service_without_a_location_reads_national_numbers_with_its_managers_country(
    client_a: Any, org_a: Organisation
) -> None:
    # The service's own locations first (Ukraine), over the manager's country (Poland).
    in_lviv = client_a.post(
        "/directory/services", service_payload(locations=[LVIV], phones=["044 123 4567"])
    )
    assert in_lviv.json()["phones"] == ["+380441234567"]

    # No location at all: org_a operates in Poland only.
    hotline = service_payload(
        organization={"name": "Hotline", "description": "-"},
        locations=[],
        phones=["22 123 45 67", "116 123"],
    )
    created = client_a.post("/directory/services", hotline)
    assert created.status_code == 201, created.json()
    assert created.json()["phones"] == ["+48221234567", "116 123"]

    # Operating in two countries tells no single one: a national number is refused, by name.
    org_a.operating_countries = ["PL", "UA"]
    org_a.save()
    hotline["organization"] = {"name": "Second hotline", "description": "-"}
    refused = client_a.post("/directory/services", hotline)
    assert refused.status_code == 422
    assert refused.json()["field"] == "phones"
    assert "needs an international prefix" in refused.json()["message"]


def test_the_default_region_is_the_nearest_level_naming_one_country() -> None:
    assert phone_regions(["pl"], ["UA"], ["DE"]) == ("PL",)
    assert phone_regions([""], ["UA", "UA"], ["DE"]) == ("UA",)
    assert phone_regions([""], ["UA", "PL"], [], ["DE"]) == ("DE",)
    assert phone_regions([""], ["UA", "PL"], ["DE", "FR"]) == ()
    assert phone_regions() == ()
