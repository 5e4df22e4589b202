"""Seeded generator for the demo and benchmark crisis: third-country nationals leaving Ukraine, 2022.

`generate_rows` streams registrations in the documented import CSV format. One real person may be
registered several times by different organisations, in other scripts and spellings, later along
the route; `true_person_id` is the ground truth for measuring de-duplication. The same config
always yields the same rows: one `random.Random(seed)`, pools in fixed order, and a fixed
reference date instead of today.
"""

from __future__ import annotations

import csv
import datetime as dt
import heapq
import os
from bisect import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from random import Random
from typing import IO, NamedTuple, TypeVar

from compatriot.scenario.names import (
    CORRIDOR_WEIGHTS,
    CORRIDORS,
    NAMES,
    NATIONALITIES,
    ORIGIN_WEIGHTS,
    ORIGINS,
    PHONE_PLANS,
    PLACES,
    SOUTH_CORRIDOR_WEIGHTS,
    Corridor,
    NameGroup,
    Place,
    ascii_slug,
    feminine,
    to_cyrillic,
)

T = TypeVar("T")

REFERENCE_DATE = dt.date(2022, 3, 15)  # ages are as of the scenario, never as of today
_REFERENCE_ORDINAL = REFERENCE_DATE.toordinal()
_DAYS_PER_YEAR = 365.2425

COLUMNS = (  # the documented import CSV format, in order
    "source_record_id", "organisation", "given_name", "family_name", "sex", "birth_date",
    "nationalities", "languages", "phones", "email", "country", "admin_area", "place_name",
    "latitude", "longitude", "journey_stage", "category", "source", "household_ref",
    "relationship", "vulnerabilities", "needs", "consent", "sharing_partner_kinds",
    "true_person_id",
)  # fmt: skip
# In route order: a later registration of the same person never has an earlier stage.
JOURNEY_STAGES = ("in_crisis_country", "at_border", "in_transit", "at_destination", "returned")
CATEGORIES = (
    "student", "worker", "domestic_worker", "refugee_or_asylum_seeker", "visitor", "other",
)  # fmt: skip
REFUGEE = "refugee_or_asylum_seeker"


@dataclass(frozen=True)
class ScenarioConfig:
    persons: int = 2000  # number of distinct real people
    seed: int = 2022
    duplicate_rate: float = 0.15  # share of people registered more than once (by other sources)
    household_rate: float = 0.25  # share of people travelling in households of 2-6

    def __post_init__(self) -> None:
        if self.persons < 0:
            raise ValueError("persons must not be negative")
        if not (0 <= self.duplicate_rate <= 1 and 0 <= self.household_rate <= 1):
            raise ValueError("duplicate_rate and household_rate are shares between 0 and 1")


class OrgSpec(NamedTuple):
    code: str  # middle part of its source record ids
    name: str
    kind: str
    origins: str
    operating: str
    languages: str
    identifier: str
    channels: str  # the ways it registers people, see _CHANNELS
    native_rate: float  # how often it writes its community's names in their own script


_ORG_SPECS = (
    OrgSpec("NCP", "Nigerian Community in Poland", "diaspora_organisation", "NG", "PL", "en yo ig ha pl", "KRS 0000614233", "volunteer self", 0.0),
    OrgSpec("ISAH", "Indian Students Association Hungary", "diaspora_organisation", "IN", "HU", "en hi ml ta te hu", "", "volunteer self", 0.1),
    OrgSpec("MDNR", "Moroccan Diaspora Network Romania", "diaspora_network", "MA", "RO", "ar ary fr ro", "", "volunteer", 0.15),
    OrgSpec("GUS", "Ghana Union Slovakia", "diaspora_organisation", "GH", "SK", "en ak tw sk", "", "volunteer", 0.0),
    OrgSpec("ECAP", "Egyptian Community Association Poland", "diaspora_organisation", "EG", "PL", "ar en pl", "", "volunteer", 0.25),
    OrgSpec("NSCE", "Nepali Samaj Central Europe", "diaspora_network", "NP", "PL HU SK RO", "ne en", "", "volunteer self", 0.3),
    OrgSpec("ACCW", "Azerbaijani Cultural Centre Warsaw", "diaspora_organisation", "AZ", "PL", "az ru pl", "", "volunteer", 0.35),
    OrgSpec("VTAP", "Vietnamese Traders Association Poland", "diaspora_organisation", "VN", "PL", "vi pl", "", "volunteer", 0.0),
    OrgSpec("PASS", "Pan-African Students Solidarity", "community_group", "NG GH CM ZW KE", "PL HU RO SK MD", "en fr", "", "volunteer", 0.0),
    OrgSpec("ASHN", "Asian Students Help Network", "community_group", "IN NP BD PK TM", "PL HU", "en hi ur bn ne tk ru", "", "volunteer", 0.0),
    OrgSpec("NG", "Embassy of Nigeria in Warsaw", "consulate", "NG", "PL", "en", "", "consulate", 0.0),
    OrgSpec("IN", "Embassy of India in Budapest", "consulate", "IN", "HU", "en hi", "", "consulate", 0.3),
    OrgSpec("MA", "Embassy of the Kingdom of Morocco in Bucharest", "consulate", "MA", "RO", "ar fr", "", "consulate", 1.0),
    OrgSpec("EG", "Consular Section of the Embassy of Egypt in Warsaw", "consulate", "EG", "PL", "ar en", "", "consulate", 1.0),
    OrgSpec("", "International Migration Agency – Poland Mission", "international_organisation", "", "PL UA", "en fr ar ru uk pl hi", "", "hotline self", 0.0),
    OrgSpec("OBR", "Open Border Relief Foundation", "ngo", "", "PL MD RO UA", "en uk ru pl ro fr", "KRS 0000934120", "hotline", 0.0),
    OrgSpec("UA", "Border Registration Points of Ukraine", "government", "", "UA", "uk ru en", "", "border", 0.0),
    OrgSpec("RO", "National Referral Mechanism for Trafficked Persons – Romania", "national_referral_mechanism", "", "RO", "ro en fr", "", "referral", 0.0),
    OrgSpec("EBC", "Ecumenical Border Chaplaincy", "faith_based", "", "PL MD SK", "en pl fr uk", "", "volunteer shelter", 0.0),
    OrgSpec("DTS", "Danube Transit Shelters", "service_provider", "", "MD RO", "ro ru en", "", "shelter", 0.0),
)  # fmt: skip

