"""Star's own commands: raster decoded back from Star's specification, status from ASB or ENQ."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from printers.device import LinkPrinter
from printers.encode import encode
from printers.fonts import TicketFonts
from printers.layout import render_ticket
from printers.model import PrinterConfig, PrinterState, PrintOutcome
from printers.star import asb_length, etb_counter, parse_asb
from printers.star_raster import star_raster_job
from tests.fakes.fake_printer import FakePrinter
from tests.printers.conftest import STATUS_URL, make_slip
from tests.printers.connections import TIMEOUTS
from tests.printers.decode.star_decode import StarDecodeError, star_decode
from tests.printers.test_connections import same
from tests.printers.test_decode import zbar_decode


def star_printer(fake: FakePrinter, **changes: object) -> LinkPrinter:
    values = {**TIMEOUTS, "dialect": "star", **changes}
    return LinkPrinter(PrinterConfig(id="star", url=fake.url, **values))  # type: ignore[arg-type]


@pytest.mark.parametrize("width", [512, 576])
def test_star_raster_decodes_to_the_drawn_ticket_and_its_qr(
    fonts: TicketFonts, tmp_path: Path, width: int
) -> None:
    image = render_ticket(make_slip(reissue=True), width, fonts)
    decoded, commands = star_decode(star_raster_job(image), width)
    assert same(image, decoded)
    assert zbar_decode(decoded, tmp_path) == [STATUS_URL]
    assert commands[:4] == ["ESC * r R", "ESC * r A", "ESC * r P 0", "ESC * r E 9"]
    assert commands[-2:] == ["ESC FF EOT", "ESC * r B"]


def test_the_star_decoder_refuses_bytes_the_specification_does_not_define() -> None:
    with pytest.raises(StarDecodeError):
        star_decode(b"\x1b*rA" + b"\x1dv0\x00", 512)


def test_asb_packets_read_as_the_specification_lays_them_out() -> None:
    assert [asb_length(h) for h in (0x0F, 0x21, 0x23, 0x2F)] == [7, 8, 9, 15]
    ready = bytes((0x23, 0x06, 0, 0, 0, 0, 0, 0b0100_1010, 0))  # ETB counter 5 + 8 * 2
    assert parse_asb(ready).state is PrinterState.READY
    assert etb_counter(ready) == 0b10101
    cases = {
        2: (0x20, PrinterState.COVER_OPEN),
        3: (0x08, PrinterState.ERROR),  # the cutter
        5: (0x08, PrinterState.PAPER_OUT),
    }
    for index, (bit, state) in cases.items():
        packet = bytearray(ready)
        packet[index] |= bit
        assert parse_asb(bytes(packet)).state is state
    near_end = bytearray(ready)
    near_end[5] |= 0x04
    assert parse_asb(bytes(near_end)).state is PrinterState.PAPER_LOW
    offline = bytearray(ready)
    offline[2] |= 0x08
    assert parse_asb(bytes(offline)).state is PrinterState.OFFLINE


def test_the_star_printer_reports_each_state_by_its_automatic_status(
    fake_printers: Callable[..., FakePrinter],
) -> None:
    fake = fake_printers(protocol="star")
    printer = star_printer(fake)
    assert printer.probe().state is PrinterState.READY
    fake.set(paper_rows=10, near_end_rows=100)
    assert printer.probe().state is PrinterState.PAPER_LOW
    fake.set(paper_rows=0)
    assert printer.probe().state is PrinterState.PAPER_OUT
    fake.set(paper_rows=1000, cover_open=True)
    assert printer.probe().state is PrinterState.COVER_OPEN
    fake.set(cover_open=False, offline=True)
    assert printer.probe().state is PrinterState.OFFLINE


def test_each_job_is_confirmed_by_the_etb_counter(
    fake_printers: Callable[..., FakePrinter], fonts: TicketFonts
) -> None:
    fake = fake_printers(protocol="star")
    printer = star_printer(fake)
    for n in range(3):
        job = encode(render_ticket(make_slip(label=f"B-{n}"), 576, fonts), "star")
        assert printer.print_job(job).outcome is PrintOutcome.CONFIRMED
    assert fake.etb_counter == 3 and fake.cut_count == 3


def test_without_automatic_status_the_etb_counter_is_asked_for(
    fake_printers: Callable[..., FakePrinter], fonts: TicketFonts
) -> None:
    fake = fake_printers(protocol="star", asb=False)
    job = encode(render_ticket(make_slip(), 576, fonts), "star")
    assert star_printer(fake).print_job(job).outcome is PrintOutcome.CONFIRMED


def test_a_star_printer_that_answers_only_enq_gives_its_state_and_cannot_confirm(
    fake_printers: Callable[..., FakePrinter], fonts: TicketFonts
) -> None:
    fake = fake_printers(protocol="star", asb=False, status_request=False)
    printer = star_printer(fake)
    status = printer.probe()
    assert status.state is PrinterState.READY and status.raw == b"\x20\x10"  # ENQ, EOT
    fake.set(paper_rows=0)
    assert printer.probe().state is PrinterState.PAPER_OUT
    fake.set(paper_rows=1000, cover_open=True)
    assert printer.probe().state is PrinterState.ERROR  # ENQ says "cover or error"
    fake.set(cover_open=False)
    job = encode(render_ticket(make_slip(), 576, fonts), "star")
    result = star_printer(fake, confirm="none").print_job(job)
    assert result.outcome is PrintOutcome.SENT_UNCONFIRMED and result.expected
    assert fake.wait_for_jobs(1)
