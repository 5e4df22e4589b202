"""Who sees whom: a person is visible to the registering organisation, and to a recipient only
under an active sharing agreement AND the person's active sharing consent for the recipient's kind;
never to a state of origin if a refugee or asylum seeker. Out of scope is 404, as if absent."""

from __future__ import annotations

import datetime as dt

import pytest

from compatriot.core.models import Crisis, Organisation, OrganisationKind, Role
from compatriot.people.models import Person

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def sharing_consent(*kinds):
    return {"scope": "sharing", "method": "verbal", "partner_kinds": list(kinds)}


def visible(client, person_id):
    """Whether `client` sees the person, checked on every door: get, list and name search."""
    got = client.get(f"/persons/{person_id}")
    listed = client.get("/persons").json()
    searched = client.post("/persons/search", {"q": "Okafor"}).json()
    in_list = [item["id"] for item in listed["items"]] == [person_id]
    in_search = [item["id"] for item in searched["items"]] == [person_id]
    assert got.status_code in {200, 404}
    assert (got.status_code == 200) == in_list == in_search == (listed["count"] == 1)
    return got.status_code == 200


def test_another_organisations_person_does_not_exist_for_org_b(client_a, client_b, register_person):
    person_id = register_person(client_a)["id"]

    got = client_b.get(f"/persons/{person_id}")
    unknown = client_b.get(f"/persons/{UNKNOWN_ID}")

    assert got.status_code == unknown.status_code == 404
    assert got.content == unknown.content
    assert client_b.get("/persons").json() == {"count": 0, "offset": 0, "limit": 50, "items": []}
    assert client_a.get("/persons").json()["count"] == 1
    assert visible(client_a, person_id)
    assert not visible(client_b, person_id)


def test_shared_with_consent_is_readable_but_not_writable(
    client_a, client_b, register_person, share, org_b, row_counts
):
    person = register_person(client_a, consents=[sharing_consent("ngo")])
    share(org_b)

    assert visible(client_b, person["id"])
    assert client_b.get(f"/persons/{person['id']}").json() == person
    before = row_counts()
    writes = [
        client_b.patch(f"/persons/{person['id']}", {"place_name": "Lviv"}),
        client_b.post(f"/persons/{person['id']}/needs", {"category": "food"}),
        client_b.post(f"/persons/{person['id']}/vulnerabilities", {"code": "pregnant"}),
        client_b.post(f"/persons/{person['id']}/consents", {"scope": "alerts", "method": "verbal"}),
    ]
    assert [response.status_code for response in writes] == [403, 403, 403, 403]
    assert {response.json()["code"] for response in writes} == {"PERMISSION_DENIED"}
    assert row_counts() == before
    assert Person.objects.get(id=person["id"]).place_name == "Kharkiv"


def test_withdrawing_consent_hides_the_person_at_once(
    client_a, client_b, register_person, share, org_b
):
    person = register_person(client_a, consents=[sharing_consent("ngo", "consulate")])
    other = register_person(client_a, given_name="Adaeze", consents=[sharing_consent("ngo")])
    share(org_b)
    assert client_b.get("/persons").json()["count"] == 2
    consent_id = person["consents"][0]["id"]

    withdrawn = client_a.post(f"/persons/{person['id']}/consents/{consent_id}/withdraw")

    assert withdrawn.status_code == 200
    assert client_b.get(f"/persons/{person['id']}").status_code == 404
    listed = client_b.get("/persons").json()
    assert (listed["count"], [item["id"] for item in listed["items"]]) == (1, [other["id"]])
    assert client_a.get("/persons").json()["count"] == 2


@pytest.mark.parametrize(
    ("_case", "consents", "expected"),
    [
        ("consent names the recipient's kind", [sharing_consent("consulate", "ngo")], True),
        (
            "consent names other kinds only",
            [sharing_consent("consulate", "international_organisation")],
            False,
        ),
        ("no consent", [], False),
        ("consent for another purpose", [{"scope": "family_tracing", "method": "written"}], False),
    ],
)
def test_consent_decides_what_is_shared(
    _case, consents, expected, client_a, client_b, register_person, share, org_b
):
    person_id = register_person(client_a, consents=consents)["id"]
    share(org_b)

    assert visible(client_b, person_id) is expected


