"""A fake serial receipt printer on a pseudo-terminal, at a real line's speed.

The printer side is the pty's master: it reads what the host writes to the slave no faster
than the line carries it (baudrate / 10 bytes a second, 8N1) and only while its receive
buffer has room; with XON/XOFF it sends XOFF when that buffer is nearly full and XON when it
has drained, which the slave's line discipline obeys (the host's writes stop), as a real
port does. A pty has no RTS/CTS lines: a port opened with rtscts prints here without them.
The host opens `path`, a link to the current pty: unplug() closes the printer's side (the
host's reads and writes fail), plug() makes a new pty behind the same path, as a USB serial
adapter plugged in again comes back under the same name.
"""

from __future__ import annotations

import os
import pty
import threading
import time
import tty
from pathlib import Path
from typing import Any

from printers.links.ready import readable as can_read

from .fake_printer import FakeDevice
from .printer_engine import PrinterEngine

XON, XOFF = b"\x11", b"\x13"
FULL_MARGIN = 512  # XOFF when the receive buffer has less room than this, XON above twice it


class FakeSerialPrinter(FakeDevice):
    def __init__(
        self, folder: Path, baudrate: int = 9600, xonxoff: bool = True, **options: Any
    ) -> None:
        options.setdefault("buffer_bytes", 4096)  # a serial printer's receive buffer
        self.engine = PrinterEngine(**options)
        self.baudrate = baudrate
        self.xonxoff = xonxoff
        self.path = folder / "ttyFAKE"
        self.unplug_after: int | None = None
        self.received = 0
        self.xoffs = 0
        self._lock = threading.Lock()
        self._master = -1
        self._slave = -1
        self._open_pty()
        self._thread = threading.Thread(target=self._line, name="fake-serial", daemon=True)

    def __enter__(self) -> FakeSerialPrinter:
        self.engine.start()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.stop()
        self._thread.join(timeout=5)
        self._close_pty()

    @property
    def url(self) -> str:
        flow = "xonxoff" if self.xonxoff else "none"
        return f"serial://{self.path}?baudrate={self.baudrate}&flow={flow}"

    def _open_pty(self) -> None:
        master, slave = pty.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        tmp = self.path.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.path)
        with self._lock:
            self._master, self._slave = master, slave

    def _close_pty(self) -> None:
        with self._lock:
            master, slave, self._master, self._slave = self._master, self._slave, -1, -1
        for fd in (master, slave):
            if fd >= 0:
                os.close(fd)

    def unplug(self) -> None:
        self._close_pty()
        self.engine.link_lost(self._reply)

    def plug(self) -> None:
        self._open_pty()

    def _reply(self, data: bytes) -> None:
        with self._lock:
            if self._master >= 0:
                try:
                    os.write(self._master, data)
                except OSError:
                    pass

    def _line(self) -> None:
        """Read at the line's speed by the line's own clock: a late wake-up (a busy machine)
        reads what the line carried meanwhile, up to a quarter of a second of it."""
        rate = self.baudrate / 10
        clock = time.monotonic()  # the line has carried everything up to this moment
        stopped = False
        while not self.engine.stopping:
            master = self._master
            room = self.engine.room()
            if self.xonxoff and master >= 0:
                if room < FULL_MARGIN and not stopped:
                    self._reply(XOFF)
                    stopped, self.xoffs = True, self.xoffs + 1
                elif room > 2 * FULL_MARGIN and stopped:
                    self._reply(XON)
                    stopped = False
            now = time.monotonic()
            clock = max(clock, now - 0.25)
            carried = int((now - clock) * rate)
            if master < 0 or room <= 0 or carried < 1:
                time.sleep(max(0.005, min(0.02, 1 / rate)))
                continue
            try:
                readable = can_read(master, 0.02)
                room = self.engine.room()  # the printer may have stopped reading meanwhile
                data = os.read(master, min(room, carried)) if readable and room > 0 else b""
            except OSError:
                time.sleep(0.01)
                continue
            if not data:
                clock = time.monotonic()  # an idle line carries nothing
                continue
            clock += len(data) / rate
            if self.unplug_after is not None and self.received + len(data) >= self.unplug_after:
                data = data[: self.unplug_after - self.received]
                self.unplug_after = None
                self.received += len(data)
                self.engine.take(data, self._reply)
                self.unplug()
                continue
            self.received += len(data)
            self.engine.take(data, self._reply)
