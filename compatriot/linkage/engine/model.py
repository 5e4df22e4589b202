"""The Splink model: what is compared, how pairs are blocked, and how parameters are estimated.

No weight is written here: every level's m and u probability is estimated from the data (u by
random sampling, m by expectation maximisation over blocked pairs), and the prior from
deterministic rules. The levels only say which situations are worth telling apart.
"""

from __future__ import annotations

from typing import Any, Literal

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule


def _level(sql_condition: str, label: str) -> Any:
    """A level written in DuckDB's SQL; Splink translates it for another backend (Spark)."""
    return cll.CustomLevel(sql_condition, label, base_dialect_str="duckdb")


def _rule(sql: str) -> Any:
    return CustomRule(sql, sql_dialect="duckdb")


def _either_null(column: str) -> str:
    return f'"{column}_l" IS NULL OR "{column}_r" IS NULL'


def _agree(left: str, right: str) -> str:
    return f'coalesce("{left}_l" = "{right}_r", false)::INTEGER'


# Whether the two registrations wrote the given and family names in opposite fields: more keys
# agree crossed than straight. Each name comparison then compares the aligned fields, so a swap
# counts as two ordinary agreements rather than as a rare event of its own.
SWAPPED = (
    f"({_agree('given_key', 'family_key')} + {_agree('family_key', 'given_key')}) > "
    f"({_agree('given_key', 'given_key')} + {_agree('family_key', 'family_key')})"
)


def _right(field: str, other: str, suffix: str) -> str:
    return f'(CASE WHEN {SWAPPED} THEN "{other}_{suffix}_r" ELSE "{field}_{suffix}_r" END)'


def _name(field: str, other: str) -> Any:
    """One name field, compared with the aligned field of the other registration."""
    key, latin, phon = (f'"{field}_{suffix}_l"' for suffix in ("key", "latin", "phonetic"))
    r_key, r_latin, r_phon = (
        _right(field, other, suffix) for suffix in ("key", "latin", "phonetic")
    )
    # Written together on one side only: with as many tokens on both sides, the keys agreeing
    # joined would be a coincidence of letters, not a name run together. Either record's names
    # may be in the other order (both orders on both sides), so that the level does not depend
    # on which record is on the left.
    joined = (
        '("joined_key_l" = "joined_key_r" OR "joined_key_l" = "joined_key_swapped_r"'
        ' OR "joined_key_swapped_l" = "joined_key_r")'
        ' AND "name_count_l" <> "name_count_r"'
    )
    return cl.CustomComparison(
        output_column_name=field,
        comparison_description=f"{field} name in any script",
        comparison_levels=[
            _level(f"{key} IS NULL OR {r_key} IS NULL", "null").configure(is_null_level=True),
            # No term-frequency adjustment of a name on its own: how common the names are is
            # weighed once, by the namesakes comparison, on the pair of names and the year
            # together (how many records share them), not once per name part over all years
            # and again there.
            _level(f"{latin} = {r_latin}", "same spelling"),
            _level(f"{key} = {r_key}", "same consonant key"),
            _level(joined, "run together"),
            _level(f"{phon} = {r_phon}", "same phonetic key"),
            _level(f"jaro_winkler_similarity({latin}, {r_latin}) >= 0.9", "typo"),
            # One letter typed wrong, left out, doubled or two swapped: Jaro-Winkler misses it
            # in a short name (Arjun/Areun, Ankit/Anuit), and a name with nothing in common is a
            # hard conflict (twins, siblings) that one slip of the keyboard must not make.
            _level(
                f"least(length({latin}), length({r_latin})) >= 3"
                f" AND damerau_levenshtein({latin}, {r_latin}) <= 1",
                "one letter off",
            ),
            _level(
                f'list_contains("name_keys_r", {key}) OR list_contains("name_keys_l", {r_key})',
                "key among the other's names",
            ),
            _level(f"jaro_winkler_similarity({key}, {r_key}) >= 0.8", "similar consonant key"),
            # A short form that is the start or the end of the full name: Alex/Alexander,
            # Seun/Oluwaseun, Emeka/Chukwuemeka.
            _level(
                f"least(length({latin}), length({r_latin})) >= 3 AND ("
                f"starts_with({latin}, {r_latin}) OR starts_with({r_latin}, {latin}) OR "
                f"ends_with({latin}, {r_latin}) OR ends_with({r_latin}, {latin}))",
                "short form",
            ),
            cll.ElseLevel(),
        ],
    )