ORGANISATIONS: list[dict] = [
    {
        "name": spec.name,
        "kind": spec.kind,
        "origin_countries": spec.origins.split(),
        "operating_countries": spec.operating.split(),
        "languages": spec.languages.split(),
        "org_identifier": spec.identifier,
    }
    for spec in _ORG_SPECS
]

CRISIS: dict = {
    "name": "Ukraine 2022 – third-country nationals",
    "kind": "conflict",
    "phase": "emergency",
    "affected_countries": ["UA", "PL", "HU", "RO", "MD", "SK"],
    "started_on": dt.date(2022, 2, 24),
    "description": (
        "Students, workers and other third-country nationals leaving Ukraine after 24 February"
        " 2022 through Poland, Hungary, Romania, Moldova and Slovakia, registered by diaspora"
        " groups, consulates, hotlines and border posts."
    ),
}

# channel: (source, record id prefix, weight, birth date missing, year only, month only, share
# consenting to sharing). Hotlines rarely get more than a year of birth over the phone.
_CHANNELS = {
    "border": ("import", "BP", 120, 0.0, 0.0, 0.0, 0.3),
    "hotline": ("hotline", "HL", 22, 0.06, 0.55, 0.1, 0.6),
    "volunteer": ("diaspora_volunteer", "VOL", 30, 0.03, 0.2, 0.1, 0.6),
    "consulate": ("consulate", "CON", 14, 0.0, 0.02, 0.0, 0.5),
    "self": ("self", "SR", 14, 0.0, 0.05, 0.05, 0.75),
    "shelter": ("import", "SH", 25, 0.05, 0.3, 0.1, 0.5),
    "referral": ("import", "NRM", 40, 0.02, 0.1, 0.1, 0.8),
}


def _orgs(channel: str, origin: str = "", country: str = "") -> tuple[OrgSpec, ...]:
    return tuple(
        spec
        for spec in _ORG_SPECS
        if channel in spec.channels.split()
        and (not origin or origin in spec.origins.split())
        and (not country or country in spec.operating.split())
    )


_AGENCY = _orgs("hotline")[0]
_FAITH_BASED = tuple(spec for spec in _ORG_SPECS if spec.kind == "faith_based")
# Repeats weight the choice: the agency takes most calls and most online registrations.
_HOTLINES = (_AGENCY, _AGENCY, *_orgs("hotline")[1:])
_CONSULATES = {code: _orgs("consulate", code) for code in NATIONALITIES}
_VOLUNTEERS = {code: _orgs("volunteer", code) * 3 + _FAITH_BASED for code in NATIONALITIES}
_SELF_FORMS = {code: (_AGENCY, _AGENCY, *_orgs("self", code)) for code in NATIONALITIES}
_SHELTERS = {place.country: _orgs("shelter", country=place.country) for place in PLACES.values()}
_BORDER_POSTS = _orgs("border")
_REFERRALS = _orgs("referral")

