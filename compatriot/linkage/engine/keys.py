"""Name keys that survive scripts and transliteration conventions.

Three keys per name token, from strict to loose:

- the Latin token (`to_latin`, lower case): distinguishes Hasan from Husain when both are Latin;
- the consonant skeleton (`compatriot.normalise.names.skeleton`): vowels dropped and the digraphs
  that conventions disagree on folded (kh/h, sh/s, dzh/j, w/v, ...), so that Mohammed, Muhammad,
  Мухаммед and محمد all give "mhmd", Mammadov and Mamedov "mmdv", Pooja, Puja and पूजा "pj";
- the phonetic class key (`phonetic`): the skeleton with voiced/voiceless pairs and near
  consonants merged, and h with the velars (g, k, c, q), so that Ahmad/Achmed/Akhmed,
  Abdulla/Abdullah, and the Russian convention of writing a foreign h as Г (Гасанов/Hasanov,
  Гусейн/Hüseyn) and the Egyptian g for the j of other Arabic (Gamal/Jamal) also meet.

Before the skeleton, `token_key` folds what the shared skeleton leaves apart: "dzh" (the
Russian and Ukrainian transliteration of Дж, as in Джоші/Joshi) to j.

Arabic script writes long vowels as the letters alif, waw and ya, and hamza on seats that a
transliterator renders as consonants ("wi'l" for وائل), while Latin spellings write vowels the
reader cannot see. Before transliterating an Arabic-script token we therefore drop the vowel
letters inside a word (keeping a word-initial waw or ya, which are consonants), the hamza seats
and the final ta marbuta, so that يوسف gives "ysf" like Yusuf and فاطمة gives "ftm" like Fatima.

The variant table is not a list of answers: tokens that share a key are variants of each other,
and `variant_table` derives the table from the data.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from compatriot.normalise.names import skeleton, to_latin

_ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alif, tatweel
_ARABIC_ALIFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
_ARABIC_HAMZA_SEATS = re.compile(r"[ءئؤ]")
_ARABIC_INNER_VOWELS = re.compile(r"(?<=\S)[اويى]")
_ARABIC_FINAL_TA = re.compile(r"ة(?=\s|$)")
_NON_LETTERS = re.compile(r"[^a-z]+")
_SILENT_H = re.compile(r"(?<=\w{3}[aeiou])h$")

# Phonetic classes on top of the skeleton: letters that transliterations swap for one another.
_PHONETIC = str.maketrans(
    {"p": "b", "f": "b", "v": "b", "t": "d", "k": "g", "c": "g", "h": "g", "z": "s", "j": "g"}
)
_PREFOLDS = (("dzh", "j"),)


def _arabic_consonantal(text: str) -> str:
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_ALIFS)
    text = _ARABIC_FINAL_TA.sub("", text)
    text = _ARABIC_INNER_VOWELS.sub("", text)
    return _ARABIC_HAMZA_SEATS.sub("", text)


@lru_cache(maxsize=1 << 17)
def latin_tokens(name: str) -> tuple[str, ...]:
    """Lower-case Latin tokens of a name in any script (hyphens and apostrophes split words)."""
    if not name:
        return ()
    # Symbols and digits are no part of a name (a transliterator would spell an emoji out).
    name = "".join(c if unicodedata.category(c)[0] in "LMZ" or c in "-'" else " " for c in name)
    if _ARABIC_LETTERS.search(name):
        name = _arabic_consonantal(name)
    latin = _NON_LETTERS.split(to_latin(name).lower()) if name.strip() else []
    # A final h after a vowel is a silent ending that only some conventions write (Fatimah,
    # Abdullah, Sarah), as Arabic script's ta marbuta is dropped above.
    return tuple(_SILENT_H.sub("", token) for token in latin if token)


@lru_cache(maxsize=1 << 17)
def token_key(token: str) -> str:
    """The consonant key of one Latin token: the shared skeleton after the folds above."""
    for pattern, replacement in _PREFOLDS:
        token = token.replace(pattern, replacement)
    return skeleton(token)


@lru_cache(maxsize=1 << 17)
def phonetic(token: str) -> str:
    """The phonetic class key of one Latin token (documented above); never empty for a token."""
    key = token_key(token).translate(_PHONETIC)
    key = re.sub(r"(.)\1+", r"\1", key)
    return key or token_key(token)


def skeletons(tokens: Iterable[str]) -> tuple[str, ...]:
    return tuple(token_key(token) for token in tokens)


def joined_skeleton(tokens: Iterable[str]) -> str:
    """The keys of the tokens written together: "Abdul Rahman" meets "Abdulrahman".

    Token by token, so that no letters are folded across a boundary the spelling had: joined
    whole, "Arjun Nair" and "Arjun Iyer" would both lose the y and the double n and meet."""
    return "".join(token_key(token) for token in tokens)


def variant_table(names: Iterable[str]) -> dict[str, list[str]]:
    """Skeleton -> the Latin spellings seen with it, for the names given (in any script)."""
    table: dict[str, set[str]] = defaultdict(set)
    for name in names:
        for token in latin_tokens(name):
            table[token_key(token)].add(token)
    return {key: sorted(spellings) for key, spellings in sorted(table.items())}
