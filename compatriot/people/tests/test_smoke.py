from __future__ import annotations

def test_smoke(client_a, client_b, person_payload):
    r = client_a.post("/persons", person_payload())
    print(r.status_code, r.json())
    assert r.status_code == 201
    pid = r.json()["id"]
    r = client_a.get("/persons", q="Окафор")
    print(r.json()["count"])
    r = client_b.get(f"/persons/{pid}")
    print(r.status_code, r.json())
    r = client_a.post("/persons", person_payload(birth_date="2001-02-30", phones=["12"], nationalities=["XX"]))
    print(r.status_code, r.json())
