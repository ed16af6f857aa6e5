"""Bench: a kiosk's ticket to the printer's confirmation, on each kind of connection.

For each connection (TCP, USB, serial at 9,600 and 115,200 baud, a device file, a CUPS queue,
Star on TCP) a fake printer that prints and answers as soon as bytes arrive (the connection
is the only slow part), and the real path the server runs for a kiosk's ticket: the ticket
drawn (printers.layout), encoded, the printer asked for its state, the job sent and the
confirmation awaited (printers.device; CUPS: printers.cups). Timed from the drawing's start
to the outcome, per ticket; each ticket has its own phone-page token (its own QR code).
A device file and a CUPS queue cannot confirm: their figure is to "sent".
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from printers.device import LinkPrinter, TicketPrinter, make_printer
from printers.encode import ticket_job
from printers.fonts import find_fonts
from printers.model import PrinterConfig, PrintOutcome, TicketSlip
from tests.fakes.cupsd import CupsServer
from tests.fakes.fake_file import FakeFilePrinter
from tests.fakes.fake_printer import FakePrinter
from tests.fakes.fake_serial import FakeSerialPrinter
from tests.fakes.fake_usb import FakeUsbPrinter

CASES = ("tcp", "usb", "serial_115200", "serial_9600", "file", "cups", "star_tcp")


def _slip(n: int) -> TicketSlip:
    return TicketSlip(
        site_name="あいワーク中央",
        label=f"A-{n % 1000:03d}",
        desk_label="職業相談・職業紹介",
        issued_at=datetime.now(UTC),
        people_ahead=n % 30,
        status_url=f"http://127.0.0.1:8080/t/{os.urandom(16).hex()[:22]}",
        estimate_low_min=10,
        estimate_high_min=20,
    )


def _printer(case: str, stack: ExitStack, folder: Path) -> tuple[TicketPrinter, str]:
    """The printer for a case, its fake started; and the command set."""
    if case in ("tcp", "star_tcp"):
        protocol = "star" if case == "star_tcp" else "escpos"
        fake = stack.enter_context(FakePrinter(protocol=protocol))
        return make_printer(PrinterConfig(id=case, url=fake.url, dialect=protocol)), protocol  # type: ignore[arg-type]
    if case == "usb":
        usb = stack.enter_context(FakeUsbPrinter())
        return LinkPrinter(PrinterConfig(id=case, url=usb.url), usb_backend=usb.backend), "escpos"
    if case.startswith("serial_"):
        baud = int(case.split("_")[1])
        line = stack.enter_context(FakeSerialPrinter(folder, baudrate=baud, buffer_bytes=1 << 20))
        return make_printer(PrinterConfig(id=case, url=line.url)), "escpos"
    if case == "file":
        device = stack.enter_context(FakeFilePrinter(folder))
        return make_printer(PrinterConfig(id=case, url=device.url)), "escpos"
    cups = stack.enter_context(CupsServer())
    fake = stack.enter_context(FakePrinter())
    url = cups.add_queue("bench", f"socket://127.0.0.1:{fake.port}")
    return make_printer(PrinterConfig(id=case, url=url)), "escpos"


def connection_case(case: str, tickets: int, pause: float) -> dict[str, Any]:
    fonts = find_fonts()
    times: list[float] = []
    outcomes: dict[str, int] = {}
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-print-")))
        printer, dialect = _printer(case, stack, folder)
        stack.callback(printer.close)
        for n in range(tickets):
            started = time.perf_counter()
            job = ticket_job(_slip(n), 512, fonts, dialect)
            result = printer.print_job(job)
            times.append((time.perf_counter() - started) * 1000)
            outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
            time.sleep(pause)
    good = outcomes.get(PrintOutcome.CONFIRMED.value, 0) + (
        outcomes.get(PrintOutcome.SENT_UNCONFIRMED.value, 0) if case in ("file", "cups") else 0
    )
    ordered = sorted(times)
    return {
        "tickets": tickets,
        "outcomes": outcomes,
        "all_confirmed_or_sent": good == tickets,
        "to_outcome_ms": {
            "p50": round(statistics.median(ordered), 1),
            "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
            "max": round(ordered[-1], 1),
        },
    }
