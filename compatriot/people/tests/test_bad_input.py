"""What people and programs really send. Every mistake is a 4xx naming the field, never a 500,
and nothing is written; names in any script are valid and kept as written."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from compatriot.people.models import Person

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
TOMORROW = (dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("_case", "overrides", "field"),
    [
        # wrong types
        ("number for a name", {"given_name": 123}, "given_name"),
        ("object for a name", {"family_name": {"first": "Okafor"}}, "family_name"),
        ("string for latitude", {"latitude": "fifty north"}, "latitude"),
        ("list for sex", {"sex": ["male"]}, "sex"),
        ("string for nationalities", {"nationalities": "NG"}, "nationalities"),
        ("number for a phone", {"phones": [380501234567]}, "phones[0]"),
        ("number for crisis_id", {"crisis_id": 7}, "crisis_id"),
        ("crisis_id not a UUID", {"crisis_id": "kharkiv"}, "crisis_id"),
        # unknown enum values
        ("unknown sex", {"sex": "yes"}, "sex"),
        ("unknown journey stage", {"journey_stage": "lost"}, "journey_stage"),
        ("unknown category", {"category": "tourist"}, "category"),
        ("unknown source", {"source": "pigeon"}, "source"),
        (
            "unknown vulnerability",
            {"vulnerabilities": [{"code": "sad"}]},
            "vulnerabilities[0].code",
        ),
        (
            "unknown need",
            {"needs": [{"category": "food"}, {"category": "pony"}]},
            "needs[1].category",
        ),
        # unknown codes
        ("unknown nationality", {"nationalities": ["NG", "XX"]}, "nationalities[1]"),
        ("unknown alpha-3 country", {"country": "ZZZ"}, "country"),
        ("country name for a code", {"country": "Ukraine"}, "country"),
        ("unknown language", {"languages": ["en", "zz"]}, "languages[1]"),
        # control characters
        ("null byte in a name", {"given_name": "Chukwu\x00emeka"}, "given_name"),
        ("bell in a name", {"family_name": "Oka\x07for"}, "family_name"),
        ("escape sequence in a name", {"family_name": "\x1b[31mOkafor"}, "family_name"),
        ("newline in a name", {"given_name": "Chukwu\nemeka"}, "given_name"),
        ("DEL in a place", {"place_name": "Khar\x7fkiv"}, "place_name"),
        ("null byte in a phone", {"phones": ["+380\x0050 123 4567"]}, "phones"),
        ("null byte in source_record_id", {"source_record_id": "row\x001"}, "source_record_id"),
        # dates
        ("30 February", {"birth_date": "2001-02-30"}, "birth_date"),
        ("month 13", {"birth_date": "2001-13"}, "birth_date"),
        ("month 0", {"birth_date": "2001-00"}, "birth_date"),
        ("day 0", {"birth_date": "2001-02-00"}, "birth_date"),
        ("month and day 0", {"birth_date": "2001-00-00"}, "birth_date"),
        ("year 0", {"birth_date": "0000"}, "birth_date"),
        ("future year", {"birth_date": "2999"}, "birth_date"),
        ("tomorrow", {"birth_date": TOMORROW}, "birth_date"),
        ("before 1900", {"birth_date": "1899-12-31"}, "birth_date"),
        ("day first", {"birth_date": "30/01/2001"}, "birth_date"),
        ("timestamp", {"birth_date": "2001-01-30T00:00:00"}, "birth_date"),
        # coordinates
        ("latitude without longitude", {"longitude": None}, "longitude"),
        ("longitude without latitude", {"latitude": None}, "latitude"),
        ("latitude beyond the pole", {"latitude": 90.5}, "latitude"),
        ("longitude beyond the date line", {"longitude": -180.01}, "longitude"),
        # the rest
        ("no name", {"given_name": " ", "family_name": ""}, "given_name"),
        ("invalid phone", {"phones": ["12"]}, "phones"),
        ("too many phones", {"phones": ["+380501234567"] * 6}, "phones"),
        ("invalid e-mail", {"email": "okafor@"}, "email"),
        ("source_record_id with spaces", {"source_record_id": "row 1"}, "source_record_id"),
        ("unknown field", {"favourite_colour": "green"}, "favourite_colour"),
        ("server-set field", {"registered_by_id": UNKNOWN_ID}, "registered_by_id"),
        ("name of 201 characters", {"given_name": "a" * 201}, "given_name"),
    ],
)
def test_bad_person_is_refused_and_named(
    _case, overrides, field, client_a, person_payload, row_counts
):
    before = row_counts()

    response = client_a.post("/persons", person_payload(**overrides))

    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("INVALID", field)
    assert body["errors"][0]["field"] == field
    assert row_counts() == before


def test_ten_megabytes_are_refused_before_parsing(client_a, person_payload, row_counts):
    before = row_counts()

    response = client_a.post("/persons", person_payload(given_name="x" * 10_000_000))

    assert response.status_code == 413
    assert response.json() == {
        "code": "TOO_LARGE",
        "field": None,
        "message": "The request body is too large.",
    }
    assert row_counts() == before


def test_a_long_string_within_the_body_limit_is_refused_cheaply(
    client_a, person_payload, row_counts
):
    before = row_counts()

    response = client_a.post("/persons", person_payload(family_name="x" * 2_000_000))

    assert response.status_code == 422
    assert response.json()["field"] == "family_name"
    assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "raw", "status", "code", "field"),
    [
        ("malformed JSON", '{"given_name": "Okafor",', 400, "HTTP_ERROR", None),
        ("not JSON at all", "given_name=Okafor", 400, "HTTP_ERROR", None),
        ("a JSON list", "[1, 2]", 422, "INVALID", None),
        ("JSON null", "null", 422, "INVALID", None),
        ("NaN latitude", "NAN", 422, "INVALID", "latitude"),
        ("Infinity longitude", "INFINITY", 422, "INVALID", "longitude"),
    ],
)
def test_malformed_bodies(_case, raw, status, code, field, client_a, person_payload, row_counts):
    if raw == "NAN":
        raw = json.dumps(person_payload(latitude=float("nan")))
    elif raw == "INFINITY":
        raw = json.dumps(person_payload(longitude=float("inf")))
    before = row_counts()

    response = client_a.post("/persons", raw)

    assert response.status_code == status
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "given", "family", "stored_given", "stored_family", "latin_given", "latin_family"),
    [
        ("Arabic", "محمد", "حسن", "محمد", "حسن", "Mhmd", "Hsn"),
        ("Hebrew", "דוד", "כהן", "דוד", "כהן", "Dvd", "Khhn"),
        (
            "mixed scripts",
            "Олена",
            "Коваленко-Smith",
            "Олена",
            "Коваленко-Smith",
            "Olena",
            "Kovalenko-Smith",
        ),
        ("Devanagari", "पूजा", "", "पूजा", "", "Puja", ""),
        ("Vietnamese", "Nguyễn Văn", "An", "Nguyễn Văn", "An", "Nguyen Van", "An"),
        (
            "right-to-left override",
            "\u202eمحمد\u202c",
            "Ok\u202dafor",
            "محمد",
            "Okafor",
            "Mhmd",
            "Okafor",
        ),
        ("isolates", "\u2067محمد\u2069", "\u2066Okafor\u2069", "محمد", "Okafor", "Mhmd", "Okafor"),
        (
            "right-to-left mark kept",
            "محمد\u200f",
            "Okafor",
            "محمد\u200f",
            "Okafor",
            "Mhmd",
            "Okafor",
        ),
    ],
)
def test_names_in_any_script_are_kept_as_written(
    _case,
    given,
    family,
    stored_given,
    stored_family,
    latin_given,
    latin_family,
    client_a,
    person_payload,
):
    response = client_a.post("/persons", person_payload(given_name=given, family_name=family))

    assert response.status_code == 201
    person = Person.objects.get(id=response.json()["id"])
    assert (person.given_name, person.family_name) == (stored_given, stored_family)
    assert (person.given_name_latin, person.family_name_latin) == (latin_given, latin_family)
    body = response.json()
    assert (body["given_name"], body["family_name"]) == (stored_given, stored_family)
    assert (body["given_name_latin"], body["family_name_latin"]) == (latin_given, latin_family)


INJECTIONS = [
    "Robert'); DROP TABLE people_person;--",
    "' OR '1'='1",
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "{{ settings.SECRET_KEY }}",
    "%(password)s",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_are_stored_literally(
    text, client_a, client_b, person_payload, register_person
):
    register_person(client_b)

    response = client_a.post("/persons", person_payload(family_name=text, place_name=text))

    assert response.status_code == 201
    person = Person.objects.get(id=response.json()["id"])
    assert (person.family_name, person.place_name) == (text, text)
    assert client_a.get(f"/persons/{person.id}").json()["family_name"] == text
    assert client_a.get("/persons").json()["count"] == 1
    assert client_a.post("/persons/search", {"q": text}).json()["count"] == 1
    assert client_b.post("/persons/search", {"q": text}).json()["count"] == 0
    assert Person.objects.count() == 2


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_a_search_match_nothing_and_break_nothing(
    text, client_a, register_person
):
    register_person(client_a)

    searched = client_a.post("/persons/search", {"q": text})

    assert searched.status_code == 200
    assert searched.json()["count"] == 0
    assert client_a.get("/persons").json()["count"] == 1


@pytest.mark.parametrize("text", ["%", "_", "%_%", "\\%"])
def test_like_wildcards_are_no_name_query(text, client_a, client_b, register_person):
    """A query without letters filters nothing; it does not widen the scope either."""
    own = register_person(client_a)["id"]
    register_person(client_b)

    searched = client_a.post("/persons/search", {"q": text})

    assert [item["id"] for item in searched.json()["items"]] == [own]


@pytest.mark.parametrize(
    ("_case", "birth_date", "stored", "precision"),
    [
        ("year", "1990", dt.date(1990, 1, 1), "year"),
        ("year and month", "1990-07", dt.date(1990, 7, 1), "month"),
        ("full date", "1990-07-15", dt.date(1990, 7, 15), "day"),
        ("29 February of a leap year", "2000-02-29", dt.date(2000, 2, 29), "day"),
        ("1900", "1900", dt.date(1900, 1, 1), "year"),
        ("padded", " 1990-07 ", dt.date(1990, 7, 1), "month"),
    ],
)
def test_partial_birth_dates_keep_their_precision(
    _case, birth_date, stored, precision, client_a, person_payload
):
    response = client_a.post("/persons", person_payload(birth_date=birth_date))

    assert response.status_code == 201
    assert response.json()["birth_date"] == birth_date.strip()
    assert response.json()["birth_date_precision"] == precision
    person = Person.objects.get()
    assert (person.birth_date, person.birth_date_precision) == (stored, precision)


@pytest.mark.parametrize(
    ("_case", "path", "field"),
    [
        ("word", "/persons/kharkiv", "person_id"),
        ("truncated UUID", "/persons/00000000-0000-4000-8000", "person_id"),
        ("SQL", "/persons/1%20OR%201=1", "person_id"),
        ("household", "/households/not-a-uuid", "household_id"),
        ("crisis", "/crises/12345", "crisis_id"),
        ("organisation members", "/organisations/x/members", "organisation_id"),
    ],
)
def test_invalid_uuids_in_the_path(_case, path, field, client_a, row_counts):
    before = row_counts()

    response = client_a.get(path)

    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("INVALID", field)
    assert row_counts() == before


def test_invalid_uuid_in_a_patch_path(client_a, row_counts):
    before = row_counts()

    response = client_a.patch("/persons/kharkiv", {"place_name": "Lviv"})

    assert response.status_code == 422
    assert response.json()["field"] == "person_id"
    assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "params", "field"),
    [
        ("limit 0", {"limit": 0}, "limit"),
        ("limit 10 000", {"limit": 10_000}, "limit"),
        ("negative offset", {"offset": -1}, "offset"),
        ("limit not a number", {"limit": "all"}, "limit"),
    ],
)
@pytest.mark.parametrize("endpoint", ["/persons", "/households", "/crises", "/organisations"])
def test_page_bounds(_case, params, field, endpoint, client_a, row_counts):
    before = row_counts()

    response = client_a.get(endpoint, **params)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert row_counts() == before


@pytest.mark.parametrize(
    ("_case", "body"), [("limit 0", {"limit": 0}), ("limit 10 000", {"limit": 10_000})]
)
def test_page_bounds_of_the_body_search(_case, body, client_a, row_counts):
    before = row_counts()

    response = client_a.post("/persons/search", body)

    assert response.status_code == 422
    assert response.json()["field"] == "limit"
    assert row_counts() == before
