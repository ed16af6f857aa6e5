"""Draw the whole ticket as one 1-bit image: Japanese never goes through the printer's text mode.

Paper is time: the visitor waits while a 300 mm/s printer feeds every row, then the cutter.
So the ticket is short, at most 55 mm of print on 72 mm-wide paper (ROW_BUDGET), with nothing
on it twice and the QR code beside the facts rather than under them:

    あいワーク中央                               [再発行]
    ──────────────────────────────────────────────────
                          A-023                         14 mm tall
                   職業相談・職業紹介
     Please wait until your number is called. Scan ...  (visitors of other languages)
    █▀▀▀▀█   目安                       約10〜20分
    █ QR █   前にお待ちの方                   5人
    █▄▄▄▄█   発券                     11/30 09:12
             ← QRで呼び出し状況を確認               (Japanese tickets)

Sizes are in dots at 576 (203 dpi, 8 dots/mm) and scaled for 512-dot printers (180 dpi) so
that both print the same millimetres. The top margin is the paper the cutter left: a printer
cuts 15 mm past its head, so the next ticket starts with that blank strip (see encode.py).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont

from .fonts import FontFace, TicketFonts, bold_for_language, find_fonts, font_for_language
from .model import WIDTHS, TicketSlip
from .qr import qr_matrix
from .ruby import has_ruby, ruby_block

TOKYO = ZoneInfo("Asia/Tokyo")
DESIGN_WIDTH = 576
# Raster rows a ticket may take, whatever it carries, at either width (a 512-dot ticket is
# shorter but its QR code is not). With the 15 mm feed to the cutter that is about 70 mm of
# paper: under 0.25 s on a 300 mm/s printer.
ROW_BUDGET = 440
QR_MODULE_DOTS = 4  # 0.5 mm at 203 dpi, 0.56 mm at 180 dpi: phones read it from a hand's length
REISSUE_MARK = "再発行"
QR_CAPTION = "← QRで呼び出し状況を確認"
LABEL_ESTIMATE = "目安"
LABEL_AHEAD = "前にお待ちの方"
LABEL_ISSUED = "発券"
# The facts' words; a ticket in another language carries its own (TicketSlip.words).
JAPANESE = {"estimate": LABEL_ESTIMATE, "ahead": LABEL_AHEAD, "issued": LABEL_ISSUED,
            "people": "{n}人", "minutes": "約{low}〜{high}分", "minute": "約{n}分",
            "soon": "まもなく"}
NO_BREAK_BEFORE = "、。，．）」』】〕ー…・％!?！？,.)ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ"

Font = ImageFont.FreeTypeFont
Draw = Callable[[ImageDraw.ImageDraw, int], None]


@dataclass(frozen=True)
class Style:
    """Type sizes and gaps in dots at 576; `compact` is tried when content would overrun."""

    margin: int = 12
    site: int = 26
    site_min: int = 20
    reissue: int = 24
    number_rows: int = 112  # ink height of the number: 14 mm
    desk: int = 36
    desk_min: int = 28
    line: int = 24
    line_min: int = 20
    label: int = 24
    caption: int = 22
    value: int = 34
    value_min: int = 26
    gap: int = 12

    def scaled(self, factor: float) -> Style:
        values = {name: round(getattr(self, name) * factor) for name in self.__dataclass_fields__}
        return Style(**values)


COMFORTABLE = Style()
COMPACT = replace(
    COMFORTABLE, site=22, site_min=18, reissue=22, desk=30, desk_min=24, line=21, line_min=18, gap=8
)


@dataclass
class Block:
    """A strip of the ticket: its height and how to draw it with its top at y."""

    height: int
    draw: Draw


def wrap(text: str, font: Font, max_width: int) -> list[str]:
    """Greedy line breaking: by words where the text has spaces, else by characters."""
    if font.getlength(text) <= max_width:
        return [text] if text.strip() else []
    pieces = re.findall(r"\S+\s*", text) if " " in text.strip() else list(text)
    rows: list[str] = []
    current = ""
    for piece in pieces:
        candidate = current + piece
        fits = font.getlength(candidate.rstrip()) <= max_width
        if fits or not current or piece[0] in NO_BREAK_BEFORE:
            current = candidate
        else:
            rows.append(current.rstrip())
            current = piece
    if current.strip():
        rows.append(current.rstrip())
    # No character alone on the last line: it takes the one before it along.
    if len(rows) > 1 and len(rows[-1]) == 1 and " " not in text.strip() and len(rows[-2]) > 2:
        rows[-2:] = [rows[-2][:-1], rows[-2][-1] + rows[-1]]
    return rows


def issued_text(slip: TicketSlip) -> str:
    local = slip.issued_at.astimezone(TOKYO)
    return f"{local.month}/{local.day} {local:%H:%M}"


def words_of(slip: TicketSlip) -> dict[str, str]:
    return {**JAPANESE, **dict(slip.words)}


def estimate_text(slip: TicketSlip) -> str:
    low, high = slip.estimate_low_min, slip.estimate_high_min
    words = words_of(slip)
    if high is None and low is None:
        return "—"
    if high is None or low is None or low == high:
        minutes = high if high is not None else low
        return words["soon"] if minutes == 0 else words["minute"].format(n=minutes)
    return words["minutes"].format(low=low, high=high)


def fact_rows(slip: TicketSlip) -> list[tuple[str, str]]:
    """The facts beside the QR code, as (label, value), in the ticket's language."""
    words = words_of(slip)
    return [
        (nfc(words["estimate"]), nfc(estimate_text(slip))),
        (nfc(words["ahead"]), nfc(words["people"].format(n=slip.people_ahead))),
        (nfc(words["issued"]), issued_text(slip)),
    ]


