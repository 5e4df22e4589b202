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


def test_short_forms_and_a_number_added_later_link() -> None:
    found = clusters(
        *BACKGROUND,
        # Yoruba short form, names swapped, a Ukrainian SIM added beside the first number.
        ("1", "Segun", "Afolabi", "1992-08-07", "male", "NG", "+380634880575"),
        ("2", "Afolabi", "Olusegun", "1992-08-07", "male", "NG", "+2349034029000 +380634880575"),
    )
    assert found["1"] == found["2"]


def test_siblings_with_one_name_and_phone_but_other_full_dates_stay_apart() -> None:
    # Two children of one family given one name (a child who died, a name passed on), sharing
    # the family phone: both full dates known and differing in day, month and year.
    found = clusters(
        *BACKGROUND,
        ("1", "Amina", "Abdullahi", "2009-11-06", "female", "NG", "+380731269514"),
        ("2", "Amina", "Abdullahi", "2011-10-04", "female", "NG", "+380731269514"),
        # A misread day and month, or a mistyped day, still link.
        ("3", "Kofi", "Mensah", "1980-03-07", "male", "GH", "+233201234567"),
        ("4", "Kofi", "Mensah", "1980-07-03", "male", "GH", "+233201234567"),
        ("5", "Ama", "Owusu", "1985-06-12", "female", "GH", "+233207654321"),
        ("6", "Ama", "Owusu", "1985-06-21", "female", "GH", "+233207654321"),
    )
    assert found["1"] != found["2"]
    assert found["3"] == found["4"]
    assert found["5"] == found["6"]


def test_dates_differ_is_a_conflict_but_swaps_and_1_january_are_not() -> None:
    import pandas as pd

    def facts(*dates: tuple[int, int, int] | None) -> pd.DataFrame:
        return pd.DataFrame(
            [(None, None, None) if date is None else date for date in dates],
            columns=["dob_year", "dob_month", "dob_day"],
            dtype="Int64",
        )

    left = facts((2009, 11, 6), (1980, 3, 7), (1980, 1, 1), (1980, 3, 7), (1980, 3, 7))
    right = facts((2011, 10, 4), (1980, 7, 3), (1980, 5, 9), None, (1980, 3, 17))
    assert pipeline._dates_differ(left, right).tolist() == [True, False, False, False, False]


def test_sex_and_nationality_are_not_counted_twice_with_the_names() -> None:
    """u of sex and nationality is the chance of agreeing among records with the same given
    name, far higher than among all records: agreeing on them adds little to a name match."""
    from compatriot.linkage.engine.features import prepare as prep

    rows = []
    for n in range(1200):
        woman = n % 2 == 0
        given = ("Fatima", "Aisha", "Zeynab")[n % 3] if woman else ("Omar", "Elvin", "Karim")[n % 3]
        country = ("MA", "EG", "AZ")[n % 3]
        rows.append(
            (str(n), given, f"Family{n}", f"{1950 + n % 60}", "female" if woman else "male",
             country, "")
        )  # fmt: skip
    frame = prep(records(*rows)).frame
    linker = pipeline.new_linker(frame, pipeline.Options())
    for column in ("sex", "nationality"):
        pipeline._condition_u(linker, column)
    for comparison in linker._settings_obj.comparisons:
        if comparison.output_column_name in {"sex", "nationality"}:
            same = next(lvl for lvl in comparison.comparison_levels if not lvl.is_null_level)
            assert (same.u_probability or 0) > 0.99


def test_one_letter_typed_wrong_in_a_short_given_name_links() -> None:
    """Jaro-Winkler misses a slip in a short name; it must not read as names with nothing in
    common, which is the hard conflict that keeps twins apart."""
    found = clusters(
        *BACKGROUND,
        ("1", "Arjun", "Joshi", "1998-09-25", "male", "IN", "+380739292491"),
        ("2", "Areun", "Joshi", "1998-09-25", "male", "IND", "+380739292491"),
        ("3", "Ankit", "Yadav", "2001-02-15", "male", "IN", "+380988558421"),
        ("4", "Anuit", "Yadav", "2001-02-15", "male", "IN", "+380988558421"),
    )
    assert found["1"] == found["2"]
    assert found["3"] == found["4"]


def test_a_national_number_read_with_the_wrong_region_still_links() -> None:
    # A Polish number written in national form by a volunteer in Poland; the file says only
    # that the person is Moroccan and the crisis is in Ukraine, so it reads as a Ukrainian
    # number. Its subscriber digits are the same.
    frame = prepare(
        records(
            *BACKGROUND,
            ("1", "Soufiane", "Benjelloun", "1967-12-23", "male", "MA", "+48505546433"),
            ("2", "Sofiane", "Ben Jelloun", "1967", "male", "MA", "50-554-6433"),
        ),
        phone_regions=("UA",),
    ).frame
    result, _, _ = pipeline.dedupe(frame)
    found = dict(zip(result["unique_id"], result["cluster_id"], strict=True))
    assert found["1"] == found["2"]


