"""USB: one connection kept across tickets and status checks, no reset, back after unplugging."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from printers.device import LinkPrinter
from printers.encode import ticket_job
from printers.fonts import TicketFonts
from printers.model import PrinterConfig, PrinterState, PrintOutcome
from printers.worker import PrinterWorker
from tests.fakes.fake_usb import FakeUsbPrinter
from tests.printers.conftest import make_slip
from tests.printers.connections import TIMEOUTS


@pytest.fixture
def usb() -> Iterator[FakeUsbPrinter]:
    with FakeUsbPrinter() as fake:
        yield fake


def usb_printer(fake: FakeUsbPrinter) -> LinkPrinter:
    return LinkPrinter(PrinterConfig(id="u", url=fake.url, **TIMEOUTS), usb_backend=fake.backend)


def test_the_device_is_opened_once_and_never_reset_across_tickets_and_status_checks(
    usb: FakeUsbPrinter, fonts: TicketFonts
) -> None:
    printer = usb_printer(usb)
    for n in range(3):
        assert printer.probe().state is PrinterState.READY
        job = ticket_job(make_slip(label=f"A-{n:03d}"), 512, fonts)
        assert printer.print_job(job).outcome is PrintOutcome.CONFIRMED
    assert usb.cut_count == 3
    assert (usb.opens, usb.resets) == (1, 0)
    printer.close()


def test_an_unplugged_printer_is_unreachable_and_is_found_again_when_plugged_back(
    usb: FakeUsbPrinter, job: bytes
) -> None:
    printer = usb_printer(usb)
    assert printer.print_job(job).outcome is PrintOutcome.CONFIRMED
    usb.unplug()
    assert printer.probe().state is PrinterState.UNREACHABLE
    result = printer.print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT and not result.expected
    usb.plug()
    assert printer.probe().state is PrinterState.READY
    assert printer.print_job(job).outcome is PrintOutcome.CONFIRMED
    assert usb.cut_count == 2
    assert usb.resets == 0  # a new configuration after plugging in, never a reset


def test_the_worker_polls_and_prints_on_the_one_kept_connection(
    usb: FakeUsbPrinter, job: bytes
) -> None:
    worker = PrinterWorker(usb_printer(usb), poll_interval=0.05).start()
    try:
        assert usb.wait_until(lambda: usb.status_requests >= 9)  # three polls at least
        assert worker.submit(job).result(10).outcome is PrintOutcome.CONFIRMED
    finally:
        worker.stop()
    assert (usb.opens, usb.resets) == (1, 0)


def test_pyusb_finds_debians_libusb() -> None:
    import usb.backend.libusb1  # type: ignore[import-untyped]

    assert usb.backend.libusb1.get_backend() is not None, "libusb-1.0 (Debian) is missing"


def test_a_stopped_worker_lets_the_device_go(usb: FakeUsbPrinter) -> None:
    worker = PrinterWorker(usb_printer(usb), poll_interval=30).start()
    assert usb.wait_until(lambda: usb.status_requests >= 3)
    other = usb_printer(usb)
    assert other.probe().state is PrinterState.UNREACHABLE  # the worker holds it
    worker.stop()
    assert other.probe().state is PrinterState.READY  # now another owner can have it
    assert usb.resets == 0
    other.close()
