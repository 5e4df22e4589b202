"""The seeded scenario generator: determinism, the import CSV format, and realistic duplicates."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from itertools import islice
from pathlib import Path

import phonenumbers
import pytest

from compatriot.normalise.codes import country_alpha2, language_code
from compatriot.normalise.dates import parse_partial_date
from compatriot.normalise.phones import to_e164
from compatriot.scenario.generator import (
    CRISIS,
    ORGANISATIONS,
    REFERENCE_DATE,
    ScenarioConfig,
    generate_rows,
    write_csv,
)
from compatriot.scenario.names import PLACES, feminine, to_cyrillic

# Written out here rather than imported, so that a change to the format fails a test.
COLUMNS = [
    "source_record_id", "organisation", "given_name", "family_name", "sex", "birth_date",
    "nationalities", "languages", "phones", "email", "country", "admin_area", "place_name",
    "latitude", "longitude", "journey_stage", "category", "source", "household_ref",
    "relationship", "vulnerabilities", "needs", "consent", "sharing_partner_kinds",
    "true_person_id",
]  # fmt: skip
SEXES = {"female", "male", "other", "unknown"}
STAGES = ["in_crisis_country", "at_border", "in_transit", "at_destination", "returned"]
CATEGORIES = {
    "student",
    "worker",
    "domestic_worker",
    "refugee_or_asylum_seeker",
    "visitor",
    "other",
}
SOURCES = {"self", "hotline", "diaspora_volunteer", "consulate", "import"}
RELATIONSHIPS = {
    "head", "spouse", "child", "parent", "sibling", "grandparent", "grandchild",
    "other_relative", "non_relative",
}  # fmt: skip
VULNERABILITIES = {
    "unaccompanied_child", "separated_child", "disability", "serious_medical_condition",
    "pregnant", "older_person", "trafficking", "gbv_risk", "undocumented", "detained",
    "stranded_without_means",
}  # fmt: skip
NEED_CATEGORIES = {
    "evacuation", "transport", "shelter", "food", "wash", "health", "mhpss", "legal",
    "documents", "interpretation", "cash", "family_tracing", "return",
}  # fmt: skip
URGENCIES = {"low", "medium", "high", "critical"}
CONSENT_SCOPES = ["registration", "sharing", "alerts", "family_tracing"]
ORGANISATION_KINDS = {
    "diaspora_organisation", "diaspora_network", "community_group", "international_organisation",
    "ngo", "consulate", "government", "national_referral_mechanism", "service_provider",
    "private_sector", "faith_based",
}  # fmt: skip
BORDER_CROSSINGS = {"Medyka", "Záhony", "Siret", "Palanca", "Vyšné Nemecké"}
UKRAINIAN_CROSSINGS = {"Shehyni", "Chop", "Porubne", "Mayaky-Udobne", "Uzhhorod"}
TRANSIT = {"Przemyśl", "Rzeszów", "Nyíregyháza", "Suceava", "Chișinău", "Michalovce"}
DESTINATIONS = {"Warsaw", "Rzeszów", "Budapest", "Bucharest", "Chișinău", "Košice"}
CAPITALS = {
    "NG": "Abuja", "IN": "New Delhi", "MA": "Rabat", "EG": "Cairo", "GH": "Accra",
    "CM": "Yaoundé", "NP": "Kathmandu", "AZ": "Baku", "TM": "Ashgabat", "ZW": "Harare",
    "KE": "Nairobi", "BD": "Dhaka", "PK": "Islamabad", "VN": "Hanoi",
}  # fmt: skip
CYRILLIC = re.compile("[\u0400-\u04ff]")
ARABIC = re.compile("[\u0600-\u06ff]")
DEVANAGARI = re.compile("[\u0900-\u097f]")
BIRTH_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
COORDINATE = re.compile(r"^-?\d{1,3}\.\d{1,5}$")
PERSONS = 4000


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return list(generate_rows(ScenarioConfig(persons=PERSONS, seed=7)))


@pytest.fixture(scope="module")
def by_person(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        grouped[row["true_person_id"]].append(row)
    return grouped


@pytest.fixture(scope="module")
def households(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row["household_ref"]:
            grouped[row["household_ref"]].append(row)
    return grouped


def _name(row: dict[str, str]) -> str:
    return row["given_name"] + " " + row["family_name"]


def _script(row: dict[str, str]) -> str:
    name = _name(row)
    scripts = (("cyrillic", CYRILLIC), ("arabic", ARABIC), ("devanagari", DEVANAGARI))
    return next((script for script, pattern in scripts if pattern.search(name)), "latin")


def _e164(phone: str, row: dict[str, str]) -> str:
    return to_e164(phone, default_regions=(row["country"], *row["nationalities"].split()))


def _csv(config: ScenarioConfig) -> str:
    buffer = io.StringIO()
    write_csv(generate_rows(config), buffer, include_truth=True)
    return buffer.getvalue()


def test_the_same_config_gives_byte_identical_output() -> None:
    config = ScenarioConfig(persons=600, seed=11)
    assert _csv(config) == _csv(ScenarioConfig(persons=600, seed=11))


def test_output_does_not_depend_on_hash_randomisation() -> None:
    script = (
        "import hashlib, io\n"
        "from compatriot.scenario.generator import ScenarioConfig, generate_rows, write_csv\n"
        "buffer = io.StringIO()\n"
        "write_csv(generate_rows(ScenarioConfig(persons=300)), buffer, include_truth=True)\n"
        "print(hashlib.sha256(buffer.getvalue().encode()).hexdigest())\n"
    )
    digests = {
        subprocess.run(  # noqa: S603  our own interpreter running our own code
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1
    assert digests == {
        hashlib.sha256(_csv(ScenarioConfig(persons=300)).encode()).hexdigest() + "\n"
    }


def test_another_seed_gives_other_people() -> None:
    first = list(generate_rows(ScenarioConfig(persons=300, seed=1)))
    second = list(generate_rows(ScenarioConfig(persons=300, seed=2)))
    assert {_name(row) for row in first} != {_name(row) for row in second}
    different = sum(a != b for a, b in zip(first, second, strict=False))
    assert different >= 0.95 * min(len(first), len(second))


def test_rows_are_generated_lazily() -> None:
    # A million people would take a minute to build as a list; the first rows come at once.
    first = list(islice(generate_rows(ScenarioConfig(persons=1_000_000)), 50))
    assert len(first) == 50
    assert first == list(islice(generate_rows(ScenarioConfig(persons=1000)), 50))


def test_every_row_has_exactly_the_import_columns(rows: list[dict[str, str]]) -> None:
    assert all(list(row) == COLUMNS for row in rows)
    assert all(isinstance(value, str) for row in rows for value in row.values())


def test_the_run_has_exactly_the_configured_number_of_people() -> None:
    rows = list(generate_rows(ScenarioConfig(persons=1000)))
    ids = {row["true_person_id"] for row in rows}
    assert len(ids) == 1000
    assert ids == {f"P{number:07d}" for number in range(1, 1001)}


@pytest.mark.parametrize("persons", [0, 1, 2, 7])
def test_small_runs_have_exactly_their_people(persons: int) -> None:
    config = ScenarioConfig(persons=persons, household_rate=1.0, duplicate_rate=1.0)
    rows = list(generate_rows(config))
    assert len({row["true_person_id"] for row in rows}) == persons


def test_source_record_ids_are_unique_and_name_their_source(rows: list[dict[str, str]]) -> None:
    ids = [row["source_record_id"] for row in rows]
    assert len(set(ids)) == len(ids)
    prefixes = {"self": "SR-", "hotline": "HL-", "diaspora_volunteer": "VOL-", "consulate": "CON-"}
    for row in rows:
        expected = prefixes.get(row["source"], ("BP-UA-", "SH-", "NRM-"))
        assert row["source_record_id"].startswith(expected)
        assert re.fullmatch(r"[A-Z]+(-[A-Z]+)?-\d{6,}", row["source_record_id"])


def test_code_values_come_from_the_vocabularies(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert row["sex"] in SEXES
        assert row["journey_stage"] in STAGES
        assert row["category"] in CATEGORIES
        assert row["source"] in SOURCES
        assert row["relationship"] in RELATIONSHIPS | {""}
        assert set(row["vulnerabilities"].split()) <= VULNERABILITIES
        needs = [need.split(":") for need in row["needs"].split()]
        assert all(
            category in NEED_CATEGORIES and urgency in URGENCIES for category, urgency in needs
        )
        assert len({category for category, _ in needs}) == len(needs)
        scopes = row["consent"].split()
        assert scopes == [scope for scope in CONSENT_SCOPES if scope in scopes]
        assert set(row["sharing_partner_kinds"].split()) <= ORGANISATION_KINDS


def test_countries_and_languages_are_iso_codes(rows: list[dict[str, str]]) -> None:
    for row in rows:
        countries = [*row["nationalities"].split(), row["country"]]
        assert all(country_alpha2(code) == code for code in countries)
        assert all(language_code(code) == code for code in row["languages"].split())


def test_registering_organisations_exist_and_consulates_register_their_nationals(
    rows: list[dict[str, str]], households: dict[str, list[dict[str, str]]]
) -> None:
    origins = {org["name"]: org["origin_countries"] for org in ORGANISATIONS}
    assert {row["organisation"] for row in rows} <= set(origins)
    for row in rows:
        if row["source"] != "consulate":
            continue
        # A consulate also registers a national's family, such as a Ukrainian spouse.
        group = households[row["household_ref"]] if row["household_ref"] else [row]
        nationals = [
            r for r in group if set(r["nationalities"].split()) & set(origins[row["organisation"]])
        ]
        assert nationals
        assert row["category"] != "refugee_or_asylum_seeker"


def test_sharing_partners_are_named_exactly_when_sharing_is_consented(
    rows: list[dict[str, str]],
) -> None:
    consented = [row for row in rows if "sharing" in row["consent"].split()]
    assert 0.45 < len(consented) / len(rows) < 0.75
    assert all(row["sharing_partner_kinds"] for row in consented)
    assert not any(row["sharing_partner_kinds"] for row in rows if row not in consented)
    refugees = [row for row in rows if row["category"] == "refugee_or_asylum_seeker"]
    assert refugees
    assert not any("consulate" in row["sharing_partner_kinds"].split() for row in refugees)


def test_international_phones_are_valid_numbers(rows: list[dict[str, str]]) -> None:
    phones = [phone for row in rows for phone in row["phones"].split()]
    international = [phone for phone in phones if phone.startswith("+")]
    assert len(international) > 0.9 * len(phones)
    for phone in international:
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), phone
    ukrainian = [phone for phone in international if phone.startswith("+380")]
    assert len(ukrainian) > 0.6 * len(international)


def test_national_phones_normalise_with_the_location_as_default_region(
    rows: list[dict[str, str]],
) -> None:
    national = [(row, phone) for row in rows for phone in row["phones"].split() if phone[0] != "+"]
    assert len(national) > 20
    assert {row["country"] for row, _ in national} >= {"UA", "PL"}
    for row, phone in national:
        number = _e164(phone, row)
        assert phonenumbers.region_code_for_number(phonenumbers.parse(number)) == row["country"]


def test_emails_use_reserved_example_domains(rows: list[dict[str, str]]) -> None:
    emails = [row["email"] for row in rows if row["email"]]
    assert 0.25 < len(emails) / len(rows) < 0.6
    assert all(re.fullmatch(r"[a-z0-9.]+@example\.(org|com)", email) for email in emails)


def test_birth_dates_are_partial_dates_in_the_past(rows: list[dict[str, str]]) -> None:
    dates = [row["birth_date"] for row in rows if row["birth_date"]]
    assert len(dates) > 0.9 * len(rows)
    assert all(BIRTH_DATE.match(date) for date in dates)
    for date in dates:
        parse_partial_date(date, today=REFERENCE_DATE)
    lengths = Counter(len(date) for date in dates)
    assert lengths[4] > 0.1 * len(dates)
    assert lengths[7] > 0.03 * len(dates)
    assert lengths[10] > 0.5 * len(dates)
    hotline = [
        row["birth_date"] for row in rows if row["source"] == "hotline" and row["birth_date"]
    ]
    assert sum(len(date) == 4 for date in hotline) > 0.4 * len(hotline)


def test_ages_fit_the_category(rows: list[dict[str, str]]) -> None:
    def age(row: dict[str, str]) -> int:
        return REFERENCE_DATE.year - int(row["birth_date"][:4])

    dated = [row for row in rows if row["birth_date"]]
    students = [age(row) for row in dated if row["category"] == "student"]
    assert min(students) >= 17
    assert max(students) <= 32
    workers = [age(row) for row in dated if row["category"] == "worker"]
    assert min(workers) >= 19
    assert max(workers) <= 57
    assert any(age(row) < 18 for row in dated if row["relationship"] == "child")
    assert all(age(row) >= 59 for row in dated if "older_person" in row["vulnerabilities"].split())


def test_locations_match_the_journey_stage(rows: list[dict[str, str]]) -> None:
    ukrainian = {name for name, place in PLACES.items() if place.country == "UA"}
    expected = {
        "in_crisis_country": ukrainian - UKRAINIAN_CROSSINGS,
        "at_border": BORDER_CROSSINGS | UKRAINIAN_CROSSINGS,
        "in_transit": TRANSIT,
        "at_destination": DESTINATIONS,
    }
    capitals = set(CAPITALS.values())
    for row in rows:
        place = PLACES[row["place_name"]]
        assert (row["country"], row["admin_area"]) == (place.country, place.admin_area)
        if row["journey_stage"] == "returned":
            home = CAPITALS.get(row["nationalities"].split()[0])
            # A Ukrainian spouse goes along to the family's home country.
            assert row["place_name"] == home or (home is None and row["place_name"] in capitals)
        else:
            assert row["place_name"] in expected[row["journey_stage"]]
        if row["latitude"]:
            assert COORDINATE.match(row["latitude"])
            assert COORDINATE.match(row["longitude"])
            assert abs(float(row["latitude"]) - place.latitude) <= place.spread
            assert abs(float(row["longitude"]) - place.longitude) <= place.spread
        else:
            assert row["source"] == "hotline"
            assert not row["longitude"]


def test_about_the_configured_share_of_people_is_registered_more_than_once(
    by_person: dict[str, list[dict[str, str]]],
) -> None:
    assert len(by_person) == PERSONS
    share = sum(len(group) > 1 for group in by_person.values()) / PERSONS
    assert 0.12 <= share <= 0.18
    assert max(len(group) for group in by_person.values()) == 3


def test_no_duplicates_without_a_duplicate_rate() -> None:
    rows = list(generate_rows(ScenarioConfig(persons=500, duplicate_rate=0.0)))
    assert len({row["true_person_id"] for row in rows}) == len(rows) == 500


def test_duplicates_come_from_other_organisations_later_along_the_route(
    by_person: dict[str, list[dict[str, str]]],
) -> None:
    duplicated = [group for group in by_person.values() if len(group) > 1]
    for group in duplicated:
        organisations = [row["organisation"] for row in group]
        assert len(set(organisations)) == len(organisations)
        stages = [STAGES.index(row["journey_stage"]) for row in group]  # in stream order
        assert stages == sorted(stages)
    moved = sum(len({row["place_name"] for row in group}) > 1 for group in duplicated)
    assert moved > 0.4 * len(duplicated)


def test_duplicates_are_corrupted_realistically(
    by_person: dict[str, list[dict[str, str]]],
) -> None:
    pairs = [(g[0], row) for g in by_person.values() if len(g) > 1 for row in g[1:]]
    exact = sum(_name(first) == _name(later) for first, later in pairs)
    swapped = sum(
        (first["given_name"], first["family_name"]) == (later["family_name"], later["given_name"])
        for first, later in pairs
    )
    year_only = sum(len(first["birth_date"]) == 10 and len(later["birth_date"]) == 4 for first, later in pairs)  # fmt: skip
    other_script = sum(
        bool(CYRILLIC.search(_name(first))) != bool(CYRILLIC.search(_name(later)))
        or bool(ARABIC.search(_name(first))) != bool(ARABIC.search(_name(later)))
        for first, later in pairs
    )
    assert 0.2 < exact / len(pairs) < 0.8
    assert swapped > 0.02 * len(pairs)
    assert year_only > 0.05 * len(pairs)
    assert other_script > 0.05 * len(pairs)


def test_names_appear_in_cyrillic_arabic_and_devanagari(rows: list[dict[str, str]]) -> None:
    names = [_name(row) for row in rows]
    for script, low, high in ((CYRILLIC, 0.01, 0.1), (ARABIC, 0.01, 0.1), (DEVANAGARI, 0.001, 0.03)):  # fmt: skip
        share = sum(bool(script.search(name)) for name in names) / len(names)
        assert low < share < high
    border = [row for row in rows if row["source_record_id"].startswith("BP-UA-")]
    assert border
    assert all(CYRILLIC.search(_name(row)) for row in border)
    assert all(not re.search("[A-Za-z]", _name(row)) for row in border)
    arab_consulates = {"Embassy of the Kingdom of Morocco in Bucharest", "Consular Section of the Embassy of Egypt in Warsaw"}  # fmt: skip
    arabic_rows = [row for row in rows if row["organisation"] in arab_consulates]
    assert arabic_rows
    assert all(
        ARABIC.search(_name(row)) for row in arabic_rows if row["nationalities"] in ("MA", "EG")
    )


def test_households_register_together(households: dict[str, list[dict[str, str]]]) -> None:
    assert households
    for members in households.values():
        assert 2 <= len(members) <= 6
        assert [row["relationship"] for row in members].count("head") == 1
        shared = ("organisation", "source", "place_name", "journey_stage", "latitude")
        assert all(len({row[field] for row in members}) == 1 for field in shared)
        assert len({row["true_person_id"] for row in members}) == len(members)


def test_relationship_only_within_a_household(rows: list[dict[str, str]]) -> None:
    assert all(bool(row["relationship"]) == bool(row["household_ref"]) for row in rows)


def test_about_the_configured_share_of_people_travel_in_households(
    rows: list[dict[str, str]],
) -> None:
    in_households = {row["true_person_id"] for row in rows if row["household_ref"]}
    assert 0.21 <= len(in_households) / PERSONS <= 0.29


def test_siblings_and_twins_look_alike_but_are_different_people(
    households: dict[str, list[dict[str, str]]],
) -> None:
    twins = 0
    sibling_households = 0
    for members in households.values():
        siblings = [row for row in members if row["relationship"] in ("head", "sibling")]
        if not any(row["relationship"] == "sibling" for row in siblings):
            continue
        sibling_households += 1
        # One shared phone, though at the destination each may have bought a local SIM card.
        if members[0]["journey_stage"] != "at_destination":
            phones = [
                {_e164(phone, row) for phone in row["phones"].split()}
                for row in siblings
                if row["phones"]
            ]
            assert not phones or set.intersection(*phones)
        assert len({row["place_name"] for row in siblings}) == 1
        # One family name in each script, though registrars swap names and one may make a typo.
        for script in {_script(row) for row in siblings}:
            same = [row for row in siblings if _script(row) == script]
            names = [{name.upper().rstrip("AА") for name in _name(row).split()} for row in same]
            family = Counter(name for both in names for name in both).most_common(1)[0][1]
            assert family >= len(same) - 1
        births = Counter(row["birth_date"] for row in siblings if len(row["birth_date"]) == 10)
        twins += any(count > 1 for count in births.values())
    assert sibling_households > 30
    assert twins > 5


def test_ukrainian_border_posts_transliterate_latin_names() -> None:
    assert to_cyrillic("Chukwuemeka Okafor") == "Чуквуемека Окафор"
    assert to_cyrillic("Youssef") == "Юссеф"
    assert to_cyrillic("Pooja Sharma") == "Пуджа Шарма"
    assert feminine("Aliyev") == "Aliyeva"
    assert feminine("Мамедов") == "Мамедова"
    assert feminine("Okafor") == "Okafor"


def test_write_csv_writes_the_import_format(tmp_path: Path) -> None:
    rows = list(generate_rows(ScenarioConfig(persons=50)))
    path = tmp_path / "registrations.csv"
    assert write_csv(iter(rows), path) == len(rows)
    with open(path, newline="", encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert list(read[0]) == COLUMNS[:-1]
    assert read == [{key: row[key] for key in COLUMNS[:-1]} for row in rows]
    buffer = io.StringIO()
    assert write_csv(rows, buffer, include_truth=True) == len(rows)
    assert list(csv.DictReader(io.StringIO(buffer.getvalue()))) == rows


def test_organisations_and_crisis_describe_the_scenario() -> None:
    assert 12 <= len(ORGANISATIONS) <= 20
    assert len({org["name"] for org in ORGANISATIONS}) == len(ORGANISATIONS)
    keys = {
        "name",
        "kind",
        "origin_countries",
        "operating_countries",
        "languages",
        "org_identifier",
    }
    for org in ORGANISATIONS:
        assert set(org) == keys
        assert org["kind"] in ORGANISATION_KINDS
        codes = [*org["origin_countries"], *org["operating_countries"]]
        assert all(country_alpha2(code) == code for code in codes)
        assert all(language_code(code) == code for code in org["languages"])
    kinds = {org["kind"] for org in ORGANISATIONS}
    assert {"diaspora_organisation", "consulate", "international_organisation", "ngo"} <= kinds
    assert CRISIS["affected_countries"] == ["UA", "PL", "HU", "RO", "MD", "SK"]
    assert (CRISIS["kind"], CRISIS["phase"], str(CRISIS["started_on"])) == (
        "conflict",
        "emergency",
        "2022-02-24",
    )


def test_config_rejects_impossible_shares() -> None:
    with pytest.raises(ValueError, match="shares"):
        ScenarioConfig(duplicate_rate=1.5)
    with pytest.raises(ValueError, match="negative"):
        ScenarioConfig(persons=-1)
