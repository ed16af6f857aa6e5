"""The ticket image: paper width, real Japanese glyphs, a very large number, the marks it needs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFont

from printers.fonts import (
    FontNotFoundError,
    TicketFonts,
    _load,
    find_fonts,
    font_for_language,
)
from printers.layout import (
    QR_MODULE_DOTS,
    REFERENCE_SIZE,
    ROW_BUDGET,
    estimate_text,
    issued_text,
    number_font,
    reference_ink,
    render_ticket,
    visitor_line,
)
from printers.model import TicketSlip
from tests.printers.conftest import make_slip

VISITOR_LINES = Path(__file__).parents[2] / "server" / "phone" / "i18n"


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
    assert 300 < image.height <= ROW_BUDGET


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


@pytest.mark.parametrize(("width", "rows"), [(512, 100), (576, 112)])
def test_number_is_by_far_the_tallest_text_on_the_ticket(
    slip: TicketSlip, fonts: TicketFonts, width: int, rows: int
) -> None:
    *above, facts = ink_bands(render_ticket(slip, width, fonts))  # the QR block comes last
    number = max(above, key=lambda band: band[1])
    assert number[1] >= rows  # 14 mm at 180 and at 203 dpi
    assert facts[1] < number[1] * 1.5
    text = [height for band in above if band != number for height in [band[1]]]
    assert max(text) * 2.5 < number[1]


def test_long_number_shrinks_to_fit_inside_the_margins(fonts: TicketFonts) -> None:
    image = render_ticket(make_slip(label="JOB-1234"), 512, fonts)
    inverted = ImageChops.invert(image.convert("L"))
    assert inverted.crop((0, 0, 8, image.height)).getbbox() is None
    assert inverted.crop((504, 0, 512, image.height)).getbbox() is None


@pytest.mark.parametrize("width", [512, 576])
def test_reissued_ticket_carries_a_black_mark_top_right_and_hardly_more_paper(
    fonts: TicketFonts, width: int
) -> None:
    plain = render_ticket(make_slip(), width, fonts)
    reissued = render_ticket(make_slip(reissue=True), width, fonts)

    def mark_rows(image: Image.Image) -> list[int]:
        """Rows solid black in the top right corner but white on the left (not the rule)."""
        corner = image.crop((width - 60, 0, width - 14, 40))
        left = image.crop((0, 0, width // 2, 40))
        return [y for y in range(40) if black_share(corner, y) == 1.0 and not black_share(left, y)]

    assert len(mark_rows(reissued)) >= 2  # the solid band above and below 再発行
    assert mark_rows(plain) == []
    assert plain.height <= reissued.height <= plain.height + 8  # beside the site, not above


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
    assert inverted.crop((0, 0, 10, 200)).getbbox() is None
    assert inverted.crop((502, 0, 512, 200)).getbbox() is None


def test_issue_time_is_printed_in_tokyo_time() -> None:
    slip = make_slip(issued_at=datetime(2026, 11, 29, 23, 58, tzinfo=timezone(timedelta(0))))
    assert issued_text(slip) == "11/30 08:58"  # a ticket is for today: no year


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


def shipped_visitor_lines() -> dict[str, str]:
    """language -> the line its tickets carry, as the server ships them."""
    lines = {}
    for path in sorted(VISITOR_LINES.glob("*.json")):
        line = json.loads(path.read_text(encoding="utf-8")).get("ticket_line")
        if line and not path.stem.startswith("ja"):
            lines[path.stem] = line
    return lines


def longest_slip(language: str, line: str) -> TicketSlip:
    """Everything at its longest: a reprint for a two-desk visit at a long-named site."""
    return make_slip(
        site_name="札幌市就業サポートセンター（北区役所内）求職者総合支援",
        label="JOB-1234",
        desk_label="職業相談・職業紹介 → 住居確保給付金の相談",
        people_ahead=123,
        estimate_low_min=120,
        estimate_high_min=180,
        status_url="https://madoguchi.city.sapporo.lg.jp/t/" + "x" * 22,  # QR version 4
        language=language,
        translated_line=line,
        reissue=True,
    )


@pytest.mark.parametrize("width", [512, 576])
def test_the_longest_ticket_stays_within_the_row_budget(fonts: TicketFonts, width: int) -> None:
    lines = shipped_visitor_lines()
    assert {"en", "vi", "zh", "ko"} <= set(lines)
    for language, line in lines.items():
        image = render_ticket(longest_slip(language, line), width, fonts)
        assert image.height <= ROW_BUDGET, language
    japanese = render_ticket(longest_slip("ja", ""), width, fonts)
    assert japanese.height <= ROW_BUDGET


@pytest.mark.parametrize("width", [512, 576])
def test_an_ordinary_ticket_keeps_its_full_type_sizes_in_every_shipped_language(
    fonts: TicketFonts, width: int
) -> None:
    japanese = ink_bands(render_ticket(make_slip(), width, fonts))
    for language, line in shipped_visitor_lines().items():
        slip = make_slip(language=language, translated_line=line)
        bands = ink_bands(render_ticket(slip, width, fonts))
        assert bands[:3] == japanese[:3], language  # site, rule and number unchanged
        # the desk at its full size too, in the language's own face (Chinese and Korean
        # forms of the glyphs differ by a row or two)
        (top, height), (japanese_top, japanese_height) = bands[3], japanese[3]
        assert abs(top - japanese_top) <= 2 and abs(height - japanese_height) <= 2, language


def qr_box(image: Image.Image) -> tuple[int, int, int, int]:
    """The QR code's corners: it is the leftmost ink of the bottom band, and square; its left
    edge (two finder patterns and the timing-free column between) is dark to its bottom."""
    *_, (top, height) = ink_bands(image)
    band = ImageChops.invert(image.crop((0, top, image.width, top + height)).convert("L"))
    left = (band.getbbox() or (0, 0, 0, 0))[0]
    column = ImageChops.invert(image.crop((left, top, left + 1, top + height)).convert("L"))
    side = (column.getbbox() or (0, 0, 0, 0))[3]
    return left, top, left + side, top + side


@pytest.mark.parametrize("width", [512, 576])
def test_qr_code_has_big_modules_and_a_clear_quiet_zone(
    slip: TicketSlip, fonts: TicketFonts, width: int
) -> None:
    image = render_ticket(slip, width, fonts)
    left, top, right, bottom = qr_box(image)
    pixels = image.load()
    assert pixels is not None
    # The finder patterns' outer rows are dark runs of 7 modules, at both top corners.
    run = next(x for x in range(left, right) if pixels[x, top] != 0) - left
    assert run == 7 * QR_MODULE_DOTS and QR_MODULE_DOTS >= 4
    assert all(pixels[x, top] == 0 for x in range(right - run, right))
    assert pixels[right - run - 1, top] != 0
    quiet = 4 * QR_MODULE_DOTS
    assert left - quiet >= 0 and bottom + quiet <= image.height
    around = image.crop((left - quiet, top - quiet, right + quiet, bottom + quiet)).convert("L")
    inverted = ImageChops.invert(around)
    inverted.paste(0, (quiet, quiet, quiet + right - left, quiet + bottom - top))
    assert inverted.getbbox() is None


def test_only_a_visitor_who_chose_another_language_gets_a_line_in_it() -> None:
    assert visitor_line(make_slip()) is None
    english = make_slip(language="en", translated_line="Please wait.")
    assert visitor_line(english) == "Please wait."
    easy = make_slip(language="ja-easy", translated_line="まって ください。")
    assert visitor_line(easy) is None
    assert visitor_line(make_slip(language="en")) is None
    decomposed = make_slip(language="vi", translated_line="Vui lo\u0300ng")
    assert visitor_line(decomposed) == "Vui lòng"  # precomposed: no shaping needed


@pytest.mark.parametrize("label", ["A1", "B-12", "9999", "Q12", "J7", "A-001", "W0"])
def test_a_numbers_ink_is_measured_from_its_characters_as_from_the_whole_label(label: str) -> None:
    """The big reference size is measured character by character and not kept loaded; the
    height must be what the whole label measures."""
    bold = find_fonts().bold
    whole = ImageFont.truetype(
        str(bold.path), REFERENCE_SIZE, index=bold.index, layout_engine=ImageFont.Layout.BASIC
    )
    _, top, _, bottom = whole.getbbox(label, anchor="ls")
    assert reference_ink(bold, label) == bottom - top
    _load.cache_clear()
    number_font.cache_clear()
    font = number_font(bold, 112, label)
    _, top, _, bottom = font.getbbox(label, anchor="ls")
    assert bottom - top >= 112
    misses = _load.cache_info().misses
    _load(str(bold.path), bold.index, REFERENCE_SIZE, False)
    assert _load.cache_info().misses == misses + 1  # the reference size was not kept


def test_the_quick_qr_code_is_the_one_qrcode_makes_with_the_chosen_mask() -> None:
    """printers/qr.py applies the eight masks with numpy: each must give qrcode's own code
    for that mask, and the chosen one must score lowest by the standard's penalty."""
    import numpy as np
    import qrcode  # type: ignore[import-untyped]

    from printers.qr import penalty, qr_matrix

    for n in range(6):
        url = f"https://madoguchi.example.jp/t/{n:04d}k3j9x{'q' * n}"
        ours = qr_matrix(url)
        scores = []
        for mask in range(8):
            code = qrcode.QRCode(
                error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=mask
            )
            code.add_data(url)
            code.make(fit=True)
            theirs = np.array(code.get_matrix(), dtype=bool)
            scores.append((penalty(theirs), mask, theirs))
        best = min(scores, key=lambda entry: (entry[0], entry[1]))
        assert (ours == best[2]).all()