def _date_of_birth() -> Any:
    same_year = '"dob_year_l" = "dob_year_r"'
    same_month = '"dob_month_l" = "dob_month_r"'
    same_day = '"dob_day_l" = "dob_day_r"'
    both_full = '"dob_l" IS NOT NULL AND "dob_r" IS NOT NULL'
    month_fits = f'("dob_month_l" IS NULL OR "dob_month_r" IS NULL OR {same_month})'
    day_fits = f'("dob_day_l" IS NULL OR "dob_day_r" IS NULL OR {same_day})'
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_description="partial date of birth",
        comparison_levels=[
            _level(_either_null("dob_year"), "null").configure(is_null_level=True),
            _level('"dob_l" = "dob_r"', "same full date"),
            _level(
                f'{same_year} AND "dob_month_l" = "dob_day_r" AND "dob_day_l" = "dob_month_r"',
                "day and month swapped",
            ),
            # A misread or mistyped part: the other two agree.
            _level(
                f"{both_full} AND (({same_year} AND ({same_month} OR {same_day}))"
                f" OR ({same_month} AND {same_day}))",
                "full dates, one part differs",
            ),
            _level(
                f"{same_year} AND {same_month} AND {day_fits}",
                "same year and month, day unknown on one side",
            ),
            _level(f"{same_year} AND {month_fits}", "same year, month unknown"),
            # Two full dates that differ in two parts or more: most often two people.
            _level(both_full, "full dates that differ"),
            _level(same_year, "same year, different month"),
            _level('abs("dob_year_l" - "dob_year_r") <= 1', "one year apart"),
            _level('abs("dob_year_l" - "dob_year_r") <= 5', "two to five years apart"),
            cll.ElseLevel(),
        ],
    )


def _exact(column: str, label: str) -> Any:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=label,
        comparison_levels=[
            _level(_either_null(column), "null").configure(is_null_level=True),
            _level(f'"{column}_l" = "{column}_r"', "same"),
            cll.ElseLevel(),
        ],
    )


def _phones() -> Any:
    return cl.CustomComparison(
        output_column_name="phones",
        comparison_description="telephone numbers in E.164",
        comparison_levels=[
            _level(_either_null("phones"), "null").configure(is_null_level=True),
            # A number shared by a whole household says less than one used by one person alone.
            _level('"phone_first_l" = "phone_first_r"', "same first number").configure(
                tf_adjustment_column="phone_first", tf_adjustment_weight=1.0
            ),
            # Written with list_contains (which every backend has) rather than list_has_any:
            # a record's first or last number among the other's numbers.
            _level(
                'list_contains("phones_r", "phone_first_l")'
                ' OR list_contains("phones_r", "phone_last_l")'
                ' OR list_contains("phones_l", "phone_first_r")'
                ' OR list_contains("phones_l", "phone_last_r")',
                "a number in common",
            ),
            cll.ElseLevel(),
        ],
    )


# How many records share a pair's names (the order-free pair of name keys) and year of birth,
# the pair's two records included: the more namesakes born that year, the less an agreement on
# names and year says (at 100,000 generated records, pairs of the same names and year with no
# phone on one side were 87% one person in a group of two, 20% in a group of seven). It replaces
# the term frequencies of each name part (counted alone, over all years, they do not see it, and
# beside it they counted the names' commonness a second time).
NAMESAKE_LEVELS = (2, 3, 5)


def _namesakes() -> Any:
    """Levels by the size of the pair's name-and-year group; pairs not of one group (other
    names or years, or a year unknown) are at the null level: the other comparisons judge them.
    Its u is the share of the pairs within such groups, not of random pairs (`pipeline`), since
    the group is only defined for pairs that agree on names and year already."""
    same_group = (
        '"pair_key_l" = "pair_key_r" AND "dob_year_l" = "dob_year_r"'
        ' AND "namesakes_l" IS NOT NULL AND "namesakes_r" IS NOT NULL'
    )
    size = 'greatest("namesakes_l", "namesakes_r")'
    levels = [_level(f"NOT coalesce({same_group}, false)", "not one name-and-year group")
              .configure(is_null_level=True)]  # fmt: skip
    levels += [
        _level(f"{size} <= {most}", f"{most} records or fewer of these names and year")
        for most in NAMESAKE_LEVELS
    ]
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(
        output_column_name="namesakes",
        comparison_description="records of the same names and year of birth",
        comparison_levels=levels,
    )


