"""Ruby on paper: やさしい日本語's readings set small above their kanji, as the kiosk shows them.

Text comes as the site file writes it, `{仕事|しごと}の {相談|そうだん}`: words parted by spaces,
a reading in braces after its kanji. A word is never broken across lines, and a kanji is
never parted from its reading; each piece takes the width of the wider of the two.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import ImageDraw, ImageFont

from .fonts import FontFace
from .rubytext import RUBY, Piece, ruby_words

READING_SCALE = 0.5  # a reading's size against its kanji's
Font = ImageFont.FreeTypeFont


def has_ruby(text: str) -> bool:
    return RUBY.search(text) is not None


def words(text: str) -> list[list[Piece]]:
    """The text's words, each as its pieces."""
    return ruby_words(text)


def _width(word: list[Piece], font: Font, small: Font) -> float:
    return sum(max(font.getlength(text), small.getlength(reading)) for text, reading in word)


def _lines(found: list[list[Piece]], font: Font, small: Font, width: float) -> list[list[int]]:
    """Greedy lines of whole words (indices), a space between words."""
    space = font.getlength(" ")
    lines: list[list[int]] = []
    used = 0.0
    for index, word in enumerate(found):
        length = _width(word, font, small)
        if lines and used + space + length <= width:
            lines[-1].append(index)
            used += space + length
        else:
            lines.append([index])
            used = length
    return lines


def ruby_block(
    text: str, face: FontFace, size: int, smallest: int, width: int, max_lines: int
) -> tuple[int, Callable[[ImageDraw.ImageDraw, int, Callable[[float], float]], None]]:
    """The largest size from `size` down to `smallest` at which the text takes at most
    max_lines lines (else `smallest`, lines beyond max_lines left out): the block's height,
    and how to draw it with its top at y, each line placed by x(its length)."""
    found = words(text)
    for candidate in range(size, smallest - 1, -1):
        font = face.at(candidate)
        small = face.at(max(8, round(candidate * READING_SCALE)))
        lines = _lines(found, font, small, width)
        if len(lines) <= max_lines:
            break
    lines = lines[:max_lines]
    up = -font.getbbox("漢", anchor="ls")[1]
    down = font.getbbox("漢g", anchor="ls")[3]
    reading_up = -small.getbbox("か", anchor="ls")[1]
    reading_down = small.getbbox("か", anchor="ls")[3]
    gap = max(1, round(font.size * 0.04))
    above = reading_up + reading_down + gap
    pitch = above + up + down + round(font.size * 0.12)
    space = font.getlength(" ")

    def draw(canvas: ImageDraw.ImageDraw, top: int, x: Callable[[float], float]) -> None:
        for n, line in enumerate(lines):
            length = sum(_width(found[i], font, small) for i in line) + space * (len(line) - 1)
            left = x(length)
            baseline = top + n * pitch + above + up
            for i in line:
                for piece, reading in found[i]:
                    room = max(font.getlength(piece), small.getlength(reading))
                    centre = left + room / 2
                    canvas.text((centre, baseline), piece, font=font, fill=0, anchor="ms")
                    if reading:
                        canvas.text((centre, baseline - up - gap), reading, font=small,
                                    fill=0, anchor="ms")
                    left += room
                left += space

    return pitch * (len(lines) - 1) + above + up + down, draw