_NATIONALITY_CODES = tuple(NATIONALITIES)
_NATIONALITY_CUM = tuple(accumulate(n.weight for n in NATIONALITIES.values()))
_CATEGORY_CUM = {code: tuple(accumulate(n.categories)) for code, n in NATIONALITIES.items()}
_ORIGIN_CUM = tuple(accumulate(ORIGIN_WEIGHTS))
_CORRIDOR_CUM = tuple(accumulate(CORRIDOR_WEIGHTS))
_SOUTH_CORRIDOR_CUM = tuple(accumulate(SOUTH_CORRIDOR_WEIGHTS))
_STAGE_CUM = tuple(accumulate((15, 12, 15, 45, 13)))  # how far people had got by mid-March
_FEMALE_SHARE = dict(zip(CATEGORIES, (0.4, 0.3, 0.85, 0.45, 0.5, 0.45), strict=True))
_AGE_RANGES = ((18, 13), (20, 36), (22, 29), (18, 38), (20, 50), (18, 48))  # youngest, span
_AGES = dict(zip(CATEGORIES, _AGE_RANGES, strict=True))
_HOUSEHOLD_SIZE_CUM = tuple(accumulate((40, 28, 17, 10, 5)))  # sizes 2..6
_MEAN_HOUSEHOLD_SIZE = 3.12
_MAX_DUPLICATE_DELAY = 4000  # rows between registrations of the same person, at most


