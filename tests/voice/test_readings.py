"""Every ticket number and counter number is read the way a person says it (OpenJTalk's front
end turns the phrase into katakana in milliseconds, so all of them are checked, not a sample)."""

from __future__ import annotations

from server.voice.phrases import MISREAD_NUMBERS, japanese
from server.voice.synth import kana

THOUSANDS = [
    "",
    *"セン ニセン サンゼン ヨンセン ゴセン ロクセン ナナセン ハッセン キューセン".split(),
]
HUNDREDS = ["", *"ヒャク ニヒャク サンビャク ヨンヒャク ゴヒャク".split()]
HUNDREDS += "ロッピャク ナナヒャク ハッピャク キューヒャク".split()
TENS = ["", *"ジュー ニジュー サンジュー ヨンジュー ゴジュー".split()]
TENS += "ロクジュー ナナジュー ハチジュー キュージュー".split()
ONES = ["", *"イチ ニ サン ヨン ゴ ロク ナナ ハチ キュー".split()]


def said(n: int) -> str:
    """How a person reads n (1–9999) before 番: ヨン not シ, ナナ not シチ, キュー not ク."""
    return THOUSANDS[n // 1000] + HUNDREDS[n // 100 % 10] + TENS[n // 10 % 10] + ONES[n % 10]


def expected(number: str, counter: int) -> str:
    return f"ウケツケバンゴー{number}バンノホー、{said(counter)}バンマドグチエオコシクダサイ。"


def test_every_number_from_1_to_999_is_read_as_a_counted_number() -> None:
    wrong = {
        n: got
        for n in range(1, 1000)
        if (got := kana(japanese(str(n), 3).reading)) != expected(said(n), 3)
    }
    assert wrong == {}


def test_every_counter_from_1_to_20_is_read_right() -> None:
    wrong = {
        c: got for c in range(1, 21) if (got := kana(japanese("5", c).reading)) != expected("ゴ", c)
    }
    assert wrong == {}


def test_four_digit_numbers_are_read_right_too() -> None:
    sample = [*range(1000, 10000, 37), 1000, 1100, 1110, 3000, 6000, 8000, 9999]
    wrong = {
        n: got for n in sample if (got := kana(japanese(str(n), 3).reading)) != expected(said(n), 3)
    }
    assert wrong == {}


def test_the_hard_hundreds_are_read_with_their_sound_changes() -> None:
    readings = {n: kana(japanese(str(n), 1).reading) for n in (100, 300, 600, 800, 110)}
    assert "バンゴーヒャクバンノ" in readings[100]
    assert "サンビャクバンノ" in readings[300]
    assert "ロッピャクバンノ" in readings[600]
    assert "ハッピャクバンノ" in readings[800]
    assert "ヒャクジューバンノ" in readings[110]


def test_digits_alone_still_misread_110_so_the_phrase_writes_it_in_kanji() -> None:
    # If a newer OpenJTalk reads "110番" right, MISREAD_NUMBERS can be emptied.
    assert "ヒャクトー" in kana("受付番号110番の方")
    assert MISREAD_NUMBERS == {110: "百十"}
    assert japanese("110", 3).text == "受付番号110番の方、3番窓口へお越しください。"


def test_prefix_letters_are_spelt_and_the_number_is_still_counted() -> None:
    assert kana(japanese("A12", 3).reading) == expected("エージューニ", 3)
    assert kana(japanese("B105", 3).reading) == expected("ビーヒャクゴ", 3)
