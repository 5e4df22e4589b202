"""GET /persons: name search across scripts, the filters, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from compatriot.core.models import Crisis

NAMES = {
    "olena": ("Олена", "Коваленко"),
    "mohammed": ("Mohammed", "Ali"),
    "muhammad": ("Muhammad", "Bello"),
    "arabic": ("محمد", ""),
    "mammadov": ("Elvin", "Mammadov"),
    "cyrillic mamedov": ("Эльвин", "Мамедов"),
    "pooja": ("पूजा", "शर्मा"),
    "okafor": ("Chukwuemeka", "Okafor"),
}


@pytest.fixture
def people(client_a, client_b, register_person):
    """org_a's persons by label; org_b registers namesakes that org_a must never find."""
    ids = {
        label: register_person(client_a, given_name=given, family_name=family)["id"]
        for label, (given, family) in NAMES.items()
    }
    for given, family in [("Olena", "Kovalenko"), ("Mohammed", "Ali"), ("Pooja", "Sharma")]:
        register_person(client_b, given_name=given, family_name=family)
    return ids


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("Latin finds Cyrillic", "Olena Kovalenko", {"olena"}),
        ("Cyrillic finds Cyrillic", "Коваленко", {"olena"}),
        ("a token prefix", "Kova", {"olena"}),
        ("Arabic finds every transliteration", "محمد", {"arabic", "mohammed", "muhammad"}),
        ("Mohammed finds Arabic and Muhammad", "Mohammed", {"arabic", "mohammed", "muhammad"}),
        ("Muhammad finds Arabic and Mohammed", "muhammad", {"arabic", "mohammed", "muhammad"}),
        ("Mamedov finds Mammadov and Мамедов", "Mamedov", {"mammadov", "cyrillic mamedov"}),
        ("Мамедов finds Mammadov", "Мамедов", {"mammadov", "cyrillic mamedov"}),
        ("Latin finds Devanagari", "Pooja", {"pooja"}),
        ("two tokens must both match", "Mohammed Bello", {"muhammad"}),
        ("no one", "Zbigniew", set()),
    ],
)
def test_name_search_across_scripts(_case, query, expected, client_a, people):
    response = client_a.post("/persons/search", {"q": query})

    assert response.status_code == 200
    found = {item["id"] for item in response.json()["items"]}
    assert found == {people[label] for label in expected}
    assert response.json()["count"] == len(expected)


# Records whose Latin form anyascii alone spelled so that the other script's spelling missed
# them: Serbian đ (anyascii "d") against Cyrillic ђ ("dj"); Han and Hangul spelled as one word;
# Korean surnames in the Revised Romanization only (Gim, I, Bag) where passports write Kim, Lee,
# Park.
SCRIPTS = {
    "djordje cyrillic": ("Ђорђе", "Петровић"),
    "djordje latin": ("Đorđe", "Petrović"),
    "zhang wei": ("张伟", ""),
    "kim minjun": ("김민준", ""),
    "lee": ("서준", "이"),
    "park": ("지민", "박"),
    "lee latin": ("Seojun", "Lee"),
    "dang": ("Văn", "Đặng"),
}


@pytest.fixture
def scripts(client_a, register_person):
    return {
        label: register_person(client_a, given_name=given, family_name=family)["id"]
        for label, (given, family) in SCRIPTS.items()
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Đorđe", {"djordje cyrillic", "djordje latin"}),
        ("Ђорђе Петровић", {"djordje cyrillic", "djordje latin"}),
        ("Djordje", {"djordje cyrillic", "djordje latin"}),
        ("Dorde", {"djordje cyrillic", "djordje latin"}),
        ("Zhang Wei", {"zhang wei"}),
        ("Zhangwei", {"zhang wei"}),
        ("Kim Minjun", {"kim minjun"}),
        ("Minjun", {"kim minjun"}),
        ("Gim Min Jun", {"kim minjun"}),
        ("Lee Seojun", {"lee", "lee latin"}),
        ("이서준", {"lee", "lee latin"}),
        ("Park Jimin", {"park"}),
        ("Dang", {"dang"}),
        ("Djang", set()),
    ],
)
def test_name_search_across_serbian_han_and_hangul(query, expected, client_a, scripts):
    response = client_a.post("/persons/search", {"q": query})

    assert response.status_code == 200
    assert {item["id"] for item in response.json()["items"]} == {
        scripts[label] for label in expected
    }


def test_the_latin_form_of_han_and_hangul_is_spelled_a_syllable_a_word(client_a, register_person):
    chinese = register_person(client_a, given_name="伟", family_name="张伟")
    korean = register_person(client_a, given_name="민준", family_name="김")
    serbian = register_person(client_a, given_name="Đorđe", family_name="Ђорђевић")

    assert (chinese["given_name_latin"], chinese["family_name_latin"]) == ("Wei", "Zhang Wei")
    assert (korean["given_name_latin"], korean["family_name_latin"]) == ("Min Jun", "Gim")
    assert (serbian["given_name_latin"], serbian["family_name_latin"]) == ("Djordje", "Djordjevic")
    # As written, beside them.
    assert (korean["given_name"], korean["family_name"]) == ("민준", "김")


@pytest.mark.parametrize("query", ["Olena Kovalenko", "Mohammed", "Pooja"])
def test_name_search_of_org_b_finds_only_its_own(query, client_b, people):
    response = client_b.post("/persons/search", {"q": query})

    assert response.json()["count"] == 1
    assert response.json()["items"][0]["id"] not in people.values()


