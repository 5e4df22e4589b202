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
from typing import NamedTuple

from anyascii import anyascii

from compatriot.normalise.names import skeleton, to_latin

_ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_ARABIC_WORD = re.compile(r"[\u0600-\u06ff\u0750-\u077f]+")
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alif, tatweel
_ARABIC_ALIFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
_ARABIC_HAMZA_SEATS = re.compile(r"[ءئؤ]")
_ARABIC_INNER_VOWELS = re.compile(r"(?<=\S)[اويى]")
_ARABIC_FINAL_TA = re.compile(r"ة(?=\s|$)")
# "Abd" (servant of), "Bin", "Ibn" (son of) and "Abu" (father of) and the name after them are
# one name (Abdullah, Abdelaziz, بنعلي / Benali), however spaced.
_ARABIC_ABD = re.compile(r"(?<!\S)(عبد|بن|ابن|أبو|ابو)\s+(?=\S)")
# The article al- at the start of a word (الوزاني / Ouazzani, المنصوري / Mansouri): Latin
# spellings write it apart, glued or not at all. Its alif is bare (or wasla): an alif with a
# hamza begins a name of its own (إلياس is Ilyas, not al-Yas).
_ARABIC_ARTICLE = re.compile(r"(?<!\S)[اٱ]ل(?=\S{2})")
# A final ha (الله in عبد الله) that Latin spellings drop as they drop the ta marbuta.
_ARABIC_FINAL_HA = re.compile(r"(?<=\S{3})ه(?=\s|$)")
# Devanagari anusvara (and chandrabindu) before a consonant is the nasal of that consonant's
# place: n before all but the labials (अंजलि / Anjali, अंकित / Ankit, पांडे / Pande).
_ANUSVARA = re.compile(r"[\u0901\u0902](?=[\u0915-\u0939\u0958-\u095f])(?![\u092a-\u092e])")
_NON_LETTERS = re.compile(r"[^a-z]+")
_SILENT_H = re.compile(r"(?<=\w{3}[aeiou])h$")
# w or v between a vowel and a consonant is the second half of a diphthong that Arabic and
# Bengali spellings write as a vowel letter or not at all (Shawky/Shawki/شوقي, Kawtar/Kaoutar,
# Chowdhury/Choudhury; Turkmen Döwlet/Dovlet alike).
_GLIDE = re.compile(r"(?<=[aeiou])[wv](?=[^aeiouyw])")

# Phonetic classes on top of the skeleton: letters that transliterations swap for one another.
_PHONETIC = str.maketrans(
    {"p": "b", "f": "b", "v": "b", "t": "d", "k": "g", "c": "g", "h": "g", "z": "s", "j": "g"}
)
# dh is d for the key: the aspirated d of Indian and Kenyan spellings (Choudhary/Chaudry,
# Odhiambo/Odiambo) and the Arabic ذ and ض (Ramadhan/Ramadan/رمضان) are written with or without
# the h; Russian and Ukrainian write it дх (Одхіамбо, Чаудхри), read "dkh".
_PREFOLDS = (("dzh", "j"), ("dkh", "d"), ("dh", "d"))
# How the Latin key reads a consonant followed by h (`skeleton` and `_PREFOLDS`).
_H_DIGRAPHS = {"d": "d", "t": "t", "s": "s", "k": "h", "g": "g", "z": "z"}
_H_DIGRAPH = re.compile(r"([dtskgz])h")
# Particles that begin a compound name, written apart, hyphenated or glued to the name after
# them (Abdel Aziz/Abdelaziz, Abu Bakr/Abubakr, Bin Laden, Ould Ahmed): joined to it, as the
# Arabic script's forms are (`_ARABIC_ABD`). "Ben" is the particle in Maghreb names only
# (Ben Ali/Benali, `Convention.particles`); elsewhere it is as often the given name Ben.
_PARTICLES = frozenset(
    ("bin", "ibn", "abd", "abdel", "abdul", "abdal", "abdoul", "abu", "abou", "bou", "ould")
)


class Convention(NamedTuple):
    """How one national Latin orthography writes sounds that the skeleton's folds expect in the
    English-style conventions: letters replaced before transliteration (diacritics that
    anyascii would flatten), then patterns replaced in the lower-case Latin token, then letters
    of the key taken as one (`key_letters`, a `str.translate` table); the particles its
    names add to `_PARTICLES`; the articles written apart that the key leaves out (as the
    Arabic script's is, `_ARABIC_ARTICLE`); and Arabic letters its language reads as others
    (`arabic`, a `str.translate` table for Arabic-script words)."""

    letters: dict[str, str]
    patterns: tuple[tuple[re.Pattern[str], str], ...]
    key_letters: dict[int, str] = {}
    particles: frozenset[str] = frozenset()
    articles: frozenset[str] = frozenset()
    arabic: dict[int, str] = {}


def _patterns(*pairs: tuple[str, str]) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern), replacement) for pattern, replacement in pairs)


