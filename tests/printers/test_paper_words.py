"""The printed ticket's facts (目安, 前にお待ちの方, 発券 and their values) in the visitor's
language, from the phone page's words, and still within the paper's budget."""

from __future__ import annotations

import pytest
from PIL import Image

from printers.fonts import TicketFonts
from printers.layout import ROW_BUDGET, fact_rows, render_ticket
from server.phone.views import languages, paper_words, visitor_line
from tests.printers.conftest import make_slip


def test_a_japanese_ticket_keeps_its_words() -> None:
    slip = make_slip(language="ja", estimate_low_min=10, estimate_high_min=20)
    assert paper_words("ja") == ()
    assert [label for label, _ in fact_rows(slip)] == ["目安", "前にお待ちの方", "発券"]
    assert fact_rows(slip)[0][1] == "約10〜20分"


def test_a_vietnamese_ticket_says_its_facts_in_vietnamese() -> None:
    slip = make_slip(
        language="vi",
        estimate_low_min=10,
        estimate_high_min=20,
        people_ahead=5,
        words=paper_words("vi"),
    )
    rows = fact_rows(slip)
    assert [label for label, _ in rows] == ["Chờ", "Phía trước", "Phát số"]
    assert rows[0][1] == "10–20 phút" and rows[1][1] == "5 người"
    soon = make_slip(
        language="vi", estimate_low_min=0, estimate_high_min=0, words=paper_words("vi")
    )
    assert fact_rows(soon)[0][1] == "Sắp tới"


@pytest.mark.parametrize("language", [code for code in languages() if code != "ja"])
def test_every_language_has_the_words_and_a_ticket_within_the_budget(
    fonts: TicketFonts, language: str
) -> None:
    words = dict(paper_words(language))
    assert set(words) == {"estimate", "ahead", "issued", "people", "minutes", "minute", "soon",
                          "more", "private_desk"}
    line = visitor_line(language)
    slip = make_slip(
        language=language,
        estimate_low_min=15,
        estimate_high_min=45,
        people_ahead=12,
        translated_line=line,
        words=paper_words(language),
    )
    japanese = make_slip(
        language=language,
        estimate_low_min=15,
        estimate_high_min=45,
        people_ahead=12,
        translated_line=line,
    )
    for width in (512, 576):
        image: Image.Image = render_ticket(slip, width, fonts)
        assert image.height <= ROW_BUDGET
        # other words, so other ink: the facts were drawn in the visitor's language
        assert image.tobytes() != render_ticket(japanese, width, fonts).tobytes()
