"""Serial: a whole ticket at 9,600 baud, flow control as configured, waits that follow the line."""

from __future__ import annotations

import termios
import time
from pathlib import Path

from printers.device import LinkPrinter
from printers.links.serial import SerialLink
from printers.model import PrinterConfig, PrintOutcome
from tests.fakes.fake_serial import FakeSerialPrinter
from tests.printers.connections import TIMEOUTS


def test_a_whole_ticket_at_9600_baud_is_printed_and_confirmed(tmp_path: Path, job: bytes) -> None:
    # About 23 s on the line: ten times the stall and confirmation timeouts, all moving.
    with FakeSerialPrinter(tmp_path, baudrate=9600) as fake:
        printer = LinkPrinter(PrinterConfig(id="s", url=fake.url, **TIMEOUTS))
        started = time.monotonic()
        result = printer.print_job(job)
        took = time.monotonic() - started
        printer.close()
        assert result.outcome is PrintOutcome.CONFIRMED, result
        assert took >= len(job) * 10 / 9600 * 0.95  # the line's own speed, not faster
        [piece] = fake.jobs
        assert piece == job


def test_xon_xoff_holds_the_host_while_a_slow_printer_catches_up(
    tmp_path: Path, job: bytes
) -> None:
    with FakeSerialPrinter(tmp_path, baudrate=115200, rows_per_second=150) as fake:
        printer = LinkPrinter(PrinterConfig(id="s", url=fake.url, **TIMEOUTS))
        result = printer.print_job(job)
        printer.close()
        assert result.outcome is PrintOutcome.CONFIRMED, result
        assert fake.xoffs >= 1
        assert fake.jobs == [job]


def test_flow_control_is_set_on_the_port_as_configured(tmp_path: Path) -> None:
    with FakeSerialPrinter(tmp_path, baudrate=38400, xonxoff=False) as fake:
        for flow, flag in (("rtscts", termios.CRTSCTS), ("xonxoff", termios.IXON)):
            link = SerialLink(str(fake.path), 38400, flow)
            try:
                attributes = termios.tcgetattr(link._fd)
                flags = attributes[2] if flag == termios.CRTSCTS else attributes[0]
                assert flags & flag
                assert attributes[4] == termios.B38400
            finally:
                link.close()


def test_the_wait_for_a_confirmation_follows_the_jobs_size_and_the_line(tmp_path: Path) -> None:
    with FakeSerialPrinter(tmp_path, baudrate=9600) as fake:
        link = SerialLink(str(fake.path), 9600, "xonxoff")
        try:
            assert link.drain_seconds(22_000) == 22_000 * 10 / 9600
        finally:
            link.close()