_TURKIC = {"ç": "ch", "ş": "sh", "ğ": "gh", "ə": "a", "ı": "i", "ž": "zh", "ý": "y", "ň": "n"}
# Azerbaijani and Turkmen names reach Latin through Russian as often as directly, and Russian
# writes their h as Г and their q or g as К (Гасанов/Həsənov, Гусейн/Hüseyn, Кулиев/Quliyev,
# Курбанов/Gurbanov; Latin Gasanov, Ibragimov, Kurbanov are read from those passports): their
# keys take h, g and k as one letter.
_RUSSIAN_VELARS = str.maketrans({"h": "g", "k": "g"})
_AZERBAIJANI = Convention(
    _TURKIC, _patterns((r"c(?!h)", "j"), ("x", "kh"), ("q", "g")), _RUSSIAN_VELARS
)
# French spellings of Maghreb Arabic names: ch for sh (Hicham/Hisham, Achraf/Ashraf), ou for w
# before a vowel (Ouazzani/Wazzani), c for s before e, i and y (Naciri/Nasiri/الناصري).
# The article of Arabic names, written apart (El Khatib), glued (Elkhatib) or not at all
# (Khatib, الخطيب): the key leaves it out, as it does in Arabic script. Glued, only before five
# letters or more, so that Alaoui and Elias keep theirs.
_ARTICLES = frozenset(("el", "al"))
_GLUED_ARTICLE = (r"^(?:el|al)(?=[a-z]{5})", "")
_MAGHREB = Convention(
    {},
    _patterns(_GLUED_ARTICLE, ("ch", "sh"), (r"^o?u(?=[aeiy])", "w"), (r"c(?=[eiy])", "s")),
    particles=frozenset(("ben",)),
    articles=_ARTICLES,
)
# Urdu reads the Arabic ث as s, and Pakistani spellings write it so (Usman, Kausar, Haris)
# beside the Arabic-style th (Uthman, Kawthar, Harith).
_URDU = Convention({}, _patterns(("th", "s")), arabic=str.maketrans({"ث": "س"}))
# Nepali and Bengali read व / ব as b: Latin spellings write it b or v (Binod/Vinod,
# Kabita/Kavita, विनोद).
_B_FOR_V = str.maketrans({"v": "b"})
# Vietnamese: c and qu before a vowel are k (Đức/Дук, Quốc/Куок; Vietnamese has no kv, so
# the кв of a letter-by-letter Квок is qu too); and for the Russian transcription (Kontsevich),
# tr is ch (Trần/Чан) and d, đ and gi one letter (Dương/Зыонг, Đặng/Данг: Vietnamese written
# without diacritics cannot tell d from đ anyway).
_VIETNAMESE = Convention(
    {},
    _patterns(
        (r"(qu|kv)(?=[aeiouy])", "k"),
        ("tr", "ch"),
        (r"c(?!h)", "k"),
        (r"gi(?=[aeiouy])", "z"),
        ("d", "z"),
    ),
)
CONVENTIONS: dict[str, Convention] = {
    "AZ": _AZERBAIJANI,  # x = kh, c = j, q = g (Orxan, Nicat, Vüqar)
    "TR": Convention(_TURKIC, _patterns((r"c(?!h)", "j"))),  # c = j (Cemal)
    # ç, ş, ž, ý, ň; w is v (folded anyway)
    "TM": Convention({**_TURKIC, "ä": "a"}, (), _RUSSIAN_VELARS),
    "VN": _VIETNAMESE,
    "UZ": Convention({"oʻ": "o", "gʻ": "gh"}, _patterns(("x", "kh"), ("q", "k"))),
    # Egyptian spellings write the ج of Cairo as g (Hagar/Hajar, Gaber/Jaber, Khadiga/Khadija).
    "EG": Convention({}, _patterns(_GLUED_ARTICLE, (r"g(?!h)", "j")), articles=_ARTICLES),
    "PK": _URDU,
    "NP": Convention({}, (), _B_FOR_V),
    "BD": Convention({}, (), _B_FOR_V),
    "MA": _MAGHREB,
    "DZ": _MAGHREB,
    "TN": _MAGHREB,
    "MR": _MAGHREB,
}


class Token(NamedTuple):
    latin: str  # the Latin form, as written (transliterated, lower case)
    key: str  # the consonant key (`token_key`, or letter by letter for Arabic script)


def _arabic_consonantal(text: str) -> str:
    text = _ARABIC_MARKS.sub("", text)
    text = _ARABIC_ABD.sub(r"\1", text)
    text = _ARABIC_ARTICLE.sub("", text).translate(_ARABIC_ALIFS)
    text = _ARABIC_FINAL_TA.sub("", text)
    text = _ARABIC_INNER_VOWELS.sub("", text)
    text = _ARABIC_HAMZA_SEATS.sub("", text)
    return _ARABIC_FINAL_HA.sub("", text)


@lru_cache(maxsize=256)
def _arabic_letter_key(letter: str) -> str:
    latin = _NON_LETTERS.sub("", anyascii(letter).lower())
    return skeleton(latin) if re.search(r"[^aeiouy]", latin) else ""