def _place() -> Any:
    return cl.CustomComparison(
        output_column_name="place_of_birth",
        comparison_description="place of birth",
        comparison_levels=[
            _level(_either_null("place_key"), "null").configure(is_null_level=True),
            _level('"place_key_l" = "place_key_r"', "same"),
            _level('jaro_winkler_similarity("place_key_l", "place_key_r") >= 0.85', "similar"),
            cll.ElseLevel(),
        ],
    )


# The same year, or one year apart unless the months are known and differ (then two parts of the
# date differ: at 100,000 generated records, none of the 190,000 pairs so excluded, nor of those
# two years apart, was a match, and they were a third of all the pairs scored).
_NEAR_YEARS = (
    "(l.dob_year IS NULL OR r.dob_year IS NULL OR l.dob_year = r.dob_year"
    " OR (abs(l.dob_year - r.dob_year) = 1"
    " AND (l.dob_month IS NULL OR r.dob_month IS NULL OR l.dob_month = r.dob_month)))"
)


def _alike(left: str, right: str, short_forms: bool) -> str:
    """Jaro-Winkler ≥ 0.8, or (with `short_forms`) one the start or the end of the other, of two
    SQL expressions."""
    alike = f"jaro_winkler_similarity({left}, {right}) >= 0.8"
    if short_forms:
        short = f"least(length({left}), length({right})) >= 3"
        part = (
            f"starts_with({left}, {right}) OR starts_with({right}, {left}) OR "
            f"ends_with({left}, {right}) OR ends_with({right}, {left})"
        )
        alike = f"({alike} OR ({short} AND ({part})))"
    return alike


def _same_first(left: str, right: str) -> str:
    return f"substr(l.{left}, 1, 1) = substr(r.{right}, 1, 1)"


def _same_last(left: str, right: str) -> str:
    return f"right(l.{left}, 1) = right(r.{right}, 1)"


def _similar(
    left: str, right: str | None = None, *, short_forms: bool = True, given: str = "true"
) -> str:
    """Alike (Jaro-Winkler ≥ 0.8), or one the start or the end of the other
    (Emeka/Chukwuemeka, Femi/Oluwafemi).

    Asked only of names that share their first or last letter (a start or an end always does):
    Jaro-Winkler costs about a microsecond a pair in DuckDB and the equalities before it match
    hundreds of millions of pairs at a million records. No true pair of the generated data at
    100,000 or 300,000 records was lost by this (docs/benchmarks.md)."""
    right = right or left
    ends = f"({_same_first(left, right)} OR {_same_last(left, right)})"
    alike = _alike(f"l.{left}", f"r.{right}", short_forms)
    # A CASE, because DuckDB evaluates every operand of AND and OR on every row outside a join
    # condition, and Splink repeats each rule, negated, as a filter on the pairs of every later
    # rule: written so, the function runs only on the pairs that pass the cheap tests.
    return f"(CASE WHEN {given} AND {ends} THEN {alike} ELSE false END)"


# For each rule written by `_equal_and_similar`, the same pairs as two joins whose keys include
# the first letters, or else the last letters (the first differing): DuckDB hashes on them and
# asks the similarity of those pairs only, where in the rule (an OR of the two) the letters are
# a filter on every pair equal on the keys, hundreds of millions at a million records.
# `blocking.predict` joins these instead of the rule; Splink's `predict` keeps the rule.
SIMILAR_JOINS: dict[str, tuple[str, str]] = {}


def _equal_and_similar(
    equal: str, left: str, right: str | None = None, *, short_forms: bool = True
) -> str:
    """Equal on `equal` (the join's keys) and similar on `left`/`right` (a filter)."""
    rule = f"{equal} AND {_similar(left, right, short_forms=short_forms, given=equal)}"
    right = right or left
    alike = _alike(f"l.{left}", f"r.{right}", short_forms)
    first = _same_first(left, right)
    last = f"{_same_last(left, right)} AND NOT ({first})"
    SIMILAR_JOINS[rule] = (f"{equal} AND {first} AND {alike}", f"{equal} AND {last} AND {alike}")
    return rule


