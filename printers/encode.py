"""Turn a rendered ticket into ESC/POS bytes with python-escpos, in a vocabulary decoders know."""

from __future__ import annotations

from escpos.printer import Dummy  # type: ignore[import-untyped]
from PIL import Image

from .fonts import TicketFonts
from .layout import render_ticket
from .model import TicketSlip

# GS r 1: paper sensor status, answered only once everything sent before it has been printed.
CONFIRM = b"\x1dr\x01"
# DLE DC4 fn=8: clear the receive and print buffers; the printer answers CLEAR_REPLY.
CLEAR = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"
CLEAR_REPLY = b"\x37\x25\x00"
INIT = b"\x1b@"
# GS V 65 0: feed the last printed row to the cutter (about 15 mm on an Epson TM-T88), then a
# full cut. python-escpos's cut() feeds six lines first (25 mm, 10 mm of it blank paper at the
# ticket's end) and its cut(feed=False) only does a partial cut.
FEED_AND_CUT = b"\x1dVA\x00"
# python-escpos profiles whose paper width matches ours, so its width check guards the image.
PROFILE_FOR_WIDTH = {512: "TM-T88V", 576: "TM-T20II"}


def raster_job(image: Image.Image) -> bytes:
    """ESC @, the image as GS v 0 raster (split every 960 rows), feed to the cutter, full cut."""
    profile = PROFILE_FOR_WIDTH.get(image.width)
    if profile is None:
        raise ValueError("ticket images are 512 or 576 dots wide")
    printer = Dummy(profile=profile)
    try:
        printer.hw("INIT")
        printer.image(image, impl="bitImageRaster", center=False)
        output: bytes = printer.output + FEED_AND_CUT
    finally:
        printer.close()
    return output


def ticket_job(slip: TicketSlip, width_dots: int, fonts: TicketFonts | None = None) -> bytes:
    """Render and encode in one go."""
    return raster_job(render_ticket(slip, width_dots, fonts))
