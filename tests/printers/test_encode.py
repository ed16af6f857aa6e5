"""The job bytes: initialise, raster image, feed, cut; nothing a decoder would not know."""

from __future__ import annotations

import pytest
from PIL import Image

from printers.encode import raster_job, ticket_job
from printers.escpos import CLEAR, CONFIRM, FEED_AND_CUT
from printers.fonts import TicketFonts
from printers.layout import render_ticket
from printers.model import TicketSlip
from tests.fakes.escpos_stream import Tokenizer


def raster_headers(job: bytes) -> list[tuple[int, int]]:
    """(width in bytes, rows) of every GS v 0 command, walking the stream command by command."""
    return [
        (command.raw[4] + command.raw[5] * 256, command.arg)
        for command in Tokenizer().feed(job)
        if command.kind == "raster"
    ]


@pytest.mark.parametrize("width", [512, 576])
def test_job_is_init_raster_and_a_cut_after_feeding_to_the_cutter(
    slip: TicketSlip, fonts: TicketFonts, width: int
) -> None:
    image = render_ticket(slip, width, fonts)
    job = raster_job(image)
    tokenizer = Tokenizer()
    kinds = [command.kind for command in tokenizer.feed(job) if command.kind != "raster_data"]
    assert job.startswith(b"\x1b@\x1dv0\x00")
    # GS V 65 0: feed only as far as the blade, then cut; no blank lines fed before it.
    assert job.endswith(b"\x1dVA\x00") and FEED_AND_CUT == b"\x1dVA\x00"
    assert kinds == ["init"] + ["raster"] * len(raster_headers(job)) + ["cut"]
    assert tokenizer.pending == bytearray() and tokenizer.unknown == []
    headers = raster_headers(job)
    assert {width_bytes for width_bytes, _ in headers} == {width // 8}
    assert sum(rows for _, rows in headers) == image.height
    assert all(rows <= 960 for _, rows in headers)


def test_a_tall_image_is_split_into_raster_commands_of_at_most_960_rows() -> None:
    image = Image.new("1", (576, 1500), 1)
    headers = raster_headers(raster_job(image))
    assert headers == [(72, 960), (72, 540)]


def test_raster_bits_are_the_image_with_black_as_one(fonts: TicketFonts) -> None:
    image = Image.new("1", (512, 2), 1)
    image.putpixel((0, 0), 0)
    image.putpixel((511, 1), 0)
    job = raster_job(image)
    data = job[len(b"\x1b@") + 8 : len(b"\x1b@") + 8 + 128]
    assert data[0] == 0x80 and data[63] == 0
    assert data[64] == 0 and data[127] == 0x01
    assert sum(bin(byte).count("1") for byte in data) == 2


def test_ticket_job_renders_and_encodes_in_one_go(slip: TicketSlip, fonts: TicketFonts) -> None:
    assert ticket_job(slip, 512, fonts) == raster_job(render_ticket(slip, 512, fonts))


def test_images_of_other_widths_are_refused() -> None:
    with pytest.raises(ValueError):
        raster_job(Image.new("1", (384, 10), 1))


def test_confirmation_and_clear_are_the_epson_commands() -> None:
    assert CONFIRM == bytes.fromhex("1d 72 01")
    assert CLEAR == bytes.fromhex("10 14 08 01 03 14 01 06 02 08")
