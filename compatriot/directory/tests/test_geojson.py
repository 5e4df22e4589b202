"""The public map layer is bounded: a box, a category, a limit that says when it cut."""

from __future__ import annotations

from typing import Any

from compatriot.directory.tests.factories import service_payload

MEDYKA_BOX = "22.9,49.7,23.2,49.9"  # Medyka's tent, not Przemyśl's station hall (22.78 E)


def test_the_map_layer_keeps_to_its_box_and_limit(client_a: Any, anonymous: Any) -> None:
    client_a.post("/directory/services", service_payload())
    client_a.post("/directory/services", service_payload(name="Legal desk", category="legal"))
    everything = anonymous.get("/directory/geojson").json()
    assert len(everything["features"]) == 4  # two services at two locations each
    assert everything["truncated"] is False
    boxed = anonymous.get(f"/directory/geojson?bbox={MEDYKA_BOX}").json()["features"]
    assert {f["properties"]["location"] for f in boxed} == {"Medyka tent 3"}
    legal = anonymous.get(f"/directory/geojson?bbox={MEDYKA_BOX}&category=legal").json()
    assert [f["properties"]["name"] for f in legal["features"]] == ["Legal desk"]
    cut = anonymous.get("/directory/geojson?limit=3").json()
    assert len(cut["features"]) == 3
    assert cut["truncated"] is True


def test_a_bad_box_is_refused_naming_the_field(anonymous: Any) -> None:
    for bad in ("1,2,3", "23,50,22,49.9x", "0,60,10,50"):
        answer = anonymous.get(f"/directory/geojson?bbox={bad}")
        assert answer.status_code in {400, 422}
        assert "bbox" in answer.content.decode()
    assert anonymous.get("/directory/geojson?limit=100000").status_code in {400, 422}