def _vulnerability_rates(
    category: str, female: bool, childbearing: bool
) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Codes and cumulative rates: one draw finds one vulnerability, or (mostly) none."""
    at_risk = category in ("domestic_worker", REFUGEE)
    rates = (
        ("disability", 0.02), ("serious_medical_condition", 0.025),
        ("pregnant", 0.04 if female and childbearing else 0.0),
        ("trafficking", 0.03 if category == "domestic_worker" else 0.003),
        ("gbv_risk", (0.06 if at_risk else 0.02) if female else 0.0),
        ("undocumented", 0.12 if at_risk else 0.02), ("detained", 0.004),
        ("stranded_without_means", 0.07),
    )  # fmt: skip
    return tuple(code for code, _ in rates), tuple(accumulate(rate for _, rate in rates))


_VULNERABILITY_RATES = {
    (category, female, childbearing): _vulnerability_rates(category, female, childbearing)
    for category in CATEGORIES
    for female in (False, True)
    for childbearing in (False, True)
}
_VULNERABILITY_NEEDS = {
    "unaccompanied_child": "family_tracing:critical", "separated_child": "family_tracing:high",
    "disability": "health:medium", "serious_medical_condition": "health:high",
    "pregnant": "health:medium", "older_person": "health:medium", "trafficking": "legal:high",
    "gbv_risk": "mhpss:high", "undocumented": "documents:high", "detained": "legal:critical",
    "stranded_without_means": "cash:high",
}  # fmt: skip
_STAGE_NEEDS = (  # need categories by stage, repeated by weight
    ("evacuation",) * 6 + ("transport",) * 3 + ("food", "food", "shelter", "shelter", "cash", "documents"),
    ("transport",) * 4 + ("shelter",) * 3 + ("food",) * 3 + ("wash", "documents", "documents", "interpretation"),
    ("shelter",) * 3 + ("transport",) * 3 + ("food", "food", "cash", "cash", "interpretation", "return"),
    ("shelter",) * 3 + ("cash",) * 3 + ("legal", "legal", "documents", "documents", "mhpss", "health", "return"),
    ("cash",) * 3 + ("mhpss", "mhpss", "documents", "documents"),
)  # fmt: skip
_STAGE_URGENCY = (
    ("medium", "high", "high", "critical"), ("low", "medium", "high", "high"),
    ("low", "medium", "medium", "high"), ("low", "low", "medium", "medium"), ("low", "medium"),
)  # fmt: skip
_STAGE_NEED_ITEMS = tuple(  # (category, its "category:urgency" items) by stage
    tuple((category, tuple(f"{category}:{urgency}" for urgency in urgencies)) for category in needs)
    for needs, urgencies in zip(_STAGE_NEEDS, _STAGE_URGENCY, strict=True)
)
_NEED_COUNT_CUM = (20, 65, 95, 100)  # 0, 1, 2 or 3 needs from the stage, in percent
PARTNER_KINDS = (  # with the chance that a person's sharing consent names each kind
    ("international_organisation", 1.0), ("ngo", 0.85), ("service_provider", 0.4),
    ("national_referral_mechanism", 0.15), ("diaspora_organisation", 0.35), ("consulate", 0.25),
    ("government", 0.1),
)  # fmt: skip


def _partner_rates(refugee: bool, trafficked: bool) -> tuple[tuple[str, float], ...]:
    """Refugees are not shared with consulates; a trafficked person is always referred."""
    return tuple(
        (kind, 1.0 if trafficked and kind == "national_referral_mechanism" else rate)
        for kind, rate in PARTNER_KINDS
        if not (refugee and kind == "consulate")
    )


_PARTNER_RATES = {
    (refugee, trafficked): _partner_rates(refugee, trafficked)
    for refugee in (False, True)
    for trafficked in (False, True)
}


class Phone(NamedTuple):
    region: str
    e164: str


@dataclass(slots=True)
class Person:
    pid: int
    nationality: str  # selects the name pool
    nationalities: str
    sex: str
    given: NameGroup
    family: NameGroup
    given_variant: int  # the spelling the person uses
    family_variant: int
    birth: dt.date
    category: str
    languages: str = ""
    phones: tuple[Phone, ...] = ()
    local_phone: Phone | None = None  # a SIM card bought at the destination
    email: str = ""
    vulnerabilities: tuple[str, ...] = ()
    relationship: str = ""


class Route(NamedTuple):
    origin: Place
    corridor: Corridor
    transit: Place
    destination: Place
    home: Place
    last_stage: int


def _pick(rng: Random, items: Sequence[T]) -> T:
    """`rng.choice` without its bias guard: several times faster, the bias is below 2**-40."""
    return items[int(rng.random() * len(items))]


def _weighted(rng: Random, items: Sequence[T], cumulative: Sequence[float]) -> T:
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


def _age(person: Person) -> float:
    return (_REFERENCE_ORDINAL - person.birth.toordinal()) / _DAYS_PER_YEAR


def _phone(rng: Random, region: str) -> Phone:
    code, _, leads, digits = PHONE_PLANS[region]
    return Phone(region, f"+{code}{_pick(rng, leads)}{int(rng.random() * 10**digits):0{digits}d}")


def _national(phone: Phone) -> str:
    """Written the way people at home write it; hyphenated, as the column separates by spaces."""
    code, trunk, _, _ = PHONE_PLANS[phone.region]
    number = phone.e164[1 + len(code) :]
    return f"{trunk}{number[:2]}-{number[2:5]}-{number[5:]}"


def _own_phones(rng: Random, nationality: str) -> tuple[Phone, ...]:
    phones: tuple[Phone, ...] = (
        (_phone(rng, "UA"),) if nationality == "UA" or rng.random() < 0.88 else ()
    )
    if nationality != "UA" and (not phones or rng.random() < 0.35):
        phones += (_phone(rng, nationality),)
    return phones


def _variant(rng: Random, group: NameGroup) -> int:
    return 0 if rng.random() < 0.65 else int(rng.random() * len(group[0]))


def _person(rng: Random, pid: int, nationality: str, category: str, sex: str, age: float) -> Person:
    pool = NAMES[nationality]
    given = _pick(rng, pool.female if sex == "female" else pool.male)
    family = _pick(rng, pool.family)
    birth = dt.date.fromordinal(_REFERENCE_ORDINAL - int((age + rng.random()) * _DAYS_PER_YEAR))
    person = Person(
        pid, nationality, nationality, sex, given, family, _variant(rng, given),
        _variant(rng, family), birth, category,
    )  # fmt: skip
    profile = NATIONALITIES.get(nationality)
    person.languages = _pick(rng, profile.languages) if profile else "uk ru"
    learned = "ru" if rng.random() < 0.5 else "uk"  # the language of their studies or work
    if rng.random() < 0.25 and learned not in person.languages:
        person.languages += f" {learned}"
    person.phones = _own_phones(rng, nationality)
    if rng.random() < 0.45:
        person.email = _email(rng, person)
    person.vulnerabilities = _vulnerabilities(rng, category, sex, age)
    return person


def _vulnerabilities(rng: Random, category: str, sex: str, age: float) -> tuple[str, ...]:
    codes, cumulative = _VULNERABILITY_RATES[category, sex == "female", 18 <= age <= 42]
    found: tuple[str, ...] = ()
    while len(found) < 3:  # a second (third) one is about as likely as a first
        index = bisect(cumulative, rng.random())
        if index == len(codes) or codes[index] in found:
            break
        found += (codes[index],)
    return (*found, "older_person") if age >= 60 else found


def _email(rng: Random, person: Person) -> str:
    given = ascii_slug(person.given[0][person.given_variant])
    family = ascii_slug(person.family[0][person.family_variant])
    local = _pick(
        rng,
        (
            f"{given}.{family}",
            f"{given}{family}{person.birth.year % 100:02d}",
            f"{family}.{given}{int(rng.random() * 100)}",
        ),
    )
    return f"{local}@{'example.org' if rng.random() < 0.6 else 'example.com'}"


def _adult(rng: Random, pid: int, nationality: str, category: str = "") -> Person:
    category = category or _weighted(rng, CATEGORIES, _CATEGORY_CUM[nationality])
    sex = "female" if rng.random() < _FEMALE_SHARE[category] else "male"
    if rng.random() < 0.002:
        sex = "other"
    low, span = _AGES[category]
    years = rng.random() * span
    if category == "student":  # most students are in their early twenties
        years = min(years, rng.random() * span)
    return _person(rng, pid, nationality, category, sex, low + int(years))


def _relative(
    rng: Random, head: Person, pid: int, relationship: str, age: float, category: str
) -> Person:
    """A family member: the head's nationality, family name and spelling of it."""
    sex = "female" if rng.random() < 0.5 else "male"
    person = _person(rng, pid, head.nationality, category, sex, age)
    person.family, person.family_variant = head.family, head.family_variant
    person.nationalities, person.relationship = head.nationalities, relationship
    if age < 16:
        person.email, person.languages = "", head.languages
        person.phones = head.phones[:1] if rng.random() < 0.6 else ()
    return person


