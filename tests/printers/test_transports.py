"""Printers that are not on the network: memory, device files, and missing serial or USB devices."""

from __future__ import annotations

from pathlib import Path

from printers.device import LinkPrinter, MemoryPrinter, make_printer
from printers.model import PrinterConfig, PrinterState, PrintOutcome


def test_memory_printer_prints_and_confirms(job: bytes) -> None:
    printer = make_printer(PrinterConfig(id="m", url="memory://"))
    assert isinstance(printer, MemoryPrinter)
    result = printer.print_job(job)
    assert result.outcome is PrintOutcome.CONFIRMED
    assert list(printer.jobs) == [job]
    assert printer.output == job


def test_memory_printer_can_be_told_to_fail(job: bytes) -> None:
    printer = MemoryPrinter(PrinterConfig(id="m", url="memory://"))
    printer.set_state(PrinterState.COVER_OPEN)
    assert printer.probe().state is PrinterState.COVER_OPEN
    result = printer.print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT
    assert not result.expected
    assert list(printer.jobs) == []


def test_device_file_printer_writes_the_job_sent_not_confirmed(tmp_path: Path, job: bytes) -> None:
    device = tmp_path / "lp0"
    device.touch()
    printer = make_printer(PrinterConfig(id="f", url=f"file://{device}"))
    assert isinstance(printer, LinkPrinter)
    assert printer.probe().state is PrinterState.UNKNOWN
    result = printer.print_job(job)
    assert result.outcome is PrintOutcome.SENT_UNCONFIRMED
    assert result.expected  # the way of a device file, not a fault
    assert "cannot confirm" in result.detail
    assert device.read_bytes() == job


def test_missing_device_file_is_unreachable(tmp_path: Path, job: bytes) -> None:
    config = PrinterConfig(id="f", url=f"file://{tmp_path}/no/such/lp0", connect_retries=0)
    result = make_printer(config).print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT
    assert result.before.state is PrinterState.UNREACHABLE


def test_missing_serial_and_usb_printers_are_unreachable(job: bytes) -> None:
    for url in ("serial:///dev/ttyNOPE9?baudrate=38400", "usb://0x04b8:0x0e15"):
        printer = make_printer(PrinterConfig(id="x", url=url, connect_retries=0))
        assert printer.probe().state is PrinterState.UNREACHABLE
        assert printer.print_job(job).outcome is PrintOutcome.NOT_SENT