def test_a_revoked_agreement_shares_nothing(client_a, client_b, register_person, share, org_b):
    person_id = register_person(client_a, consents=[sharing_consent("ngo")])["id"]
    agreement_id = share(org_b)
    assert visible(client_b, person_id)

    revoked = share.coordinator.post(f"/sharing-agreements/{agreement_id}/revoke")

    assert revoked.status_code == 200
    assert not visible(client_b, person_id)


@pytest.mark.parametrize(
    ("_case", "same_crisis", "expected"),
    [("this crisis", True, True), ("another crisis", False, False)],
)
def test_an_agreement_limited_to_a_crisis(
    _case, same_crisis, expected, client_a, client_b, register_person, share, org_b, crisis
):
    person_id = register_person(client_a, consents=[sharing_consent("ngo")])["id"]
    other = Crisis.objects.create(name="Sudan", kind="conflict", started_on=dt.date(2023, 4, 15))

    share(org_b, crisis=crisis if same_crisis else other)

    assert visible(client_b, person_id) is expected


def test_sharing_goes_one_way(client_a, make_client, org_a, org_b, register_person, client_b):
    person_id = register_person(
        client_a, consents=[sharing_consent("ngo", "diaspora_organisation")]
    )["id"]
    b_manager = make_client(org_b, Role.ADMIN)

    response = b_manager.post(
        "/sharing-agreements", {"recipient_id": str(org_a.id), "purpose": "x"}
    )

    assert response.status_code == 201
    assert not visible(client_b, person_id)


@pytest.mark.parametrize("kind", [OrganisationKind.CONSULATE, OrganisationKind.GOVERNMENT])
@pytest.mark.parametrize(
    ("_case", "category", "expected"),
    [("refugee", "refugee_or_asylum_seeker", False), ("student", "student", True)],
)
def test_a_state_of_origin_never_sees_refugees(
    _case, category, expected, kind, client_a, make_client, register_person, share
):
    state = Organisation.objects.create(name="Embassy of Nigeria", kind=kind)
    person_id = register_person(
        client_a, category=category, consents=[sharing_consent(kind, "ngo")]
    )["id"]
    share(state)

    assert visible(make_client(state, Role.VIEWER), person_id) is expected


def test_a_person_who_becomes_a_refugee_is_hidden_from_the_consulate(
    client_a, make_client, register_person, share
):
    consulate = Organisation.objects.create(name="Consulate", kind=OrganisationKind.CONSULATE)
    person = register_person(client_a, consents=[sharing_consent("consulate")])
    share(consulate)
    consul = make_client(consulate, Role.CASEWORKER)
    assert visible(consul, person["id"])

    changed = client_a.patch(f"/persons/{person['id']}", {"category": "refugee_or_asylum_seeker"})

    assert changed.status_code == 200
    assert not visible(consul, person["id"])


def test_household_of_another_organisation_is_not_found(client_a, client_b, crisis, person_payload):
    member = {k: v for k, v in person_payload(relationship="head").items() if k != "crisis_id"}
    household = client_a.post(
        "/households", {"crisis_id": str(crisis.id), "members": [member]}
    ).json()

    got = client_b.get(f"/households/{household['id']}")
    unknown = client_b.get(f"/households/{UNKNOWN_ID}")

    assert got.status_code == unknown.status_code == 404
    assert got.content == unknown.content
    assert client_b.get("/persons", household=household["id"]).json()["count"] == 0


def test_a_shared_household_shows_only_consenting_members(
    client_a, client_b, crisis, person_payload, share, org_b
):
    def member(relationship, **overrides):
        data = person_payload(relationship=relationship, **overrides)
        return {k: v for k, v in data.items() if k != "crisis_id"}

    household = client_a.post(
        "/households",
        {
            "crisis_id": str(crisis.id),
            "members": [
                member("head", consents=[sharing_consent("ngo")]),
                member("spouse", given_name="Ngozi"),
            ],
        },
    ).json()
    share(org_b)

    response = client_b.get(f"/households/{household['id']}")

    assert response.status_code == 200
    assert [m["given_name"] for m in response.json()["members"]] == ["Chukwuemeka"]
    assert len(client_a.get(f"/households/{household['id']}").json()["members"]) == 2
    # Seen but not org_b's: refused as for persons (403), not hidden (404).
    assert client_b.patch(f"/households/{household['id']}", {"label": "x"}).status_code == 403
