"""Services through the API, and the search near a point."""

from __future__ import annotations

from typing import Any

from compatriot.directory.tests.factories import profile_payload, service_payload

PRZEMYSL = {"latitude": 49.7839, "longitude": 22.7677}


def test_service_crud_and_scope(client_a: Any, client_b: Any, anonymous: Any) -> None:
    created = client_a.post("/directory/services", service_payload())
    assert created.status_code == 201, created.json()
    service = created.json()
    assert service["serves_third_country_nationals"] is True
    assert service["required_documents"] == ["Any identity document, or none"]
    assert anonymous.get(f"/directory/services/{service['id']}").status_code == 200
    replacement = service_payload(status="temporarily closed")
    del replacement["organization"]
    assert (
        client_b._send("put", f"/directory/services/{service['id']}", replacement).status_code
        == 404
    )
    replaced = client_a._send("put", f"/directory/services/{service['id']}", replacement)
    assert replaced.json()["status"] == "temporarily closed"
    assert client_b.delete(f"/directory/services/{service['id']}").status_code == 404
    assert client_a.delete(f"/directory/services/{service['id']}").status_code == 204
    assert anonymous.get(f"/directory/services/{service['id']}").status_code == 404


def test_bad_service_input_names_the_field(client_a: Any) -> None:
    answer = client_a.post("/directory/services", service_payload(minimum_age=30, maximum_age=5))
    assert answer.status_code == 422
    assert answer.json()["field"] == "maximum_age"
    answer = client_a.post(
        "/directory/services", service_payload(schedules=[{"opens_at": "25:00"}])
    )
    assert answer.json()["field"] == "schedules[0].opens_at"


def test_search_near_ranks_by_distance_and_filters(client_a: Any) -> None:
    client_a.post("/directory/services", service_payload())
    client_a.post(
        "/directory/services",
        service_payload(
            name="Legal aid Lviv", category="legal", languages=["uk"],
            locations=[{"name": "Lviv", "latitude": 49.8397, "longitude": 24.0297}],
        ),
    )  # fmt: skip
    client_a.post("/directory/profiles", profile_payload())  # Lublin, ~160 km away
    near = client_a.post("/directory/near", {**PRZEMYSL, "radius_km": 100}).json()
    assert [s["service"]["name"] for s in near["services"]] == [
        "Night shelter at the Medyka crossing",
        "Legal aid Lviv",
    ]
    assert near["services"][0]["distance_km"] < 1
    assert near["profiles"] == []
    legal = client_a.post("/directory/near", {**PRZEMYSL, "radius_km": 100, "category": "legal"})
    assert [s["service"]["name"] for s in legal.json()["services"]] == ["Legal aid Lviv"]
    beds = client_a.post(
        "/directory/near",
        {**PRZEMYSL, "radius_km": 200, "capacity": "shelter_beds", "min_quantity": 10},
    ).json()
    assert [p["profile"]["city"] for p in beds["profiles"]] == ["Lublin"]
    assert beds["services"] == []
    too_many = client_a.post(
        "/directory/near",
        {**PRZEMYSL, "radius_km": 200, "capacity": "shelter_beds", "min_quantity": 13},
    ).json()
    assert too_many["profiles"] == []


def test_search_near_rejects_bad_points(client_a: Any) -> None:
    answer = client_a.post("/directory/near", {"latitude": 91, "longitude": 0})
    assert answer.status_code == 422
    assert answer.json()["field"] == "latitude"


def test_the_search_follows_every_change_of_a_service(client_a: Any) -> None:
    """The search rows are rebuilt by each write: a closed service leaves the search, a moved
    one is found where it went, a deleted one leaves no row behind."""
    from compatriot.directory.models import ServicePoint

    near_medyka = {"latitude": 49.8035, "longitude": 23.0979, "radius_km": 5}
    service = client_a.post("/directory/services", service_payload()).json()

    def found(where: dict[str, float]) -> list[str]:
        answer = client_a.post("/directory/near", where).json()
        return [s["service"]["id"] for s in answer["services"]]

    assert found(near_medyka) == [service["id"]]
    closed = service_payload(status="temporarily closed")
    del closed["organization"]
    client_a._send("put", f"/directory/services/{service['id']}", closed)
    assert found(near_medyka) == []
    moved = service_payload(locations=[{"name": "Lviv station", "latitude": 49.8397,
                                        "longitude": 24.0297}])  # fmt: skip
    del moved["organization"]
    client_a._send("put", f"/directory/services/{service['id']}", moved)
    assert found(near_medyka) == []
    assert found({"latitude": 49.84, "longitude": 24.03, "radius_km": 5}) == [service["id"]]
    assert ServicePoint.objects.count() == 1
    client_a.delete(f"/directory/services/{service['id']}")
    assert ServicePoint.objects.count() == 0