def visitor_line(slip: TicketSlip) -> str | None:
    """The line in the visitor's language; none for Japanese (やさしい日本語 included)."""
    if not slip.translated_line or slip.language.lower().startswith("ja"):
        return None
    return nfc(slip.translated_line).strip() or None


def nfc(text: str) -> str:
    """Precomposed letters: fonts without shaping (fonts.py) cannot place combining accents."""
    return unicodedata.normalize("NFC", text)


# ---- fitting text ------------------------------------------------------------------------


def fit(
    text: str, face: FontFace, size: int, smallest: int, width: int, max_lines: int
) -> tuple[Font, list[str]]:
    """The largest size from `size` down to `smallest` that sets the text in one line, else in
    as few lines as possible at `smallest` (at most max_lines; the last one cut with …)."""
    if (found := widest_fitting(face, text, size, smallest, width)).getlength(text) <= width:
        return found, [text]
    font = face.at(smallest)
    lines = wrap(text, font, width)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + "…"]
    return font, lines


def fit_lines(
    text: str, face: FontFace, size: int, smallest: int, width: int, max_lines: int
) -> tuple[Font, list[str]]:
    """Like fit, but a paragraph: the largest size at which it takes at most max_lines lines."""
    for candidate in range(size, smallest - 1, -1):
        font = face.at(candidate)
        lines = wrap(text, font, width)
        if len(lines) <= max_lines:
            return font, lines
    return fit(text, face, smallest, smallest, width, max_lines)


def text_block(lines: list[str], font: Font, x: Callable[[float], float]) -> Block:
    """Lines set as tight as their ink: no row above the highest mark or below the lowest."""
    boxes = [font.getbbox(line, anchor="ls") for line in lines]
    up = -round(min(box[1] for box in boxes))
    down = round(max(box[3] for box in boxes))
    pitch = up + down + round(font.size * 0.12)

    def draw(canvas: ImageDraw.ImageDraw, top: int) -> None:
        for n, line in enumerate(lines):
            left = x(font.getlength(line))
            put_text(canvas, (left, top + n * pitch + up), line, font, "ls")

    return Block(pitch * (len(lines) - 1) + up + down, draw)


# ---- the parts of the ticket ------------------------------------------------------------