# Each rule keeps the pairs that share something specific; together they reach every pair that
# differs in any one field (a typo in a name, a lost phone, a missing date). The conditions after
# the equality are filters on the joined pairs, cheap beside scoring them: namesakes born years
# apart are common and never the same person.
PREDICTION_BLOCKS = (
    f"l.pair_key = r.pair_key AND {_NEAR_YEARS}",
    "l.phone_first = r.phone_first",
    # A number in common that is not the first of both: another number added on one side.
    "l.phone_last = r.phone_last",
    "l.phone_first = r.phone_last",
    "l.phone_last = r.phone_first",
    _equal_and_similar("l.family_key = r.family_key AND l.dob_year = r.dob_year", "given_latin"),
    _equal_and_similar("l.given_key = r.given_key AND l.dob_year = r.dob_year", "family_latin"),
    block_on("given_phonetic", "family_phonetic", "dob_year"),
    # Given and family names swapped, one of them also spelt another way.
    _equal_and_similar(
        "l.given_key = r.family_key AND l.dob_year = r.dob_year",
        "family_phonetic",
        "given_phonetic",
        short_forms=False,
    ),
    f"l.joined_key = r.joined_key AND l.pair_key <> r.pair_key AND {_NEAR_YEARS}",
    # Both orientations: Splink joins each pair once, with the lower id on the left.
    f"l.joined_key = r.joined_key_swapped AND l.pair_key <> r.pair_key AND {_NEAR_YEARS}",
    f"l.joined_key_swapped = r.joined_key AND l.pair_key <> r.pair_key AND {_NEAR_YEARS}",
    # Both names spelt by another convention (Гасанова/Hasanova, Вугар/Vüqar), in either field.
    f"l.phonetic_pair = r.phonetic_pair AND {_NEAR_YEARS}",
    # The same full date of birth and one name alike: the other spelt beyond recognition.
    block_on("dob", "given_phonetic"),
    block_on("dob", "family_phonetic"),
)
# Rules assumed to be nearly all true matches, from which the prior is estimated.
DETERMINISTIC_RULES = (
    "l.pair_key = r.pair_key AND l.dob = r.dob",
    "l.pair_key = r.pair_key AND l.phone_first = r.phone_first",
)
# EM learns each field's m from pairs blocked on other fields. None of these blocks may be
# dominated by relatives: pairs sharing only a phone or a family name are mostly siblings, and EM
# would take them for the matches (and learn that matches disagree on dates and given names).
# Nor may a field be left as the only one to separate matches inside a block.
#
# Each entry lists alternatives, best first: the first that yields pairs in the file is used
# (a file with no phones, or no sex, as FEBRL has neither, must still train).
TRAINING_BLOCKS: tuple[tuple[tuple[str, ...], ...], ...] = (
    # Learns dates of birth, sex, nationality.
    (("pair_key", "phone_first"), ("pair_key", "place_key")),
    # Learns phones. Not on the year of birth alone: namesakes born the same year agree on sex
    # and nationality as well, phones are left as the only field to tell them apart, and EM
    # takes half the namesakes for matches that disagree on their phone numbers.
    (("pair_key", "dob"),),
    # Learns names.
    (("dob", "sex"), ("dob", "nationality"), ("dob",)),
)


def prediction_blocks() -> list[Any]:
    return [_rule(rule) if isinstance(rule, str) else rule for rule in PREDICTION_BLOCKS]


def prediction_block_dicts() -> list[dict[str, Any]]:
    """The rules as a saved model's settings hold them (in DuckDB's SQL)."""
    rules = (rule.create_blocking_rule_dict("duckdb") for rule in prediction_blocks())
    return [{key: value for key, value in rule.items() if value is not None} for rule in rules]


def deterministic_rules() -> list[Any]:
    return [_rule(rule) for rule in DETERMINISTIC_RULES]


LinkType = Literal["link_only", "link_and_dedupe", "dedupe_only"]


def settings(link_type: LinkType = "dedupe_only") -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=[
            _name("given", "family"),
            _name("family", "given"),
            _date_of_birth(),
            _phones(),
            _exact("sex", "sex"),
            _exact("nationality", "nationality (ISO 3166 alpha-2)"),
            _place(),
            _namesakes(),
        ],
        blocking_rules_to_generate_predictions=prediction_blocks(),
        # The comparison levels (gamma_*) come out with each pair (Splink needs both options for
        # that), for the hard-conflict rule and the review queue's agreeing and disagreeing fields.
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        max_iterations=20,
        em_convergence=0.001,
    )
