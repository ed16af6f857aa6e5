"""Ruby on paper: やさしい日本語's desks with their readings above the kanji, whole words to a
line, within the paper's budget; and no character left alone on a wrapped line."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageDraw

from printers.fonts import TicketFonts
from printers.layout import ROW_BUDGET, render_ticket, wrap
from printers.ruby import ruby_block, words
from tests.printers.conftest import make_slip

LONG = "くらしと お{金|かね}の {相談|そうだん} → {家賃|やちん}の {助|たす}け ほか"


def test_a_word_is_its_pieces_and_their_readings() -> None:
    assert words("{働|はたら}き{方|かた}の {相談|そうだん}") == [
        [("働", "はたら"), ("き", ""), ("方", "かた"), ("の", "")],
        [("相談", "そうだん")],
    ]


@pytest.mark.parametrize("width", [512, 576])
def test_an_easy_japanese_ticket_has_its_readings_and_stays_within_the_budget(
    fonts: TicketFonts, width: int
) -> None:
    with_ruby = render_ticket(make_slip(language="ja-easy", desk_label=LONG), width, fonts)
    plain = render_ticket(
        make_slip(language="ja-easy", desk_label="くらしと お金の 相談 → 家賃の 助け ほか"),
        width, fonts)
    assert with_ruby.height <= ROW_BUDGET
    # the readings take rows of their own above the words
    assert with_ruby.height > plain.height
    assert ImageChops.difference(with_ruby.convert("L").crop((0, 0, width, plain.height)),
                                 plain.convert("L")).getbbox() is not None


def test_a_long_easy_japanese_route_wraps_between_words_only(fonts: TicketFonts) -> None:
    face = fonts.bold
    one, _ = ruby_block(LONG, face, 36, 36, 2000, 2)
    two, _ = ruby_block(LONG, face, 36, 36, 300, 2)
    assert 1.5 * one < two < 2.5 * one  # two whole lines: nothing split inside a word


def test_no_character_is_left_alone_on_the_last_line(fonts: TicketFonts) -> None:
    font = fonts.bold.at(28)
    text = "キャリア・カウンセリング"
    for width in range(int(font.getlength(text) * 0.55), int(font.getlength(text))):
        rows = wrap(text, font, width)
        assert len(rows) == 1 or all(len(row) > 1 for row in rows), (width, rows)
        assert not any(row[0] in "ャュョッ" for row in rows), (width, rows)


def test_a_drawn_ruby_block_inks_its_height(fonts: TicketFonts) -> None:
    height, draw = ruby_block("{仕事|しごと}の {相談|そうだん}", fonts.bold, 36, 28, 500, 2)
    image = Image.new("L", (500, height), 255)
    draw(ImageDraw.Draw(image), 0, lambda length: (500 - length) / 2)
    left, top, right, bottom = ImageChops.invert(image).getbbox() or (0, 0, 0, 0)
    assert top <= 2 and bottom >= height - 12  # readings at the top, the words below