def _family(rng: Random, pid: int, nationality: str, size: int) -> list[Person]:
    head = _adult(rng, pid, nationality, "worker" if rng.random() < 0.7 else "")
    head.relationship = "head"
    members = [head]
    children_nationalities = head.nationalities
    if head.sex == "male" or rng.random() < 0.5:
        members.append(_spouse(rng, head, pid + 1))
        if members[1].nationality == "UA":  # children of a Ukrainian parent hold both
            children_nationalities = f"{head.nationalities} UA"
    grandparent = size >= 4 and rng.random() < 0.25
    oldest = max(1.0, min(17.9, _age(head) - 18))
    while len(members) < size - grandparent:
        child = _relative(rng, head, pid + len(members), "child", rng.random() * oldest, "other")
        child.nationalities = children_nationalities
        members.append(child)
    if grandparent:
        age = 60 + rng.random() * 22
        members.append(_relative(rng, head, pid + len(members), "parent", age, "other"))
    return members


def _spouse(rng: Random, head: Person, pid: int) -> Person:
    sex = "male" if head.sex == "female" else "female"
    low, span = _AGES[head.category]  # within the ages of their category, as the head is
    age = min(max(float(low), _age(head) - 6 + rng.random() * 10), low + span - 0.1)
    if rng.random() < 0.15:  # many third-country workers had Ukrainian spouses
        spouse = _person(rng, pid, "UA", "other", sex, age)
        takes_name = rng.random() < 0.5
    else:
        spouse = _person(rng, pid, head.nationality, head.category, sex, age)
        takes_name = True
    if takes_name:
        spouse.family, spouse.family_variant = head.family, head.family_variant
    if rng.random() < 0.5:
        spouse.phones = head.phones
    spouse.relationship = "spouse"
    return spouse


def _siblings(rng: Random, pid: int, nationality: str, size: int) -> list[Person]:
    """Brothers and sisters studying together: one phone, one home town, sometimes twins.

    They look alike on paper but are different people: the hard negatives of de-duplication."""
    head = _adult(rng, pid, nationality, "student")
    head.relationship = "head"
    members = [head]
    twins = rng.random() < 0.4
    for index in range(1, size):
        minor = not twins and rng.random() < 0.15
        age = 14 + rng.random() * 3.9 if minor else 18 + rng.random() * 9
        sibling = _relative(rng, head, pid + index, "sibling", age, "other" if minor else "student")
        sibling.phones, sibling.languages = head.phones, head.languages
        if twins and index == 1:
            sibling.birth = head.birth
        if minor:  # with a brother or sister but without a parent
            sibling.vulnerabilities = (*sibling.vulnerabilities, "separated_child")
        members.append(sibling)
    return members


def _group(rng: Random, pid: int, nationality: str, size: int) -> list[Person]:
    """Classmates travelling together, sometimes with a cousin."""
    head = _adult(rng, pid, nationality, "student")
    head.relationship = "head"
    members = [head]
    for index in range(1, size):
        if rng.random() < 0.2:
            age = 18 + rng.random() * 10
            members.append(_relative(rng, head, pid + index, "other_relative", age, "student"))
            continue
        member = _adult(rng, pid + index, nationality, "student")
        member.relationship = "non_relative"
        members.append(member)
    return members


def _route(rng: Random, nationality: str, can_return: bool) -> Route:
    origin = _weighted(rng, ORIGINS, _ORIGIN_CUM)
    corridors = _SOUTH_CORRIDOR_CUM if origin == "Odesa" else _CORRIDOR_CUM
    corridor = _weighted(rng, CORRIDORS, corridors)
    last_stage = bisect(_STAGE_CUM, rng.random() * _STAGE_CUM[-1])
    if last_stage == 4 and not can_return:  # refugees do not go home
        last_stage = 3
    transit = PLACES[_pick(rng, corridor.transits)]
    destination = PLACES[_pick(rng, corridor.destinations)]
    home = PLACES[NATIONALITIES[nationality].capital]
    return Route(PLACES[origin], corridor, transit, destination, home, last_stage)


