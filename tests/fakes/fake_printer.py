"""A fake Epson-like (or Star-like) network receipt printer on 127.0.0.1, for the printer tests.

It takes one printing connection at a time (others wait, as on Epson's UB-E interfaces) and
reads only while its receive buffer has room, so a stuck printer pushes back on the sender as
TCP does. What it does with the bytes is printer_engine.py's: the same engine sits behind the
fake USB device (fake_usb.py) and the fake serial printer (fake_serial.py).

Modes: "refuse" resets every connection, "blackhole" accepts and never reads, "no_status"
prints but never answers; drop_after=N resets the connection after N bytes (a cable pulled).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from printers.links.ready import readable as can_read

from .printer_engine import CUTTER_ROWS, PrinterEngine

__all__ = ["CUTTER_ROWS", "FakeDevice", "FakePrinter", "closed_port"]
RECEIVE_WINDOW = 4096


class FakeDevice:
    """The test thread's handle on a fake printer: its state, its output, waiting on it.

    Everything the engine has (paper_rows, jobs, cut_count, rows_printed, ...) reads through."""

    engine: PrinterEngine

    def __getattr__(self, name: str) -> Any:
        if name == "engine":
            raise AttributeError(name)
        return getattr(self.engine, name)

    def set(self, **changes: Any) -> None:
        self.engine.set(**changes)

    def load_paper(self, rows: int = 1_000_000) -> None:
        self.engine.set(paper_rows=rows)

    @property
    def jobs(self) -> list[bytes]:
        return self.engine.jobs

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        return self.engine.wait_until(predicate, timeout)

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> bool:
        return self.engine.wait_until(lambda: self.engine.cut_count >= count, timeout)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        return self.engine.wait_until(lambda: self.engine.idle, timeout)


class FakePrinter(FakeDevice):
    """Start with `with FakePrinter() as printer:`; change its state with `printer.set(...)`."""

    def __init__(self, **options: Any) -> None:
        self.engine = PrinterEngine(**options)
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        # A printer's network card has a small window: a full printer soon stops the sender.
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_WINDOW)
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, name="fake-9100", daemon=True)

    def __enter__(self) -> FakePrinter:
        self.engine.start()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.stop()
        self._thread.join(timeout=5)
        self._listener.close()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        while not self.engine.stopping:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        engine = self.engine
        with engine.cv:
            self.connections += 1
            mode = engine.mode
        if mode == "refuse":
            _reset(conn)
            return
        conn.settimeout(0.05)
        send_lock = threading.Lock()

        def reply(data: bytes) -> None:
            if data:
                with send_lock:
                    try:
                        conn.sendall(data)
                    except OSError:
                        pass  # the client went away; a real printer does not care either

        try:
            self._receive(conn, reply)
        finally:
            engine.link_lost(reply)

    def _receive(self, conn: socket.socket, reply: Callable[[bytes], None]) -> None:
        """Read while the printer has room; reset the connection after drop_after bytes."""
        engine = self.engine
        received = 0
        while not engine.stopping:
            if engine.room() <= 0:
                time.sleep(0.01)
                continue
            try:
                readable = can_read(conn.fileno(), 0.05)
                room = engine.room()  # the printer may have stopped reading meanwhile
                if not readable or room <= 0:
                    continue
                data = conn.recv(min(room, 4096))
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            drop_after = engine.drop_after
            dropping = drop_after is not None and received + len(data) >= drop_after
            if dropping and drop_after is not None:
                data = data[: drop_after - received]
            received += len(data)
            engine.take(data, reply)
            if dropping:
                _reset(conn)
                return


def _reset(conn: socket.socket) -> None:
    """Close with RST, as a printer that drops a connection does."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    conn.close()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port
