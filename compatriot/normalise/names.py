"""Names in any script: a Latin transliteration beside the original, and search keys.

The search key of a name token is a consonant skeleton of its Latin form with the digraphs that
transliteration conventions disagree on folded together. Arabic script is written without short
vowels, so dropping vowels everywhere makes محمد, Мухаммед, Mohammed and Muhammad all "mhmd".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Order matters: longer and overlapping patterns first.
_FOLDS: tuple[tuple[str, str], ...] = (
    ("shch", "s"),
    ("sch", "s"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("sh", "s"),
    ("zh", "z"),
    ("ch", "c"),
    ("ts", "c"),
    ("tz", "c"),
    ("dj", "j"),
    ("dzh", "j"),
    ("ck", "k"),
    ("q", "k"),
    ("w", "v"),
    ("x", "ks"),
)
_VOWELS = re.compile(r"[aeiouy]")
_REPEATS = re.compile(r"(.)\1+")
_NON_LETTERS = re.compile(r"[^a-z]+")


# Pure functions of a string, called for every name of every person (bulk imports call them
# millions of times); names repeat, so a bounded memo saves most of the transliteration work.
@lru_cache(maxsize=1 << 16)
def to_latin(name: str) -> str:
    """Transliterate to ASCII Latin, keeping word boundaries and capitalisation of the source."""
    latin = anyascii(unicodedata.normalize("NFC", name))
    latin = re.sub(r"[^A-Za-z' -]+", " ", latin)
    latin = re.sub(r"\s+", " ", latin).strip()
    # Scripts without case (Arabic, Devanagari) come out lower-case: give them title case.
    if latin and latin == latin.lower():
        latin = latin.title()
    return latin


def tokens(name: str) -> list[str]:
    """Lower-case Latin tokens of a name in any script; hyphens and apostrophes split words."""
    return [token for token in _NON_LETTERS.split(to_latin(name).lower()) if token]


@lru_cache(maxsize=1 << 16)
def skeleton(token: str) -> str:
    """The consonant skeleton of one Latin token, whatever its case."""
    folded = token.lower()
    for pattern, replacement in _FOLDS:
        folded = folded.replace(pattern, replacement)
    consonants = _VOWELS.sub("", folded)
    if not consonants:  # all-vowel names ("Aya", "Io") keep their vowels
        consonants = folded
    return _REPEATS.sub(r"\1", consonants)


def search_text(*names: str) -> str:
    """What the name search matches against: each token, and each skeleton marked with '~'.

    Space-delimited with a leading space, so that `LIKE '% tok%'` is a token-prefix match.
    """
    words: list[str] = []
    for name in names:
        words += _words(name)
    unique = list(dict.fromkeys(words))
    return " " + " ".join(unique) + " " if unique else ""


@lru_cache(maxsize=1 << 16)
def _words(name: str) -> tuple[str, ...]:
    """A name's search words: each token, then its skeleton marked with '~'."""
    words: list[str] = []
    for token in tokens(name):
        words.append(token)
        words.append("~" + skeleton(token))
    return tuple(words)


def query_terms(query: str) -> list[tuple[str, str]]:
    """For each query token, the (token, skeleton) pair to look for."""
    return [(token, skeleton(token)) for token in tokens(query)]