def _unit(
    rng: Random, pid: int, remaining: int, household_share: float
) -> tuple[list[Person], Route]:
    """The people who register together: one person, or a household of 2-6."""
    nationality = _weighted(rng, _NATIONALITY_CODES, _NATIONALITY_CUM)
    if remaining >= 2 and rng.random() < household_share:
        size = 2 + bisect(_HOUSEHOLD_SIZE_CUM, rng.random() * _HOUSEHOLD_SIZE_CUM[-1])
        build = _pick(rng, (_family, _family, _siblings, _group))
        members = build(rng, pid, nationality, min(size, remaining))
    elif rng.random() < 0.004:  # teenagers who fled alone
        sex = "female" if rng.random() < 0.5 else "male"
        members = [_person(rng, pid, nationality, "other", sex, 15 + rng.random() * 2.9)]
        members[0].vulnerabilities += ("unaccompanied_child",)
    else:
        members = [_adult(rng, pid, nationality)]
    route = _route(rng, nationality, members[0].category != REFUGEE)
    if route.last_stage >= 3:
        for person in members:
            if person.phones and rng.random() < 0.25:
                person.local_phone = _phone(rng, route.destination.country)
    return members, route


class _Ids:
    """Counters for source record ids (one sequence per prefix) and household refs."""

    def __init__(self) -> None:
        self.records: dict[str, int] = {}
        self.households = 0

    def record(self, channel: str, org: OrgSpec) -> str:
        prefix = f"{_CHANNELS[channel][1]}-{org.code}" if org.code else _CHANNELS[channel][1]
        number = self.records.get(prefix, 0) + 1
        self.records[prefix] = number
        return f"{prefix}-{number:06d}"

    def household(self) -> str:
        self.households += 1
        return f"HH-{self.households:06d}"


def _place(rng: Random, route: Route, stage: int) -> Place:
    if stage == 0:
        return route.origin if rng.random() < 0.7 else PLACES[_pick(rng, route.corridor.waypoints)]
    if stage == 1:
        return PLACES[route.corridor.ua_border if rng.random() < 0.35 else route.corridor.border]
    return (route.transit, route.destination, route.home)[stage - 2]


_SourceTable = tuple[tuple[tuple[str, tuple[OrgSpec, ...]], ...], tuple[int, ...]]


@lru_cache(maxsize=4096)  # saves rebuilding the table for every registration
def _sources(
    nationality: str,
    refugee: bool,
    trafficked: bool,
    stage: int,
    country: str,
    used: frozenset[str],
) -> _SourceTable:
    """The channels and organisations that could register someone here, with cumulative weights."""
    options = [
        ("hotline", _HOTLINES),
        ("volunteer", _VOLUNTEERS[nationality]),
        ("self", _SELF_FORMS[nationality]),
    ]
    if not refugee and _CONSULATES[nationality]:  # refugees avoid their consulate
        options.append(("consulate", _CONSULATES[nationality]))
    if stage == 1 and country == "UA":
        options.append(("border", _BORDER_POSTS))
    if 1 <= stage <= 3 and _SHELTERS[country]:
        options.append(("shelter", _SHELTERS[country]))
    if trafficked:
        options.append(("referral", _REFERRALS))
    # Each later registration comes from an organisation that has not registered them yet.
    fresh = [(channel, tuple(o for o in orgs if o.name not in used)) for channel, orgs in options]
    table = tuple((channel, orgs) for channel, orgs in fresh if orgs)
    return table, tuple(accumulate(_CHANNELS[channel][2] for channel, _ in table))


def _pick_source(
    rng: Random, lead: Person, stage: int, country: str, used: frozenset[str]
) -> tuple[str, OrgSpec]:
    refugee, trafficked = lead.category == REFUGEE, "trafficking" in lead.vulnerabilities
    table, cumulative = _sources(lead.nationality, refugee, trafficked, stage, country, used)
    channel, orgs = _weighted(rng, table, cumulative)
    return channel, _pick(rng, orgs)


class _Registration(NamedTuple):
    """What every row of one registration batch shares."""

    org: OrgSpec
    channel: str
    stage: int
    place: Place
    coordinates: tuple[str, str]
    household_ref: str
    duplicate: bool
    native: bool  # whether this registrar writes names in the person's own script
    family_draw: float  # picks the spelling of the family name for the whole batch


def _spelling(group: NameGroup, own: int, duplicate: bool, draw: float) -> str:
    variants, changed = group[0], 0.6 if duplicate else 0.1
    if len(variants) > 1 and draw < changed:
        other = int(draw / changed * (len(variants) - 1))  # any spelling but the person's own
        return variants[other + (other >= own)]
    return variants[own]


def _typo(rng: Random, text: str) -> str:
    index = 1 + int(rng.random() * (len(text) - 2)) if len(text) > 3 else 0
    if not index or not (text[index].isalpha() and text[index + 1].isalpha()):
        return text
    kind = rng.random()
    if kind < 0.3:
        return text[:index] + text[index + 1] + text[index] + text[index + 2 :]
    if kind < 0.55:
        return text[:index] + text[index + 1 :]
    if kind < 0.8 or not text[index].isascii():
        return text[:index] + text[index] + text[index:]
    return text[:index] + _pick(rng, "aeiou") + text[index + 1 :]