def test_names_run_together_score_the_same_whichever_record_comes_first() -> None:
    """The 'run together' level compares both orders of both records' names: which record is on
    the left (the lower id) must not change a pair's levels or score."""
    abdul = ("Abdul", "Rahman Khan", "", "male", "PK", "+923001234567")
    rahman = ("Rahman", "Khanabdul", "", "male", "PK", "+923001234567")

    def scored(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[int, int, float]:
        frame = prepare(records(*BACKGROUND, ("1", *first), ("2", *second))).frame
        _, pairs, _ = pipeline.dedupe(frame)
        pair = pairs[(pairs["unique_id_l"] == "1") & (pairs["unique_id_r"] == "2")].iloc[0]
        return int(pair["gamma_given"]), int(pair["gamma_family"]), pair["match_probability"]

    one_way, other_way = scored(abdul, rahman), scored(rahman, abdul)
    assert one_way[:2] == other_way[:2]
    assert one_way[2] == pytest.approx(other_way[2])


def test_namesakes_count_the_records_of_one_name_and_year() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "pair_key": ["ali|mhmd", "ali|mhmd", "ali|mhmd", "ali|mhmd", None, "ftm|zhr"],
            "dob_year": pd.array([1990, 1990, 1991, None, 1990, 1990], dtype="Int64"),
        }
    )
    assert pipeline.namesakes(frame).tolist() == [2, 2, 1, pd.NA, pd.NA, 1]
    # A query counts the registry's records of its names and year, and itself.
    assert pipeline.namesakes(frame.iloc[[0, 5]], among=frame.iloc[1:5]).tolist() == [2, 1]


def test_namesakes_u_is_counted_among_two_people() -> None:
    """u of the namesakes levels is the share of pairs of two people (same names and year,
    phones with no number in common) by the size of their group: a group of two that is one
    person registered twice (one phone) must not count."""
    rows = []
    for n in range(1200):
        # 600 people registered twice with one phone (groups of two, all one person), and
        # three groups of ten namesakes each with a phone of their own.
        if n < 1170:
            person = n // 2
            rows.append((str(n), f"Given{person}", "Family", "1980", "", "", f"+38050{person:07d}"))
        else:
            group = (n - 1170) // 10
            rows.append((str(n), "Omar", f"Haddad{group}", "1990", "", "", f"+38067{n:07d}"))
    frame = prepare(records(*rows)).frame
    linker = pipeline.new_linker(frame, pipeline.Options())
    pipeline._condition_namesakes_u(linker)
    namesakes = next(
        c for c in linker._settings_obj.comparisons if c.output_column_name == "namesakes"
    )
    u = [level.u_probability for level in namesakes.comparison_levels if not level.is_null_level]
    # Every pair of two people is in a group of ten: "more than five" has it all.
    assert u[:3] == [pytest.approx(1e-4)] * 3
    assert u[3] == pytest.approx(1 - 1e-4)


def test_a_name_and_year_shared_by_many_namesakes_says_less() -> None:
    """Same names, one record with a year of birth only and the other without a phone: alone
    with that name and year they are most likely one person, and link; among many namesakes
    born that year the same agreement says less, and the pair scores lower."""
    crowd = tuple(
        (f"n{i}", "Farai", "Moyo", f"1995-{i + 1:02d}-1{i}", "male", "ZW", f"+2637799900{i:02d}")
        for i in range(8)
    )
    frame = prepare(
        records(
            *BACKGROUND,
            ("1", "Tatenda", "Ncube", "2001", "male", "ZW", "+263771234567"),
            ("2", "Tatenda", "Ncube", "2001-09-04", "male", "ZW", ""),
            *crowd,
            ("3", "Farai", "Moyo", "1995", "male", "ZW", "+263778888888"),
            ("4", "Farai", "Moyo", "1995-10-10", "male", "ZW", ""),
        )
    ).frame
    result, pairs, _ = pipeline.dedupe(frame)
    found = dict(zip(result["unique_id"], result["cluster_id"], strict=True))
    score = {
        (left, right): probability
        for left, right, probability in pairs[
            ["unique_id_l", "unique_id_r", "match_probability"]
        ].itertuples(index=False)
    }
    assert found["1"] == found["2"]
    assert score[("3", "4")] < score[("1", "2")]


