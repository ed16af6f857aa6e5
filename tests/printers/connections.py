"""Every kind of connection a ticket printer has, each with its fake printer behind it, so one set
of tests runs on all: TCP, USB (a pyusb backend), serial (a pty at a line's speed), a device
file (a FIFO), a CUPS raw queue (a real cupsd sending to a fake network printer), and a Star
printer in Star's own commands.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from printers.device import LinkPrinter, TicketPrinter, make_printer
from printers.model import PrinterConfig
from tests.fakes.cupsd import CupsServer
from tests.fakes.fake_file import FakeFilePrinter
from tests.fakes.fake_printer import FakeDevice, FakePrinter
from tests.fakes.fake_serial import FakeSerialPrinter
from tests.fakes.fake_usb import FakeUsbPrinter
from tests.printers.decode.star_decode import star_decode
from tests.printers.test_decode import npos_decode

KINDS = ("tcp", "usb", "serial", "file", "cups", "star")
CONFIRMING = ("tcp", "usb", "serial", "star")  # the printer's answers come back

# Short enough for tests, long enough for a loaded two-core machine.
TIMEOUTS: dict[str, Any] = {
    "connect_timeout": 1.0,
    "status_timeout": 0.8,
    "stall_timeout": 1.5,
    "confirm_timeout": 3.0,
    "clear_timeout": 0.8,
    "job_timeout": 20.0,
    "connect_retries": 1,
    "retry_backoff": (0.01,),
}


@dataclass
class Connection:
    kind: str
    fake: FakeDevice
    printer: TicketPrinter
    config: PrinterConfig
    folder: Path
    cups: CupsServer | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def confirms(self) -> bool:
        return self.kind in CONFIRMING

    @property
    def dialect(self) -> str:
        return self.config.dialect

    def drop_after(self, size: int) -> None:
        """The cable comes out after `size` bytes of the job reached the printer."""
        if isinstance(self.fake, FakePrinter):
            self.fake.set(drop_after=size)
        else:
            self.fake.unplug_after = size

    def reconnect(self) -> None:
        if isinstance(self.fake, FakePrinter):
            self.fake.set(drop_after=None)
        else:
            self.fake.plug()

    def decode(self, piece: bytes, folder: Path) -> Image.Image:
        """A printed piece decoded by a decoder we did not write (npos), or for Star by one
        written from Star's specification."""
        if self.dialect == "star":
            image, _ = star_decode(piece, self.config.width_dots)
            return image
        image, _ = npos_decode(piece, folder)
        return image


def open_connection(
    kind: str, stack: ExitStack, folder: Path, cups: CupsServer | None = None, **options: Any
) -> Connection:
    """A fake printer of this kind (options go to its engine) and a printer driving it."""
    printer_options = {
        k: options.pop(k) for k in list(options) if k in PrinterConfig.__dataclass_fields__
    }
    fake: FakeDevice
    extra: dict[str, Any] = {}
    if kind in ("tcp", "star"):
        if kind == "star":
            options["protocol"] = "star"
            printer_options["dialect"] = "star"
        fake = stack.enter_context(FakePrinter(**options))
        url = fake.url
    elif kind == "usb":
        fake = stack.enter_context(FakeUsbPrinter(**options))
        url = fake.url
        extra["usb_backend"] = fake.backend
    elif kind == "serial":
        fake = stack.enter_context(FakeSerialPrinter(folder, baudrate=115200, **options))
        url = fake.url
    elif kind == "file":
        fake = stack.enter_context(FakeFilePrinter(folder, **options))
        url = fake.url
    elif kind == "cups":
        assert cups is not None
        fake = stack.enter_context(FakePrinter(**options))
        url = cups.add_queue(f"q{fake.port}", f"socket://127.0.0.1:{fake.port}")
    else:
        raise ValueError(kind)
    config = PrinterConfig(id=kind, url=url, **{**TIMEOUTS, **printer_options})
    printer: TicketPrinter
    if kind == "usb":
        printer = LinkPrinter(config, usb_backend=fake.backend)
    else:
        printer = make_printer(config)
    stack.callback(printer.close)
    return Connection(kind, fake, printer, config, folder, cups, extra)
