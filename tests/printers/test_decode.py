"""The printed bytes, decoded by tools we did not write: npos for the raster, zbar for the QR."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from printers.device import LinkPrinter
from printers.encode import raster_job
from printers.fonts import TicketFonts
from printers.layout import render_ticket
from printers.model import PrintOutcome, TicketSlip
from tests.fakes.fake_printer import FakePrinter
from tests.printers.conftest import STATUS_URL, fast_config, make_slip

DECODER = Path(__file__).parent / "decode" / "decode.js"


def npos_decode(job: bytes, folder: Path) -> tuple[Image.Image, dict[str, Any]]:
    """Run npos (npm) on the job; returns the raster it decoded and its list of commands."""
    node = shutil.which("node")
    assert node is not None, "node is needed for the decoder test (Debian package nodejs)"
    (folder / "job.bin").write_bytes(job)
    done = subprocess.run(
        [node, str(DECODER), str(folder / "job.bin"), str(folder / "decoded.pgm")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"npos failed (is npos installed? npm ci): {done.stderr}"
    with Image.open(folder / "decoded.pgm") as decoded:
        decoded.load()
        return decoded.copy(), json.loads(done.stdout)


def zbar_decode(image: Image.Image, folder: Path) -> list[str]:
    zbarimg = shutil.which("zbarimg")
    assert zbarimg is not None, "zbarimg is needed for the decoder test (Debian package zbar-tools)"
    image.save(folder / "decoded.png")
    done = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(folder / "decoded.png")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout.splitlines()


def same_pixels(ours: Image.Image, theirs: Image.Image) -> bool:
    if ours.size != theirs.size:
        return False
    return ImageChops.difference(ours.convert("L"), theirs.convert("L")).getbbox() is None


@pytest.mark.parametrize("width", [512, 576])
def test_printed_bytes_decode_to_the_rendered_ticket_and_its_qr_to_the_phone_page(
    fake: FakePrinter, slip: TicketSlip, fonts: TicketFonts, tmp_path: Path, width: int
) -> None:
    rendered = render_ticket(slip, width, fonts)
    job = raster_job(rendered)
    printer = LinkPrinter(fast_config("p1", fake.url, width_dots=width))
    assert printer.print_job(job).outcome is PrintOutcome.CONFIRMED
    [printed] = fake.jobs
    decoded, summary = npos_decode(printed, tmp_path)
    assert summary["commands"][0] == "ESC @"
    assert summary["commands"][-1] == "GS V"
    assert same_pixels(rendered, decoded)
    assert zbar_decode(decoded, tmp_path) == [STATUS_URL]


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("en", "Please wait until your number is called. Scan the QR code to follow your turn."),
        (
            "vi",
            "Xin vui lòng chờ đến khi số của bạn được gọi. Quét mã QR để theo dõi lượt của bạn.",
        ),
        ("ne", "तपाईंको पालो आउँदा नम्बर बोलाइनेछ।"),
    ],
)
def test_reissued_foreign_language_ticket_decodes_exactly_too(
    fonts: TicketFonts, tmp_path: Path, language: str, line: str
) -> None:
    slip = make_slip(reissue=True, language=language, translated_line=line)
    rendered = render_ticket(slip, 576, fonts)
    decoded, summary = npos_decode(raster_job(rendered), tmp_path)
    assert summary["commands"] == ["ESC @", "GS v0", "GS V"]
    assert same_pixels(rendered, decoded)
    assert zbar_decode(decoded, tmp_path) == [STATUS_URL]


def test_a_tall_image_split_in_two_decodes_whole(fonts: TicketFonts, tmp_path: Path) -> None:
    ticket = render_ticket(make_slip(), 576, fonts)
    tall = Image.new("1", (576, ticket.height * 3), 1)
    for n in range(3):
        tall.paste(ticket, (0, n * ticket.height))
    decoded, summary = npos_decode(raster_job(tall), tmp_path)
    assert summary["commands"].count("GS v0") == 2  # python-escpos splits at 960 rows
    assert same_pixels(tall, decoded)


def test_decoder_sees_a_changed_pixel(fonts: TicketFonts, tmp_path: Path) -> None:
    rendered = render_ticket(make_slip(), 512, fonts)
    decoded, _ = npos_decode(raster_job(rendered), tmp_path)
    altered = rendered.copy()
    altered.putpixel((100, 100), 0 if altered.getpixel((100, 100)) else 1)
    assert not same_pixels(altered, decoded)