def _script(person: Person, reg: _Registration) -> str:
    if reg.channel == "border":
        return "cyrillic"
    # Consulates and diaspora groups write their own community's names in its script, and never
    # half a name in one script and half in another.
    own_community = person.nationality in reg.org.origins
    if reg.native and own_community and person.given[1] and person.family[1]:
        return "native"
    return "latin"


def _script_form(group: NameGroup, latin: str, script: str) -> str:
    native = group[1]
    if script == "native":
        return native
    if script == "cyrillic":  # a Soviet-era Cyrillic spelling beats transliterating the Latin one
        return native if native and "\u0400" <= native[0] <= "\u04ff" else to_cyrillic(latin)
    return latin


def _names(rng: Random, person: Person, reg: _Registration) -> tuple[str, str]:
    script, duplicate = _script(person, reg), reg.duplicate
    given = _spelling(person.given, person.given_variant, duplicate, rng.random())
    # One registrar spells a family's name one way for all of them.
    family = _spelling(person.family, person.family_variant, duplicate, reg.family_draw)
    given = _script_form(person.given, given, script)
    family = _script_form(person.family, family, script)
    if person.sex == "female":
        family = feminine(family)
    if rng.random() < (0.1 if duplicate else 0.02):
        if rng.random() < 0.5:
            given = _typo(rng, given)
        else:
            family = _typo(rng, family)
    if duplicate and script == "latin" and rng.random() < 0.08:
        family = family.upper()  # passport style
    if duplicate and rng.random() < (0.35 if person.nationality == "VN" else 0.1):
        return family, given
    return given, family


def _birth_date(rng: Random, person: Person, channel: str, duplicate: bool) -> str:
    _, _, _, missing, year_only, month_only, _ = _CHANNELS[channel]
    draw = rng.random()
    if draw < missing:
        return ""
    year, month, day = person.birth.year, person.birth.month, person.birth.day
    if duplicate and rng.random() < 0.1:
        if day <= 12 and day != month and dt.date(year, day, month) <= REFERENCE_DATE:
            month, day = day, month  # read the other way round
        elif rng.random() < 0.3 and (month, day) != (2, 29):
            year -= 1
    if draw < missing + year_only:
        return f"{year:04d}"
    if draw < missing + year_only + month_only:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _phones(rng: Random, person: Person, reg: _Registration) -> str:
    phones = person.phones
    if reg.stage == 3 and person.local_phone is not None:
        phones = (person.local_phone, *phones)
    if not phones or (reg.duplicate and rng.random() < 0.12):
        return ""
    if reg.channel in ("border", "hotline"):
        phones = phones[:1]  # one contact number
    if not reg.duplicate:
        return " ".join(phone.e164 for phone in phones)
    # A national number is read back with the location as its default region, so only numbers
    # of the country the person is in are written so (a Moroccan 06... would read as a
    # Zaporizhzhia 061... in Ukraine).
    country = reg.place.country
    return " ".join(
        _national(phone) if phone.region == country and rng.random() < 0.25 else phone.e164
        for phone in phones
    )


def _needs(rng: Random, stage: int, vulnerabilities: Sequence[str]) -> str:
    items: dict[str, str] = {}
    for code in vulnerabilities:
        need = _VULNERABILITY_NEEDS[code]
        items.setdefault(need.partition(":")[0], need)
    choices = _STAGE_NEED_ITEMS[stage]
    for _ in range(bisect(_NEED_COUNT_CUM, rng.random() * 100)):
        category, urgencies = choices[int(rng.random() * len(choices))]
        if category not in items:
            items[category] = urgencies[int(rng.random() * len(urgencies))]
    return " ".join(items.values())


def _consent(rng: Random, person: Person, channel: str) -> tuple[str, str]:
    scopes = ["registration"] if rng.random() < 0.97 else []
    kinds = ""
    if rng.random() < _CHANNELS[channel][6]:
        scopes.append("sharing")
        rates = _PARTNER_RATES[person.category == REFUGEE, "trafficking" in person.vulnerabilities]
        kinds = " ".join(kind for kind, rate in rates if rng.random() < rate)
    if rng.random() < 0.4:
        scopes.append("alerts")
    if rng.random() < (0.6 if "separated_child" in person.vulnerabilities else 0.06):
        scopes.append("family_tracing")
    return " ".join(scopes), kinds


def _coordinates(rng: Random, place: Place, channel: str) -> tuple[str, str]:
    if channel == "hotline" and rng.random() < 0.5:
        return "", ""  # callers name a town, not coordinates
    spread = place.spread
    latitude = place.latitude + (rng.random() - 0.5) * spread
    longitude = place.longitude + (rng.random() - 0.5) * spread
    return f"{latitude:.5f}", f"{longitude:.5f}"


