"""A fake printer behind a device file, as /dev/usb/lp0 is: bytes go in, nothing comes back.

The file is a FIFO whose other end the fake printer reads while its receive buffer has room;
its pipe is one page, so a printer that stops reading soon stops the writer, as a busy
printer's device does. unplug() closes the printer's end: writes fail (EPIPE, as a device
whose printer went away fails with ENODEV) and opening finds no device (ENXIO).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Any

from printers.links.ready import readable as can_read

from .fake_printer import FakeDevice
from .printer_engine import PrinterEngine

F_SETPIPE_SZ = 1031  # Linux


def _nobody(data: bytes) -> None:
    """A device file carries nothing back."""


class FakeFilePrinter(FakeDevice):
    def __init__(self, folder: Path, **options: Any) -> None:
        self.engine = PrinterEngine(**options)
        self.path = folder / "lp0"
        os.mkfifo(self.path)
        self._fd = -1
        self.unplug_after: int | None = None
        self.received = 0
        self._lock = threading.Lock()
        self.plug()
        self._thread = threading.Thread(target=self._read, name="fake-lp", daemon=True)

    def __enter__(self) -> FakeFilePrinter:
        self.engine.start()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.stop()
        self._thread.join(timeout=5)
        self.unplug()

    @property
    def url(self) -> str:
        return f"file://{self.path}"

    def plug(self) -> None:
        # Read and write: the printer's end never sees an end of file between two writers.
        fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK)
        fcntl.fcntl(fd, F_SETPIPE_SZ, 4096)
        with self._lock:
            self._fd = fd

    def unplug(self) -> None:
        with self._lock:
            fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def _read(self) -> None:
        while not self.engine.stopping:
            fd = self._fd
            room = self.engine.room()
            if fd < 0 or room <= 0:
                time.sleep(0.01)
                continue
            try:
                readable = can_read(fd, 0.05)
                room = self.engine.room()  # the printer may have stopped reading meanwhile
                data = os.read(fd, min(room, 4096)) if readable and room > 0 else b""
            except OSError:
                continue
            if not data:
                continue
            if self.unplug_after is not None and self.received + len(data) >= self.unplug_after:
                data = data[: self.unplug_after - self.received]
                self.unplug_after = None
                self.engine.take(data, _nobody)
                self.unplug()
                continue
            self.received += len(data)
            self.engine.take(data, _nobody)
