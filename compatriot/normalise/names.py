"""Names in any script: a Latin transliteration beside the original, and search keys.

The search key of a name token is a consonant skeleton of its Latin form with the digraphs that
transliteration conventions disagree on folded together. Arabic script is written without short
vowels, so dropping vowels everywhere makes محمد, Мухаммед, Mohammed and Muhammad all "mhmd".

A name written in Han characters or Hangul is spelled a syllable per token ("张伟" "Zhang Wei",
"김민준" "Gim Min Jun"), and its search words also hold the syllables written together
("zhangwei", "minjun"); the first syllable of a Hangul name, when it is a frequent surname, also
gives the spellings Koreans use for it (김 Kim, 이 Lee, 박 Park). Serbian and Croatian đ reads as
dj, as Serbian Cyrillic ђ does (Đorđe and Ђорђе both "Djordje"), and the search words also hold
the spelling that flattens it to d ("Dorde").
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

# Han ideographs (the unified blocks, their extensions and the compatibility forms) and Hangul
# syllables: each character is one syllable, which anyascii spells capitalised and unspaced
# ("张伟" "ZhangWei", "김민준" "GimMinJun"). Spelled apart, each is a token.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HANGUL = "\uac00-\ud7a3"
_SYLLABLE = re.compile(f"[{_HAN}{_HANGUL}]")
_SYLLABLE_RUN = re.compile(f"[{_HAN}{_HANGUL}]+")
# Names are a few syllables: longer runs are not joined (their sub-runs grow as the square).
_LONGEST_JOINED = 6

# The spellings of the most frequent Korean surnames besides the Revised Romanization that
# anyascii writes (Gim, I, Bag): Koreans choose their passport spelling freely, and most choose
# these (Kim 99.8%, Lee 98.4%, Park 97.3%, Choi 88.5%, Jung 41% of passports). The surnames are
# Statistics Korea's most frequent (2015 census); the spellings those of the Ministry of Foreign
# Affairs' passport statistics and of Wikipedia's "List of Korean surnames" (the RR, the
# McCune-Reischauer and the common spellings). Search words only: the Latin form stays anyascii's.
KOREAN_SURNAMES: dict[str, tuple[str, ...]] = {
    "김": ("kim",),
    "이": ("lee", "yi", "rhee", "ri", "li"),
    "박": ("park", "pak", "bak"),
    "최": ("choi", "choe"),
    "정": ("jung", "jeong", "chung", "cheong"),
    "강": ("kang",),
    "조": ("cho", "jo"),
    "윤": ("yoon", "youn"),
    "장": ("chang",),
    "임": ("lim", "yim", "rim"),
    "오": ("oh",),
    "서": ("seo", "suh"),
    "신": ("shin",),
    "권": ("kwon", "kweon"),
    "안": ("ahn",),
    "전": ("jun", "chun", "chon"),
    "유": ("yoo", "you", "ryu"),
    "류": ("ryu", "yoo", "yu"),
    "고": ("ko", "koh"),
    "문": ("moon",),
    "손": ("sohn",),
    "배": ("pae",),
    "백": ("baek", "paek", "baik", "paik"),
    "허": ("hur", "huh"),
    "노": ("noh", "roh"),
    "심": ("shim",),
    "곽": ("kwak", "gwak"),
    "성": ("sung",),
    "주": ("joo", "choo", "chu"),
    "우": ("woo",),
    "구": ("koo", "ku"),
    "진": ("chin",),
    "지": ("chi",),
    "엄": ("um", "uhm"),
    "변": ("byun", "pyun"),
    "천": ("chun",),
    "방": ("pang",),
    "공": ("kong",),
    "현": ("hyun",),
    "석": ("seok", "suk"),
}

# Serbian, Croatian and Bosnian đ is the sound Serbian Cyrillic writes ђ, which anyascii spells
# dj (Ђорђе "Djordje"), as the name is written without diacritics (Djokovic); anyascii flattens
# đ to d (Đorđe "Dorde"), so đ is read as dj first. Vietnamese đ is a d (Đặng "Dang", Đinh
# "Dinh"): a word with a vowel that bears a mark (South Slavic vowels bear none) or that is one
# Vietnamese syllable keeps anyascii's d.
_WITH_D_STROKE = re.compile(r"[^\W\d_]*[Đđ][^\W\d_]*")
_VIETNAMESE_SYLLABLE = re.compile(r"đ[aeiouy]{1,3}(?:ch|nh|ng|[cmnpt])?", re.IGNORECASE)
_MARKED_VOWEL = re.compile(r"[aeiouyAEIOUY][\u0300-\u036f]")
# Both readings of đ and ђ (and of a Latin form transliterated from them) are search words.
_FLAT_D = str.maketrans({"Đ": "D", "đ": "d", "Ђ": "D", "ђ": "d"})


def _read_d_stroke(word: re.Match[str]) -> str:
    text = word[0]
    if _MARKED_VOWEL.search(unicodedata.normalize("NFD", text)) or (
        _VIETNAMESE_SYLLABLE.fullmatch(text)
    ):
        return text
    return text.replace("Đ", "DJ" if text.isupper() and len(text) > 1 else "Dj").replace("đ", "dj")


# Pure functions of a string, called for every name of every person (bulk imports call them
# millions of times); names repeat, so a bounded memo saves most of the transliteration work.
@lru_cache(maxsize=1 << 16)
def to_latin(name: str) -> str:
    """Transliterate to ASCII Latin, keeping word boundaries and capitalisation of the source;
    Han and Hangul a syllable per word."""
    written = unicodedata.normalize("NFC", name)
    if "Đ" in written or "đ" in written:
        written = _WITH_D_STROKE.sub(_read_d_stroke, written)
    latin = anyascii(_SYLLABLE.sub(r" \g<0> ", written))
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
    """A name's search words: each token, then its skeleton marked with '~'; then the other
    spellings of its đ, its syllables written together and its Korean surname's spellings."""
    words: list[str] = []
    for token in (*tokens(name), *_other_spellings(name)):
        words.append(token)
        words.append("~" + skeleton(token))
    return tuple(dict.fromkeys(words))


