"""The engine on small hand-made registries: who must link, and who must not."""

from __future__ import annotations

import pytest

from compatriot.linkage.engine import pipeline
from compatriot.linkage.engine.features import prepare

HEADER = ("id", "given_name", "family_name", "date_of_birth", "sex", "nationality", "phone")


def records(*rows: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    return [(line, dict(zip(HEADER, row, strict=True))) for line, row in enumerate(rows, start=2)]


def clusters(*rows: tuple[str, ...]) -> dict[str, str]:
    frame = prepare(records(*rows)).frame
    result, _, _ = pipeline.dedupe(frame)
    return dict(zip(result["unique_id"], result["cluster_id"], strict=True))


# A background of unrelated people, so that each test is a registry rather than a pair.
BACKGROUND = (
    ("b1", "Olena", "Kovalenko", "1985-02-11", "female", "UA", "+380501112233"),
    ("b2", "Chinedu", "Okafor", "1999-07-01", "male", "NG", "+2348031234567"),
    ("b3", "Aygun", "Aliyeva", "2000-12-30", "female", "AZ", "+994501234567"),
    ("b4", "Rahul", "Verma", "1997-04-15", "male", "IN", "+919876543210"),
)


@pytest.mark.parametrize(
    "pair",
    [
        (("1", "Mohammed", "Ali", "1990-03-04", "male", "EG", "+201001234567"),
         ("2", "محمد", "علي", "1990-03-04", "male", "EGY", "01001234567")),
        (("1", "Muhammad", "Ali", "1990-03-04", "male", "EG", "+201001234567"),
         ("2", "Мухаммед", "Али", "1990-03-04", "male", "EG", "+201001234567")),
        (("1", "Elvin", "Mammadov", "1995-06-20", "male", "AZ", "+994551234567"),
         ("2", "Эльвин", "Мамедов", "1995-06-20", "male", "AZE", "+994551234567")),
        (("1", "Pooja", "Sharma", "2001-05-06", "female", "IN", "+919812345678"),
         ("2", "पूजा", "शर्मा", "2001-05-06", "female", "IND", "09812345678")),
        (("1", "Yusuf", "Haddad", "1988-01-09", "male", "SY", "+963944123456"),
         ("2", "يوسف", "حداد", "1988", "male", "SYR", "+963944123456")),
    ],
)  # fmt: skip
def test_the_same_person_in_other_scripts_links(pair: tuple[tuple[str, ...], ...]) -> None:
    found = clusters(*BACKGROUND, *pair)
    assert found["1"] == found["2"]
    assert len({found[row[0]] for row in BACKGROUND}) == len(BACKGROUND)


def test_swapped_names_and_day_month_swap_link() -> None:
    found = clusters(
        *BACKGROUND,
        ("1", "Fatima", "Zahra", "1992-03-07", "female", "MA", "+212612345678"),
        ("2", "ZAHRA", "Fatimah", "1992-07-03", "female", "MAR", "+212612345678"),
    )
    assert found["1"] == found["2"]


def test_twins_siblings_and_namesakes_stay_apart() -> None:
    phone, family = "+994501112233", "Huseynov"
    found = clusters(
        *BACKGROUND,
        # Twins: one family, one phone, one date of birth, different given names.
        ("t1", "Anar", family, "2003-09-01", "male", "AZ", phone),
        ("t2", "Aynur", "Huseynova", "2003-09-01", "female", "AZ", phone),
        # A brother with the family's phone, two years older.
        ("s1", "Elchin", family, "2001-02-14", "male", "AZ", phone),
        # A father with the same given name as his son, and the family phone.
        ("f1", "Elchin", family, "1975-05-05", "male", "AZ", phone),
        # A namesake of the brother: other date of birth, other phone.
        ("n1", "Elchin", family, "1990-11-23", "male", "AZ", "+994551239876"),
    )
    assert len({found[i] for i in ("t1", "t2", "s1", "f1", "n1")}) == 5


def test_empty_fields_are_compared_as_unknown() -> None:
    found = clusters(
        *BACKGROUND,
        ("1", "", "", "", "", "", ""),
        ("2", "", "", "", "", "", ""),
        ("3", "Ali", "", "", "", "", ""),
    )
    assert len({found["1"], found["2"], found["3"]}) == 3


def test_tracing_ranks_the_person_sought_first() -> None:
    against = prepare(records(*BACKGROUND,
        ("1", "Мухаммед", "Али", "1990-03-04", "male", "EG", "+201001234567"),
        ("2", "Mohamed", "Alaa", "1991-08-08", "male", "EG", "+201009999999"),
    )).frame  # fmt: skip
    queries = prepare(records(("q", "محمد", "علي", "1990", "", "EGY", ""))).frame
    ranked, _ = pipeline.trace(queries, against, top=3)
    assert list(ranked.columns) == ["query_id", "candidate_id", "rank", "probability"]
    assert ranked.iloc[0]["candidate_id"] == "1"
    assert ranked.iloc[0]["rank"] == 1
    assert list(ranked["probability"]) == sorted(ranked["probability"], reverse=True)