def test_name_search_in_the_body(client_a, people):
    response = client_a.post("/persons/search", {"q": "Kovalenko", "limit": 10})

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [people["olena"]]


@pytest.fixture
def other_crisis(db):
    return Crisis.objects.create(name="Sudan", kind="conflict", started_on=dt.date(2023, 4, 15))


@pytest.fixture
def varied(client_a, client_b, register_person, other_crisis):
    """Four org_a persons that differ in one filtered attribute each, and an org_b person
    that matches every filter."""
    ids = {
        "plain": register_person(client_a)["id"],
        "ukrainian in Poland": register_person(
            client_a,
            nationalities=["UKR"],
            country="PL",
            journey_stage="at_destination",
            phones=[],
            latitude=None,
            longitude=None,
        )["id"],
        "vulnerable": register_person(
            client_a,
            vulnerabilities=[{"code": "unaccompanied_child"}],
            needs=[{"category": "shelter"}, {"category": "food"}],
        )["id"],
        "other crisis": register_person(client_a, crisis_id=str(other_crisis.id))["id"],
    }
    register_person(
        client_b,
        nationalities=["UA"],
        country="PL",
        journey_stage="at_destination",
        vulnerabilities=[{"code": "unaccompanied_child"}],
        needs=[{"category": "shelter"}],
        crisis_id=str(other_crisis.id),
    )
    return ids


@pytest.mark.parametrize(
    ("_case", "filters", "expected"),
    [
        ("crisis", {"crisis": "other"}, {"other crisis"}),
        ("nationality alpha-2", {"nationality": "UA"}, {"ukrainian in Poland"}),
        ("nationality alpha-3", {"nationality": "ukr"}, {"ukrainian in Poland"}),
        ("nationality of many", {"nationality": "NG"}, {"plain", "vulnerable", "other crisis"}),
        ("journey stage", {"journey_stage": "at_destination"}, {"ukrainian in Poland"}),
        ("vulnerability", {"vulnerability": "unaccompanied_child"}, {"vulnerable"}),
        ("open need", {"need": "shelter"}, {"vulnerable"}),
        ("country alpha-3", {"country": "POL"}, {"ukrainian in Poland"}),
        ("two filters", {"country": "UA", "crisis": "other"}, {"other crisis"}),
        ("no match", {"need": "legal"}, set()),
    ],
)
def test_filters(_case, filters, expected, client_a, varied, other_crisis):
    if filters.get("crisis") == "other":
        filters = {**filters, "crisis": str(other_crisis.id)}

    response = client_a.get("/persons", **filters)

    assert response.status_code == 200
    assert {item["id"] for item in response.json()["items"]} == {
        varied[label] for label in expected
    }
    assert response.json()["count"] == len(expected)


def test_a_met_need_no_longer_matches(client_a, varied):
    person_id = varied["vulnerable"]
    shelter = next(
        need
        for need in client_a.get(f"/persons/{person_id}").json()["needs"]
        if need["category"] == "shelter"
    )
    client_a.patch(f"/persons/{person_id}/needs/{shelter['id']}", {"status": "met"})

    assert client_a.get("/persons", need="shelter").json()["count"] == 0
    assert client_a.get("/persons", need="food").json()["count"] == 1


@pytest.mark.parametrize(
    ("_case", "filters", "field"),
    [
        ("unknown nationality", {"nationality": "XX"}, "nationality"),
        ("unknown country", {"country": "Narnia"}, "country"),
        ("unknown journey stage", {"journey_stage": "lost"}, "journey_stage"),
        ("unknown vulnerability", {"vulnerability": "sad"}, "vulnerability"),
        ("unknown need", {"need": "pony"}, "need"),
        ("crisis not a UUID", {"crisis": "sudan"}, "crisis"),
        ("overlong name query", {"q": "a" * 201}, "q"),
    ],
)
def test_bad_filters_are_named(_case, filters, field, client_a):
    response = client_a.get("/persons", **filters)

    assert response.status_code == 422
    assert response.json()["field"] == field


# Authenticate (1), find the sharing agreements (1), count (1), the page (1), its vulnerabilities,
# needs and consents (3), then the audit entry: the selector's savepoint (the test runs in a
# transaction), the chain's last hash and the insert (on PostgreSQL one statement that also takes
# the chain's lock), release.
LIST_QUERIES = {"sqlite": 11, "postgresql": 10}


def test_the_list_costs_the_same_queries_for_1_or_21_persons(
    client_a, register_person, django_assert_num_queries
):
    details = {
        "vulnerabilities": [{"code": "disability"}],
        "needs": [{"category": "health"}],
        "consents": [{"scope": "registration", "method": "written"}],
    }
    register_person(client_a, **details)
    client_a.get("/persons")  # records the token's use, which happens once a minute

    with django_assert_num_queries(LIST_QUERIES[connection.vendor]):
        assert client_a.get("/persons", need="health").json()["count"] == 1

    for index in range(20):
        register_person(client_a, given_name=f"Name{index}", **details)

    with django_assert_num_queries(LIST_QUERIES[connection.vendor]):
        response = client_a.get("/persons", need="health")
    assert response.json()["count"] == 21
    assert {len(item["needs"]) for item in response.json()["items"]} == {1}


def test_a_name_in_the_url_is_refused_with_the_way_to_search(client_a, register_person) -> None:
    register_person(client_a, given_name="Olena", family_name="Kovalenko")
    response = client_a.get("/persons", q="Kovalenko")
    assert response.status_code == 422
    assert response.json()["field"] == "q"
    assert "POST /persons/search" in response.json()["message"]
    assert "items" not in response.json()