def _arabic_key(word: str) -> str:
    """Letter by letter, so that no digraph fold joins two letters that the script wrote apart
    and only the dropped vowels made neighbours (خديجة: kh-d-j, never "dj" read as j)."""
    key = "".join(_arabic_letter_key(letter) for letter in word)
    # A consonant then h is read as one sound in Latin (Fathi for فتحي, Adham for أدهم): so is
    # it here, as the Latin key folds it (`_H_DIGRAPHS`).
    key = _H_DIGRAPH.sub(lambda match: _H_DIGRAPHS[match.group(1)], key)
    return re.sub(r"(.)\1+", r"\1", key)


# Cyrillic soft and hard signs: anyascii writes them as an apostrophe, which would split the
# word (Эльчин would be "el chin").
_CYRILLIC_SIGNS = str.maketrans("", "", "ьъЬЪ")


def _clean(name: str) -> str:
    # Symbols and digits are no part of a name (a transliterator would spell an emoji out).
    name = name.translate(_CYRILLIC_SIGNS)
    return "".join(c if unicodedata.category(c)[0] in "LMZ" or c in "-'" else " " for c in name)


def _latin_words(text: str) -> list[str]:
    return [token for token in _NON_LETTERS.split(to_latin(text).lower()) if token]


# A word's token: its Latin form, the form its key is read from (by its convention) and the
# convention's key letters; or, for a word of Arabic script, its Token (keyed letter by letter).
_Part = tuple[Token | str, str, dict[int, str]]


@lru_cache(maxsize=1 << 17)
def name_tokens(name: str, nationality: str | None = None) -> tuple[Token, ...]:
    """The tokens of a name in any script, each with its Latin form and consonant key; the key
    reads Latin letters by the convention of the nationality (`CONVENTIONS`), if it has one."""
    if not name:
        return ()
    name = _clean(name)
    if _ARABIC_LETTERS.search(name):
        name = _arabic_consonantal(name)
    name = _ANUSVARA.sub("\u0928\u094d", name)
    national = CONVENTIONS.get(nationality or "")
    parts: list[_Part] = []
    for word in name.split():
        if _ARABIC_WORD.fullmatch(word):
            latin = "".join(_latin_words(word))
            if latin:
                arabic = word.translate(national.arabic) if national else word
                parts.append((Token(latin, _arabic_key(arabic)), "", {}))
        else:
            parts.extend(_latin_parts(word, national))
    return tuple(
        part if isinstance(part, Token) else Token(part, token_key(keyed).translate(letters))
        for part, keyed, letters in _join_particles(parts, national)
    )


def _latin_parts(word: str, convention: Convention | None) -> list[_Part]:
    latin_words = [_SILENT_H.sub("", token) for token in _latin_words(word)]
    if convention is None and ("ə" in word or "Ə" in word):
        convention = _AZERBAIJANI  # a letter only Azerbaijani writes
    if convention is None:
        return [(latin, latin, {}) for latin in latin_words]
    converted = word.lower()
    for letter, replacement in convention.letters.items():
        converted = converted.replace(letter, replacement)
    keyed = [_SILENT_H.sub("", token) for token in _latin_words(converted)]
    if len(keyed) != len(latin_words):
        keyed = latin_words
    else:
        for pattern, replacement in convention.patterns:
            keyed = [pattern.sub(replacement, token) for token in keyed]
    letters = convention.key_letters
    return [(latin, k, letters) for latin, k in zip(latin_words, keyed, strict=True)]


def _join_particles(parts: list[_Part], national: Convention | None) -> list[_Part]:
    """A particle (`_PARTICLES`) joined to the Latin token after it, and an article (the
    convention's) too but left out of the key."""
    particles = _PARTICLES | national.particles if national else _PARTICLES
    articles = national.articles if national else frozenset()
    for index in range(len(parts) - 1, 0, -1):
        (before, keyed, letters), (after, after_keyed, _) = parts[index - 1], parts[index]
        if isinstance(before, str) and isinstance(after, str):
            if before in particles:
                parts[index - 1 : index + 1] = [(before + after, keyed + after_keyed, letters)]
            elif before in articles:
                parts[index - 1 : index + 1] = [(before + after, after_keyed, letters)]
    return parts


def latin_tokens(name: str) -> tuple[str, ...]:
    """Lower-case Latin tokens of a name in any script (hyphens and apostrophes split words)."""
    return tuple(token.latin for token in name_tokens(name))


@lru_cache(maxsize=1 << 17)
def token_key(token: str) -> str:
    """The consonant key of one Latin token: the shared skeleton after the folds above."""
    for pattern, replacement in _PREFOLDS:
        token = token.replace(pattern, replacement)
    return skeleton(_GLIDE.sub("", token))


@lru_cache(maxsize=1 << 17)
def phonetic_key(key: str) -> str:
    """The phonetic class key of a consonant key (documented above); never empty for a key."""
    folded = re.sub(r"(.)\1+", r"\1", key.translate(_PHONETIC))
    return folded or key


def phonetic(token: str) -> str:
    """The phonetic class key of one Latin token."""
    return phonetic_key(token_key(token))


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
        for token in name_tokens(name):
            table[token.key].add(token.latin)
    return {key: sorted(spellings) for key, spellings in sorted(table.items())}
