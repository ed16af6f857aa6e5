"""Turn a rendered ticket into a printer's bytes, in a small vocabulary decoders know.

ESC/POS: ESC @, the image as GS v 0 raster (split every 960 rows, as python-escpos does), feed
to the cutter and a full cut. Star: star_raster.py. The image is packed by Pillow ("1;I": one
bit a dot, 1 for black), which is what GS v 0 and Star's raster lines both want.
"""

from __future__ import annotations

from PIL import Image

from .escpos import FEED_AND_CUT, INIT, RASTER
from .fonts import TicketFonts
from .layout import render_ticket
from .model import TicketSlip
from .star_raster import star_raster_job

FRAGMENT_ROWS = 960  # the tallest GS v 0 block; taller images go in several


def raster_job(image: Image.Image) -> bytes:
    """ESC @, the image as GS v 0 raster blocks, feed to the cutter, full cut."""
    if image.width not in (512, 576):
        raise ValueError("ticket images are 512 or 576 dots wide")
    width_bytes = image.width // 8
    packed = image.convert("1").tobytes("raw", "1;I")
    parts = [INIT]
    for top in range(0, image.height, FRAGMENT_ROWS):
        rows = min(FRAGMENT_ROWS, image.height - top)
        header = RASTER + bytes((0, width_bytes & 0xFF, width_bytes >> 8, rows & 0xFF, rows >> 8))
        parts += [header, packed[top * width_bytes : (top + rows) * width_bytes]]
    parts.append(FEED_AND_CUT)
    return b"".join(parts)


def encode(image: Image.Image, dialect: str = "escpos") -> bytes:
    return star_raster_job(image) if dialect == "star" else raster_job(image)


def ticket_job(
    slip: TicketSlip, width_dots: int, fonts: TicketFonts | None = None, dialect: str = "escpos"
) -> bytes:
    """Render and encode in one go."""
    return encode(render_ticket(slip, width_dots, fonts), dialect)
