"""Name keys: the spellings the issue names meet, across scripts and conventions."""

from __future__ import annotations

import pytest

from compatriot.linkage.engine.keys import latin_tokens, phonetic, skeletons, variant_table


def key(name: str) -> tuple[str, ...]:
    return skeletons(latin_tokens(name))


@pytest.mark.parametrize(
    "spellings",
    [
        ("Mohammed", "Muhammad", "Мухаммед", "محمد", "Mohamed"),
        ("Mammadov", "Mamedov", "Мамедов", "Mammadova"),
        ("Pooja", "Puja", "पूजा"),
        ("Yusuf", "Youssef", "Юсуф", "يوسف"),
        ("Fatima", "Fatimah", "فاطمة", "Фатима"),
        ("Hussein", "Husain", "حسين", "Хусейн"),
        ("Ahmad", "Akhmed", "أحمد", "Ахмед"),
        ("Sharma", "शर्मा"),
    ],
)
def test_variants_across_scripts_share_a_key(spellings: tuple[str, ...]) -> None:
    keys = {key(spelling) for spelling in spellings}
    assert len(keys) == 1, dict(zip(spellings, map(key, spellings), strict=True))


@pytest.mark.parametrize(("one", "other"), [("Ali", "Omar"), ("Pooja", "Priya"), ("Anna", "Maria")])
def test_different_names_keep_different_keys(one: str, other: str) -> None:
    assert key(one) != key(other)


def test_phonetic_key_merges_near_consonants_but_not_everything() -> None:
    assert phonetic("ahmad") == phonetic("ahmat")
    assert phonetic("yusuf") == phonetic("yusuv")
    assert phonetic("ali") != phonetic("omar")


def test_odd_input_gives_no_tokens_rather_than_failing() -> None:
    assert latin_tokens("") == ()
    assert latin_tokens("  --  ") == ()
    assert latin_tokens("🙂") == ()
    assert latin_tokens("ნინო") == ("nino",)  # Georgian
    assert latin_tokens("王 芳") == ("wang", "fang")


def test_variant_table_is_derived_from_the_names_seen() -> None:
    table = variant_table(["Muhammad", "Mohammed", "محمد", "Mamedov", "Mammadov"])
    assert table["mhmd"] == ["mhmd", "mohammed", "muhammad"]
    assert table["mdv"] == ["mamedov", "mammadov"]