class TicketLayout:
    """Lays one slip out on paper `width` dots wide, in one style."""

    def __init__(self, slip: TicketSlip, width: int, fonts: TicketFonts, style: Style) -> None:
        self.slip, self.width, self.fonts = slip, width, fonts
        self.s = style.scaled(width / DESIGN_WIDTH)
        self.inner = width - 2 * self.s.margin

    def centred(self, length: float) -> float:
        return (self.width - length) / 2

    def blocks(self) -> list[Block]:
        s = self.s
        quiet = 4 * QR_MODULE_DOTS  # nothing may ink the QR code's quiet zone
        stack = [
            self.header(),
            gap(s.gap // 2),
            self.rule(),
            gap(s.gap),
            self.number(),
            gap(s.gap),
            self.desk(),
        ]
        line = self.visitor_line()
        if line is not None:
            stack += [gap(s.gap - s.gap // 6), line]
        # The visitor's line says what the QR code is for; a Japanese ticket says it beside it.
        facts = self.facts(caption=line is None)
        return [*stack, gap(max(s.gap, quiet)), facts, gap(quiet)]

    def header(self) -> Block:
        s = self.s
        room = self.inner
        badge: Block | None = None
        if self.slip.reissue:
            badge, badge_width = self.reissue_badge()
            room -= badge_width + s.gap
        font, lines = fit(nfc(self.slip.site_name), self.fonts.bold, s.site, s.site_min, room, 2)
        text = text_block(lines, font, lambda _: s.margin)
        if badge is None:
            return text
        height = max(text.height, badge.height)
        draw_text, draw_badge = text.draw, badge.draw

        def draw(canvas: ImageDraw.ImageDraw, top: int) -> None:
            draw_text(canvas, top + (height - text.height) // 2)
            draw_badge(canvas, top + (height - badge.height) // 2)

        return Block(height, draw)

    def reissue_badge(self) -> tuple[Block, int]:
        """白抜きの「再発行」: staff see at a glance that this copy is not the first."""
        font = self.fonts.bold.at(self.s.reissue)
        pad = self.s.reissue // 8
        width = round(font.getlength(REISSUE_MARK)) + 6 * pad
        height = self.s.reissue + 2 * pad
        right = self.width - self.s.margin

        def draw(canvas: ImageDraw.ImageDraw, top: int) -> None:
            canvas.rectangle((right - width, top, right - 1, top + height - 1), fill=0)
            centre = (right - width / 2, top + height / 2)
            put_text(canvas, centre, REISSUE_MARK, font, "mm", fill=255)

        return Block(height, draw), width

    def rule(self) -> Block:
        thickness = max(2, round(self.width / 288))
        margin = self.s.margin

        def draw(canvas: ImageDraw.ImageDraw, top: int) -> None:
            canvas.rectangle((margin, top, self.width - margin - 1, top + thickness - 1), fill=0)

        return Block(thickness, draw)

    def number(self) -> Block:
        """As large as the paper allows, measured by its ink so no row is wasted around it."""
        label = self.slip.label
        font = number_font(self.fonts.bold, self.s.number_rows, label)
        left, top, right, bottom = font.getbbox(label, anchor="ls")
        if right - left > self.inner:
            size = int(font.size * self.inner / (right - left))
            font = self.fonts.bold.at(size)
            left, top, right, bottom = font.getbbox(label, anchor="ls")
        height = self.s.number_rows
        x = self.centred(right - left) - left

        def draw(canvas: ImageDraw.ImageDraw, y: int) -> None:
            # Centre the ink of a shrunk number in the band kept for it.
            baseline = y + (height - (bottom - top)) // 2 - top
            # Every number is new: drawn, not kept (a kept one would hold ~45 kB for nothing).
            canvas.text((x, baseline), label, font=font, fill=0, anchor="ls")

        return Block(height, draw)

    def desk(self) -> Block:
        """The desks as the visitor chose them, in their language and its own face (in
        Japanese where this machine has no face for it)."""
        s = self.s
        face = bold_for_language(self.slip.language, self.fonts)
        desk = nfc(self.slip.desk_label if face else self.slip.desk_fallback or
                   self.slip.desk_label)
        if has_ruby(desk):  # やさしい日本語: the readings above their kanji, as on the kiosk
            height, draw = ruby_block(desk, face or self.fonts.bold, s.desk, s.desk_min,
                                      self.inner, 2)
            return Block(height, lambda canvas, top: draw(canvas, top, self.centred))
        font, lines = fit(desk, face or self.fonts.bold, s.desk, s.desk_min, self.inner, 2)
        return text_block(lines, font, self.centred)

    def visitor_line(self) -> Block | None:
        text = visitor_line(self.slip)
        face = font_for_language(self.slip.language, self.fonts) if text else None
        if text is None or face is None:
            return None
        s = self.s
        font, lines = fit_lines(text, face, s.line, s.line_min, self.inner, 2)
        return text_block(lines, font, self.centred)

    def facts(self, caption: bool) -> Block:
        """The QR code on the left; estimate, people ahead and issue time beside it, and
        under them, if asked, what the code is for."""
        s = self.s
        mask = qr_mask(self.slip.status_url)
        size = mask.height
        quiet = 4 * QR_MODULE_DOTS  # white on every side, on the printed area itself
        qr_left = max(s.margin, quiet)
        column_left = qr_left + size + max(quiet, s.gap + s.gap // 2)
        column = self.width - s.margin - column_left
        # Words in another script need that language's face (Korean, Vietnamese's accents):
        # without one on this machine, the facts stay in Japanese.
        face = font_for_language(self.slip.language, self.fonts) if self.slip.words else None
        rows = fact_rows(self.slip if face else replace(self.slip, words=()))
        label_font = (face or self.fonts.regular).at(s.label)
        caption_font = self.fonts.regular.at(s.caption)
        below = round(s.caption * 1.2) if caption else 0
        pitch = max((size - below) // len(rows), round(s.value * 1.15))
        height = max(size, pitch * len(rows) + below)

        def draw(canvas: ImageDraw.ImageDraw, top: int) -> None:
            canvas.bitmap((qr_left, top), mask, fill=0)
            if caption:
                bottom = top + height - round(s.caption * 0.12)
                put_text(canvas, (column_left, bottom), QR_CAPTION, caption_font, "ls")
            for n, (label, value) in enumerate(rows):
                room = column - label_font.getlength(label) - s.gap
                value_font = widest_fitting(self.fonts.bold, value, s.value, s.value_min, room)
                baseline = top + n * pitch + (pitch + round(s.value * 0.8)) // 2
                put_text(canvas, (column_left, baseline), label, label_font, "ls")
                right = self.width - s.margin
                put_text(canvas, (right, baseline), value, value_font, "rs")

        return Block(height, draw)


def put_text(
    canvas: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: Font,
    anchor: str,
    fill: int = 0,
) -> None:
    """ImageDraw.text for one line, with the glyphs drawn once per text, font and sub-dot
    position: labels, the site, the desk and most values are the same on every ticket, and
    FreeType drawing them again was the largest part of a ticket's drawing."""
    x, y = xy
    start = (math.modf(x)[0], math.modf(y)[0])
    mask, (dx, dy) = _glyphs(font, text, anchor, start, canvas.fontmode)
    canvas.draw.draw_bitmap((int(x) + dx, int(y) + dy), mask, canvas.draw.draw_ink(fill))


@lru_cache(maxsize=256)  # labels, sites, desks, values: a few hundred, each a few kB
def _glyphs(
    font: Font, text: str, anchor: str, start: tuple[float, float], mode: str
) -> tuple[Any, tuple[int, int]]:
    mask, offset = font.getmask2(text, mode, anchor=anchor, start=start)
    return mask, (int(offset[0]), int(offset[1]))


def gap(rows: int) -> Block:
    return Block(rows, lambda canvas, top: None)


def widest_fitting(face: FontFace, text: str, size: int, smallest: int, width: float) -> Font:
    """The largest of size, size - 2, ... down to smallest that sets `text` within `width`.

    Text grows in proportion to its size, so the length at `size` says where to start
    looking: each size tried loads a face of its own (about 2 MB for a CJK font), so trying
    every size on the way down would keep a dozen faces in memory for one line."""
    font = face.at(size)
    length = font.getlength(text)
    if length <= width:
        return font
    steps = max(1, math.ceil((size - size * width / max(length, 1.0)) / 2))
    for candidate in range(size - 2 * steps, smallest - 1, -2):
        font = face.at(candidate)
        if font.getlength(text) <= width:
            return font
    return face.at(smallest)


@lru_cache(maxsize=64)
def number_font(face: FontFace, ink_rows: int, label: str) -> Font:
    """The smallest size at which this number's ink stands at least ink_rows tall."""

    def ink(size: int) -> float:
        _, top, _, bottom = face.at(size).getbbox(label, anchor="ls")
        return bottom - top

    # Ink grows in proportion to size: measured at one large size, then checked at the size found.
    size = max(8, math.ceil(REFERENCE_SIZE * ink_rows / max(1.0, reference_ink(face, label))))
    while ink(size) < ink_rows and size < 400:
        size += 1
    return face.at(size)


REFERENCE_SIZE = 200
LABEL_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"
_extents: dict[tuple[FontFace, str], tuple[float, float] | None] = {}


def reference_ink(face: FontFace, label: str) -> float:
    """The label's ink height at REFERENCE_SIZE, from each character's own (a line's ink is
    the highest top to the lowest bottom of its glyphs). The face at that size is loaded only
    while new characters are measured, not kept: a CJK face holds ~2 MB."""
    if any((face, c) not in _extents for c in label):
        engine = ImageFont.Layout.RAQM if face.shaped else ImageFont.Layout.BASIC
        large = ImageFont.truetype(
            str(face.path), REFERENCE_SIZE, index=face.index, layout_engine=engine
        )
        for c in set(label) | set(LABEL_CHARACTERS):
            left, top, right, bottom = large.getbbox(c, anchor="ls")
            _extents[(face, c)] = (top, bottom) if right > left and bottom > top else None
    inked = [e for e in (_extents[(face, c)] for c in label) if e is not None]
    if not inked:
        return 1.0
    return max(bottom for _, bottom in inked) - min(top for top, _ in inked)


@lru_cache(maxsize=8)  # a compact retry, or a reprint, draws the same code again
def qr_mask(data: str) -> Image.Image:
    """The QR code without its quiet zone (the layout keeps that white), QR_MODULE_DOTS dots
    per module: a mask, 255 where a module is dark."""
    matrix = qr_matrix(data)
    side = matrix.shape[0]
    small = Image.frombytes("L", (side, side), (matrix * 255).astype("uint8").tobytes())
    return small.resize((side * QR_MODULE_DOTS,) * 2, Image.Resampling.NEAREST)


def layout(slip: TicketSlip, width_dots: int, fonts: TicketFonts) -> list[Block]:
    """The blocks of the ticket, in the comfortable style unless that would overrun the budget."""
    blocks = TicketLayout(slip, width_dots, fonts, COMFORTABLE).blocks()
    if sum(b.height for b in blocks) > ROW_BUDGET:
        blocks = TicketLayout(slip, width_dots, fonts, COMPACT).blocks()
    return blocks


def warm_up(fonts: TicketFonts, widths: Iterable[int]) -> None:
    """Draw a sample ticket at each width, so the first visitor's does not wait for fonts to
    load (about 1 ms for each size of each face)."""
    sample = TicketSlip(
        site_name="窓口",
        label="A-001",
        desk_label="相談",
        people_ahead=0,
        issued_at=datetime(2026, 1, 5, tzinfo=TOKYO),
        status_url="https://example.jp/t/0",
    )
    for width in set(widths) & set(WIDTHS):
        render_ticket(sample, width, fonts)


def render_ticket(
    slip: TicketSlip, width_dots: int, fonts: TicketFonts | None = None
) -> Image.Image:
    """The ticket as a mode "1" image exactly width_dots wide (512 at 180 dpi, 576 at 203 dpi)."""
    if width_dots not in WIDTHS:
        raise ValueError("width_dots must be 512 or 576")
    blocks = layout(slip, width_dots, fonts or find_fonts())
    canvas = Image.new("L", (width_dots, sum(b.height for b in blocks)), 255)
    draw = ImageDraw.Draw(canvas)
    y = 0
    for block in blocks:
        block.draw(draw, y)
        y += block.height
    return canvas.convert("1", dither=Image.Dither.NONE)
