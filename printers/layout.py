"""Draw the whole ticket as one 1-bit image: Japanese never goes through the printer's text mode."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import qrcode  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

from .fonts import TicketFonts, find_fonts, font_for_language
from .model import WIDTHS, TicketSlip

TOKYO = ZoneInfo("Asia/Tokyo")
MAX_HEIGHT = 3000
TITLE = "番号札"
NUMBER_LABEL = "受付番号"
QR_CAPTION = "呼び出し状況をスマートフォンで確認できます"
NOTES = (
    "番号は画面と音声でお呼びします。",
    "お呼びするまで、この番号札をお持ちください。",
)
ESTIMATE_NOTE = "※目安です。前後することがあります。"
NO_BREAK_BEFORE = "、。，．）」』】〕ー…・％!?！？,.)"

Font = ImageFont.FreeTypeFont


@dataclass
class _Pen:
    """A cursor down a tall canvas."""

    draw: ImageDraw.ImageDraw
    width: int
    margin: int
    y: int = 0

    @property
    def inner(self) -> int:
        return self.width - 2 * self.margin

    def gap(self, pixels: int) -> None:
        self.y += pixels

    def line(self, text: str, font: Font, align: str = "center") -> None:
        ascent, descent = font.getmetrics()
        length = font.getlength(text)
        if align == "center":
            x = (self.width - length) / 2
        elif align == "right":
            x = self.width - self.margin - length
        else:
            x = self.margin
        self.draw.text((x, self.y), text, font=font, fill=0)
        self.y += ascent + descent

    def paragraph(self, text: str, font: Font, align: str = "center", max_lines: int = 4) -> None:
        for row in wrap(text, font, self.inner)[:max_lines]:
            self.line(row, font, align)

    def pair(self, label: str, value: str, label_font: Font, value_font: Font) -> None:
        """A label on the left and its value on the right, sharing a baseline."""
        label_ascent, label_descent = label_font.getmetrics()
        value_ascent, value_descent = value_font.getmetrics()
        baseline = self.y + max(label_ascent, value_ascent)
        self.draw.text((self.margin, baseline), label, font=label_font, fill=0, anchor="ls")
        right = self.width - self.margin
        self.draw.text((right, baseline), value, font=value_font, fill=0, anchor="rs")
        self.y = baseline + max(label_descent, value_descent)

    def rule(self, thickness: int = 2) -> None:
        self.draw.rectangle(
            (self.margin, self.y, self.width - self.margin - 1, self.y + thickness - 1), fill=0
        )
        self.y += thickness

    def banner(self, text: str, font: Font, height: int) -> None:
        """White letters on a black band across the paper."""
        self.draw.rectangle((0, self.y, self.width - 1, self.y + height - 1), fill=0)
        centre = (self.width / 2, self.y + height / 2)
        self.draw.text(centre, text, font=font, fill=255, anchor="mm")
        self.y += height

    def big(self, text: str, fonts: TicketFonts, size: int) -> None:
        """The number: as large as fits, measured by its ink so nothing is wasted above it."""
        font = fonts.bold.at(size)
        while size > 24 and font.getlength(text) > self.inner:
            size -= 4
            font = fonts.bold.at(size)
        left, top, right, bottom = font.getbbox(text)
        x = (self.width - (right - left)) / 2 - left
        self.draw.text((x, self.y - top), text, font=font, fill=0)
        self.y += round(bottom - top)

    def qr(self, data: str, target: int) -> None:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data(data)
        code.make(fit=True)
        matrix: list[list[bool]] = code.get_matrix()  # includes the quiet zone
        box = max(3, target // len(matrix))
        size = box * len(matrix)
        left = (self.width - size) // 2
        for row, cells in enumerate(matrix):
            for column, dark in enumerate(cells):
                if dark:
                    x, y = left + column * box, self.y + row * box
                    self.draw.rectangle((x, y, x + box - 1, y + box - 1), fill=0)
        self.y += size


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
    return rows


def issued_text(slip: TicketSlip) -> str:
    local = slip.issued_at.astimezone(TOKYO)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def estimate_text(slip: TicketSlip) -> str:
    low, high = slip.estimate_low_min, slip.estimate_high_min
    if high is None and low is None:
        return "—"
    if high is None or low is None or low == high:
        minutes = high if high is not None else low
        return "まもなく" if minutes == 0 else f"約{minutes}分"
    return f"約{low}〜{high}分"


def render_ticket(
    slip: TicketSlip, width_dots: int, fonts: TicketFonts | None = None
) -> Image.Image:
    """The ticket as a mode "1" image exactly width_dots wide (512 at 180 dpi, 576 at 203 dpi)."""
    if width_dots not in WIDTHS:
        raise ValueError("width_dots must be 512 or 576")
    fonts = fonts or find_fonts()
    scale = width_dots / 512

    def px(value: float) -> int:
        return round(value * scale)

    canvas = Image.new("L", (width_dots, MAX_HEIGHT), 255)
    pen = _Pen(ImageDraw.Draw(canvas), width_dots, margin=px(16))
    regular, bold = fonts.regular.at, fonts.bold.at
    pen.gap(px(8))
    if slip.reissue:
        pen.banner("再発行", bold(px(34)), px(52))
        pen.gap(px(12))
    pen.paragraph(slip.site_name, bold(px(30)), max_lines=2)
    pen.line(TITLE, regular(px(24)))
    pen.gap(px(8))
    pen.rule()
    pen.gap(px(10))
    pen.line(NUMBER_LABEL, regular(px(26)))
    pen.gap(px(10))
    pen.big(slip.label, fonts, px(156))
    pen.gap(px(18))
    pen.paragraph(slip.desk_label, bold(px(34)), max_lines=2)
    pen.gap(px(12))
    pen.rule()
    pen.gap(px(12))
    label_font, value_font = regular(px(24)), bold(px(28))
    pen.pair("発券日時", issued_text(slip), label_font, value_font)
    pen.gap(px(8))
    pen.pair("お待ちの人数", f"{slip.people_ahead}人", label_font, value_font)
    pen.gap(px(8))
    pen.pair("待ち時間の目安", estimate_text(slip), label_font, value_font)
    pen.gap(px(2))
    pen.line(ESTIMATE_NOTE, regular(px(20)), align="right")
    pen.gap(px(12))
    pen.rule()
    pen.gap(px(16))
    pen.qr(slip.status_url, px(240))
    pen.gap(px(4))
    pen.paragraph(QR_CAPTION, regular(px(20)))
    pen.gap(px(12))
    for note in NOTES:
        pen.paragraph(note, regular(px(20)))
    if slip.translated_line and not slip.language.lower().startswith("ja"):
        face = font_for_language(slip.language, fonts)
        if face is not None:
            pen.gap(px(12))
            pen.rule(1)
            pen.gap(px(8))
            pen.paragraph(slip.translated_line, face.at(px(24)), max_lines=3)
    pen.gap(px(16))
    ticket = canvas.crop((0, 0, width_dots, min(pen.y, MAX_HEIGHT)))
    return ticket.convert("1", dither=Image.Dither.NONE)
