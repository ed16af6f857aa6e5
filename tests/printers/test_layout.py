"""The ticket image: paper width, real Japanese glyphs, a very large number, the marks it needs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image, ImageChops

from printers.fonts import FontNotFoundError, TicketFonts, find_fonts, font_for_language
from printers.layout import estimate_text, issued_text, render_ticket
from printers.model import TicketSlip
from tests.printers.conftest import make_slip


def ink_bands(image: Image.Image) -> list[tuple[int, int]]:
    """Runs of rows that hold at least one black dot, as (first row, height)."""
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    bands: list[tuple[int, int]] = []
    start: int | None = None
    for y in range(height + 1):
        inked = y < height and any(pixels[x, y] == 0 for x in range(width))
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            bands.append((start, y - start))
            start = None
    return bands


def black_share(image: Image.Image, y: int) -> float:
    row = image.crop((0, y, image.width, y + 1))
    return row.histogram()[0] / image.width


@pytest.mark.parametrize("width", [512, 576])
def test_ticket_is_one_bit_and_exactly_the_paper_width(
    slip: TicketSlip, fonts: TicketFonts, width: int
) -> None:
    image = render_ticket(slip, width, fonts)
    assert image.mode == "1"
    assert image.width == width
    assert 600 < image.height < 1600


def test_other_widths_are_refused(slip: TicketSlip, fonts: TicketFonts) -> None:
    with pytest.raises(ValueError):
        render_ticket(slip, 384, fonts)


def test_japanese_is_drawn_with_real_glyphs_not_boxes(fonts: TicketFonts) -> None:
    for face in (fonts.regular, fonts.bold):
        font = face.at(40)
        masks = [
            Image.frombytes("L", font.getmask(c).size, bytes(font.getmask(c))) for c in "番号待"
        ]
        assert all(mask.getbbox() is not None for mask in masks)
        pairs = [(masks[0], masks[1]), (masks[1], masks[2]), (masks[0], masks[2])]
        assert all(
            a.size != b.size or ImageChops.difference(a, b).getbbox() is not None for a, b in pairs
        )


def test_number_is_by_far_the_tallest_thing_on_the_ticket(
    slip: TicketSlip, fonts: TicketFonts
) -> None:
    bands = sorted(ink_bands(render_ticket(slip, 512, fonts)), key=lambda band: -band[1])
    number, qr = bands[0], bands[1]
    assert number[1] >= 100  # about 14 mm at 180 dpi
    assert qr[1] < number[1] * 2  # the QR code is the only other large block
    text = [height for _, height in bands[2:]]
    assert max(text) * 2.5 < number[1]


def test_long_number_shrinks_to_fit_inside_the_margins(fonts: TicketFonts) -> None:
    image = render_ticket(make_slip(label="JOB-1234"), 512, fonts)
    inverted = ImageChops.invert(image.convert("L"))
    assert inverted.crop((0, 0, 8, image.height)).getbbox() is None
    assert inverted.crop((504, 0, 512, image.height)).getbbox() is None


def test_reissued_ticket_carries_a_black_banner_on_top(fonts: TicketFonts) -> None:
    plain = render_ticket(make_slip(), 512, fonts)
    reissued = render_ticket(make_slip(reissue=True), 512, fonts)
    assert any(black_share(reissued, y) > 0.9 for y in range(8, 40))
    assert not any(black_share(plain, y) > 0.9 for y in range(0, 60))
    assert reissued.height > plain.height


def test_visitor_language_line_appears_only_when_not_japanese(fonts: TicketFonts) -> None:
    base = render_ticket(make_slip(), 512, fonts).height
    english = make_slip(language="en", translated_line="Please wait until your number is called.")
    japanese = make_slip(language="ja", translated_line="番号でお呼びします。")
    assert render_ticket(english, 512, fonts).height > base
    assert render_ticket(japanese, 512, fonts).height == base


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("vi", "Vui lòng chờ đến khi số của bạn được gọi."),
        ("zh", "叫到您的号码时请到窗口。"),
        ("ko", "번호가 호출될 때까지 기다려 주십시오."),
        ("ne", "तपाईंको पालो आउँदा नम्बर बोलाइनेछ।"),
    ],
)
def test_visitor_languages_have_a_font_that_draws_them(
    fonts: TicketFonts, language: str, text: str
) -> None:
    face = font_for_language(language, fonts)
    assert face is not None
    image = render_ticket(make_slip(language=language, translated_line=text), 512, fonts)
    assert image.width == 512


def test_long_site_name_wraps_instead_of_running_off_the_paper(fonts: TicketFonts) -> None:
    slip = make_slip(site_name="札幌市就業サポートセンター（北区役所内）求職者総合支援")
    image = render_ticket(slip, 512, fonts)
    inverted = ImageChops.invert(image.convert("L"))
    assert inverted.crop((0, 0, 12, 200)).getbbox() is None
    assert inverted.crop((500, 0, 512, 200)).getbbox() is None


def test_issue_time_is_printed_in_tokyo_time() -> None:
    slip = make_slip(issued_at=datetime(2026, 11, 29, 23, 58, tzinfo=timezone(timedelta(0))))
    assert issued_text(slip) == "2026年11月30日 08:58"


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (10, 20, "約10〜20分"),
        (15, 15, "約15分"),
        (None, 30, "約30分"),
        (0, 0, "まもなく"),
        (None, None, "—"),
    ],
)
def test_estimate_reads_as_a_range_of_minutes(low: int | None, high: int | None, text: str) -> None:
    assert estimate_text(make_slip(estimate_low_min=low, estimate_high_min=high)) == text


def test_slip_needs_an_aware_issue_time() -> None:
    with pytest.raises(ValueError):
        make_slip(issued_at=datetime(2026, 11, 30, 9, 12))


def test_missing_configured_font_fails_with_a_clear_message() -> None:
    with pytest.raises(FontNotFoundError, match="does not exist"):
        find_fonts(regular="/nonexistent/font.ttf")