def _row(rng: Random, record_id: str, person: Person, reg: _Registration) -> dict[str, str]:
    channel, place = reg.channel, reg.place
    given, family = _names(rng, person, reg)
    keep = 0.7 if reg.duplicate else 0.9  # registrars miss some vulnerabilities, more on re-runs
    vulnerabilities = person.vulnerabilities  # usually none
    if vulnerabilities:
        vulnerabilities = tuple(code for code in vulnerabilities if rng.random() < keep)
    consent, partner_kinds = _consent(rng, person, channel)
    lost_email = channel == "border" or (reg.duplicate and rng.random() < 0.3)
    email = "" if lost_email else person.email
    return {
        "source_record_id": record_id,
        "organisation": reg.org.name,
        "given_name": given,
        "family_name": family,
        "sex": "unknown" if channel == "hotline" and rng.random() < 0.05 else person.sex,
        "birth_date": _birth_date(rng, person, channel, reg.duplicate),
        "nationalities": person.nationalities,
        "languages": "" if channel == "border" else person.languages,
        "phones": _phones(rng, person, reg),
        "email": email,
        "country": place.country,
        "admin_area": place.admin_area,
        "place_name": place.name,
        "latitude": reg.coordinates[0],
        "longitude": reg.coordinates[1],
        "journey_stage": JOURNEY_STAGES[reg.stage],
        "category": person.category,
        "source": _CHANNELS[channel][0],
        "household_ref": reg.household_ref,
        "relationship": person.relationship if reg.household_ref else "",
        "vulnerabilities": " ".join(vulnerabilities),
        "needs": _needs(rng, reg.stage, vulnerabilities),
        "consent": consent,
        "sharing_partner_kinds": partner_kinds,
        "true_person_id": f"P{person.pid:07d}",
    }


def _registrations(
    rng: Random, ids: _Ids, members: list[Person], route: Route, duplicate_rate: float
) -> Iterator[list[dict[str, str]]]:
    """The batches of rows registering one unit: the first, then any duplicates, in route order."""
    extra = 0 if rng.random() >= duplicate_rate else 1 if rng.random() < 0.8 else 2
    last = route.last_stage
    stages = [*sorted(int(rng.random() * (last + 1)) for _ in range(extra)), last]
    used: frozenset[str] = frozenset()
    for index, stage in enumerate(stages):
        place = _place(rng, route, stage)
        channel, org = _pick_source(rng, members[0], stage, place.country, used)
        used |= {org.name}
        # A household is registered together; a later source sometimes takes each one alone,
        # but a consulate registers its national's family only as that family.
        alone = index > 0 and channel != "consulate" and rng.random() < 0.25
        together = len(members) > 1 and not alone
        household_ref = ids.household() if together else ""
        coordinates = _coordinates(rng, place, channel)
        native = bool(org.native_rate) and rng.random() < org.native_rate
        family_draw = rng.random()
        reg = _Registration(
            org, channel, stage, place, coordinates, household_ref, index > 0, native, family_draw
        )
        yield [_row(rng, ids.record(channel, org), person, reg) for person in members]


def generate_rows(config: ScenarioConfig) -> Iterator[dict[str, str]]:
    """Registrations one by one; duplicates follow their first registration a little later."""
    rng = Random(config.seed)
    ids = _Ids()
    rate = config.household_rate
    # The share of *units* that are households, so that `rate` of *people* are in one.
    household_share = rate / (_MEAN_HOUSEHOLD_SIZE * (1 - rate) + rate)
    delayed: list[tuple[int, int, list[dict[str, str]]]] = []  # (release at row, order, batch)
    emitted = order = 0
    pid = 1  # the next person's number
    while pid <= config.persons:
        members, route = _unit(rng, pid, config.persons - pid + 1, household_share)
        pid += len(members)
        batches = _registrations(rng, ids, members, route, config.duplicate_rate)
        first = next(batches)
        yield from first
        emitted += len(first)
        release = emitted
        for batch in batches:  # held back: other people register in between
            release += 1 + int(rng.random() * _MAX_DUPLICATE_DELAY)
            heapq.heappush(delayed, (release, order, batch))
            order += 1
        while delayed and delayed[0][0] <= emitted:
            batch = heapq.heappop(delayed)[2]
            yield from batch
            emitted += len(batch)
    while delayed:
        yield from heapq.heappop(delayed)[2]


def write_csv(
    rows: Iterable[dict[str, str]],
    path_or_file: str | os.PathLike[str] | IO[str],
    *,
    include_truth: bool = False,
) -> int:
    """Write the import CSV (with the ground truth column only on request); return the row count."""
    if isinstance(path_or_file, str | os.PathLike):
        with open(path_or_file, "w", newline="", encoding="utf-8") as handle:
            return _write(rows, handle, include_truth)
    return _write(rows, path_or_file, include_truth)


def _write(rows: Iterable[dict[str, str]], handle: IO[str], include_truth: bool) -> int:
    columns = COLUMNS if include_truth else COLUMNS[:-1]
    writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
