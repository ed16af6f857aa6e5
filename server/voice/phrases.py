"""What a call says aloud: the number and the counter, never the desk, with readings that are right.

A phrase is built from a ticket label ("123", or "A12" where a desk has a prefix) and a counter
number, and from nothing else: no name, no desk, no purpose can reach the audio.

OpenJTalk reads digits well, with one exception found by reading every number from 1 to 9999
through its front end (tests/voice/test_readings.py does it again): "110" comes out as
ヒャクトー (like the police number) instead of ヒャクジュー. Such numbers are written in kanji
numerals, which OpenJTalk reads as counted numbers. Latin prefix letters are spelt in katakana,
since "A12" would otherwise be read digit by digit (エーイチニ).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

LABEL = re.compile(r"([^\W\d_]{0,3})([1-9]\d{0,3})")
MAX_COUNTER = 99
LANGUAGES = ("ja", "en")

# Numbers whose digits OpenJTalk reads wrongly, and the form that reads right.
MISREAD_NUMBERS = {110: "百十"}

LETTER_NAMES = {
    "A": "エー",
    "B": "ビー",
    "C": "シー",
    "D": "ディー",
    "E": "イー",
    "F": "エフ",
    "G": "ジー",
    "H": "エイチ",
    "I": "アイ",
    "J": "ジェー",
    "K": "ケー",
    "L": "エル",
    "M": "エム",
    "N": "エヌ",
    "O": "オー",
    "P": "ピー",
    "Q": "キュー",
    "R": "アール",
    "S": "エス",
    "T": "ティー",
    "U": "ユー",
    "V": "ブイ",
    "W": "ダブリュー",
    "X": "エックス",
    "Y": "ワイ",
    "Z": "ゼット",
}

# Bump when the wording, the voice or the audio recipe changes: old cache files are not reused.
RECIPE = "v1"


class PhraseError(ValueError):
    """A label or counter number that cannot be announced; `field` says which."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Spoken:
    """One language's sentence: `text` as a person reads it, `reading` as the engine gets it."""

    language: str
    text: str
    reading: str


@dataclass(frozen=True)
class Announcement:
    """A call to announce: a number, a counter, and the sentences for each language."""

    label: str
    counter_number: int
    sentences: tuple[Spoken, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def key(self) -> str:
        """The cache key: the same words in the same languages give the same audio."""
        spoken = "\n".join(f"{s.language}:{s.reading}" for s in self.sentences)
        return hashlib.sha256(f"{RECIPE}\n{spoken}".encode()).hexdigest()[:32]


def split_label(label: str) -> tuple[str, int]:
    """A label's letter prefix and its number; PhraseError if it is not a ticket label."""
    match = LABEL.fullmatch(label)
    if match is None:
        raise PhraseError(
            f"'{label}' is not a ticket number (up to 3 letters, then 1 to 9999)", "label"
        )
    return match[1], int(match[2])


def check_counter(counter_number: int) -> int:
    if not 1 <= counter_number <= MAX_COUNTER:
        raise PhraseError(
            f"a counter number runs from 1 to {MAX_COUNTER}, not {counter_number}", "counter"
        )
    return counter_number


def spoken_number(number: int) -> str:
    return MISREAD_NUMBERS.get(number, str(number))


def spoken_prefix(prefix: str) -> str:
    return "".join(LETTER_NAMES.get(c.upper(), c) for c in prefix)


def japanese(label: str, counter_number: int) -> Spoken:
    """「受付番号123番の方、3番窓口へお越しください。」"""
    prefix, number = split_label(label)
    check_counter(counter_number)
    text = f"受付番号{label}番の方、{counter_number}番窓口へお越しください。"
    reading = (
        f"受付番号{spoken_prefix(prefix)}{spoken_number(number)}番の方、"
        f"{spoken_number(counter_number)}番窓口へお越しください。"
    )
    return Spoken("ja", text, reading)


def english(label: str, counter_number: int) -> Spoken:
    """ "Number 123, please come to counter 3." Prefix letters are spoken one by one."""
    prefix, number = split_label(label)
    check_counter(counter_number)
    said = " ".join([*prefix.upper(), str(number)])
    return Spoken(
        "en",
        f"Number {label}, please come to counter {counter_number}.",
        f"Number {said}. Please come to counter {counter_number}.",
    )


BUILDERS = {"ja": japanese, "en": english}


def announcement(
    label: str, counter_number: int, languages: tuple[str, ...] = ("ja",)
) -> Announcement:
    """The announcement of `label` at counter `counter_number`, Japanese first."""
    unknown = [lang for lang in languages if lang not in BUILDERS]
    if unknown or not languages or languages[0] != "ja":
        raise PhraseError(f"languages must start with 'ja' and be among {LANGUAGES}", "languages")
    sentences = tuple(BUILDERS[lang](label, counter_number) for lang in languages)
    return Announcement(label, counter_number, sentences)