def _other_spellings(name: str) -> list[str]:
    written = unicodedata.normalize("NFC", name)
    spellings = _flat_d_tokens(written)
    for run in _SYLLABLE_RUN.findall(written):
        spellings += [spelling for _, _, spelling in _run_spellings(run)]
    return spellings


def _flat_d_tokens(written: str) -> list[str]:
    """The tokens of the name with đ and ђ read as d, where that changes them."""
    flat = written.translate(_FLAT_D)
    return tokens(flat) if flat != written else []


def _run_spellings(run: str) -> list[tuple[int, int, str]]:
    """The spellings of a run of Han or Hangul syllables, each with the syllables it spans
    (start, end): each syllable; each stretch of two or more written together; and those that
    begin the run with a Korean surname in its other spellings."""
    syllables = ["".join(tokens(syllable)) for syllable in run]
    spans = [(index, index + 1) for index in range(len(run))]
    if len(run) <= _LONGEST_JOINED:
        spans += [(a, b) for a in range(len(run)) for b in range(a + 2, len(run) + 1)]
    spellings = [(a, b, "".join(syllables[a:b])) for a, b in spans]
    for surname in KOREAN_SURNAMES.get(run[0], ()) if len(run) <= _LONGEST_JOINED else ():
        spellings += [(0, b, surname + "".join(syllables[1:b])) for b in range(1, len(run) + 1)]
    return [(a, b, spelling) for a, b, spelling in spellings if spelling]


def query_terms(query: str) -> list[tuple[tuple[str, str], ...]]:
    """For each query word, the (token, skeleton) pairs of which one must match: the token's
    own, and those of its other spellings (đ read as d; a Han or Hangul syllable also within the
    syllables around it written together, and a Hangul surname in its common spellings)."""
    written = unicodedata.normalize("NFC", query)
    terms: list[list[str]] = []
    position = 0
    for run in _SYLLABLE_RUN.finditer(written):
        terms += _plain_spellings(written[position : run.start()])
        spellings = _run_spellings(run[0])
        terms += [
            [spelling for a, b, spelling in spellings if a <= index < b]
            for index in range(len(run[0]))
            if any(a == index and b == index + 1 for a, b, _ in spellings)  # spelled at all
        ]
        position = run.end()
    terms += _plain_spellings(written[position:])
    return [
        tuple((spelling, skeleton(spelling)) for spelling in dict.fromkeys(spellings))
        for spellings in terms
    ]


def _plain_spellings(text: str) -> list[list[str]]:
    own = tokens(text)
    flat = _flat_d_tokens(text)
    if len(flat) != len(own):
        return [[token] for token in own]
    return [[token, other] for token, other in zip(own, flat, strict=True)]