def test_a_common_given_name_says_no_less_when_no_one_else_shares_the_names_and_year() -> None:
    """How common the names are is weighed once, on the pair of names and the year together:
    two records alone in the file with "Mohammed Haddad" born 1990 are as telling as two alone
    with a rare pair, however many other Mohammeds (of other families) the file has. A term
    frequency on the given name alone would count the Mohammeds against the first pair."""
    consonants = "bkrmtslnvd"
    mohammeds = tuple(
        (f"m{n}", "Mohammed", "".join(f"{consonants[int(d)]}a" for d in f"{n:03d}").title(),
         f"{1940 + n % 60}", "male", "EG", "")
        for n in range(1000)
    )  # fmt: skip
    frame = prepare(
        records(
            *mohammeds,
            ("a1", "Mohammed", "Haddad", "1990", "male", "EG", ""),
            ("a2", "Mohammed", "Haddad", "1990-05-06", "male", "EG", ""),
            ("b1", "Zebulon", "Quaresma", "1990", "male", "EG", ""),
            ("b2", "Zebulon", "Quaresma", "1990-05-06", "male", "EG", ""),
        )
    ).frame
    _, pairs, _ = pipeline.dedupe(frame, saved_model=pipeline.bundled_model())
    score = {
        (left, right): probability
        for left, right, probability in pairs[
            ["unique_id_l", "unique_id_r", "match_probability"]
        ].itertuples(index=False)
    }
    assert score[("a1", "a2")] == pytest.approx(score[("b1", "b2")])


def test_names_run_together_count_the_other_name_once() -> None:
    """u of the "run together" level is counted among pairs that agree on the other name: the
    level is only reached when the other name agrees too, and its u by random pairs (both names
    agreeing) beside the other name's own agreement counted that name twice."""
    # Egyptian: Ben is not the particle that Maghreb keys join (`keys._PARTICLES`), so Ben Ali
    # stays two words.
    rows = [
        ("1", "Reda", "Benali", "2002", "male", "EG", ""),
        ("2", "Reda", "Benali", "2002", "male", "EG", ""),
        ("3", "Reda", "Ben Ali", "2002", "male", "EG", ""),
    ]
    # Everyone else has a given name and a family name of their own.
    letters = "bdfglmnpt"
    names = [f"{a.upper()}a{b}om" for a in letters for b in letters if a != b != "m"][:40]
    rows += [(f"x{n}", name, f"{name}ski", "", "", "", "") for n, name in enumerate(names)]
    frame = prepare(records(*rows)).frame
    linker = pipeline.new_linker(frame, pipeline.Options())
    pipeline._condition_run_together_u(linker, "family", "given")
    family = next(c for c in linker._settings_obj.comparisons if c.output_column_name == "family")
    level = next(lv for lv in family.comparison_levels if lv.label_for_charts == "run together")
    # Three pairs share the given name Reda; two of them are Benali against Ben Ali.
    assert level.u_probability == pytest.approx(2 / 3)


def test_a_name_run_together_says_no_more_than_the_same_spelling() -> None:
    """Reda Benali and Reda Ben Ali (the family name glued on one side) agree no more than two
    Reda Benalis: the given name agreeing is counted once, by the given name's comparison.
    Egyptian, so that Ben Ali stays two words (Maghreb keys join the particle)."""
    frame = prepare(
        records(
            *BACKGROUND,
            ("1", "Reda", "Benali", "2002", "male", "EG", ""),
            ("2", "Reda", "Ben Ali", "2002-05-04", "male", "EG", "+201012345678"),
            ("3", "Karim", "Benali", "1999", "male", "EG", ""),
            ("4", "Karim", "Benali", "1999-08-07", "male", "EG", "+201098765432"),
        )
    ).frame
    _, pairs, _ = pipeline.dedupe(frame)
    score = {
        frozenset((row.unique_id_l, row.unique_id_r)): row.match_probability
        for row in pairs.itertuples()
    }
    assert score[frozenset(("1", "2"))] <= score[frozenset(("3", "4"))]


def test_a_level_no_training_pair_reached_says_nothing() -> None:
    """Left untrained, Splink weighs a level by its comparison's default m (which made "run
    together" outweigh two identical spellings once the keys joined Ben Ali and Benali): such a
    level gets m = u. A level that training did reach keeps its m."""
    linker = pipeline.new_linker(prepare(records(*BACKGROUND)).frame, pipeline.Options())
    family = next(c for c in linker._settings_obj.comparisons if c.output_column_name == "family")
    levels = {level.label_for_charts: level for level in family.comparison_levels}
    unseen, trained = levels["run together"], levels["same spelling"]
    unseen.u_probability, trained.u_probability = 0.001, 0.004
    trained.m_probability = 0.6
    pipeline._unobserved_levels_say_nothing(linker)
    assert unseen.m_probability == pytest.approx(0.001)
    assert trained.m_probability == pytest.approx(0.6)


def test_a_phone_with_letters_is_reported_not_dialled_as_on_a_keypad() -> None:
    # "+48 600 CALL ME" would read as +48 600 225 563: a made-up number to link people on.
    prepared = prepare(
        records(
            ("1", "Soufiane", "Benjelloun", "1967-12-23", "male", "MA", "+48 600 CALL ME"),
            ("2", "Sofiane", "Ben Jelloun", "1967", "male", "MA", "+48 600 225 563"),
        )
    )
    assert [(p.line, p.field, p.reason.split(":")[0]) for p in prepared.problems] == [
        (2, "phone", "contains letters")
    ]
    assert prepared.frame["phones"].tolist() == [None, ["00225563"]]  # last eight digits
