"""A fake Epson-like network receipt printer on 127.0.0.1, for the printer tests.

It takes one printing connection at a time (others wait, as on Epson's UB-E interfaces),
answers DLE EOT 1-4 on receipt (also inside image data, as Epson printers do), answers GS r 1
in order once everything before it has been printed, and clears its buffers on DLE DC4 fn=8
(answering 37 25 00). Printing takes paper and, if told, time. When the paper runs out, the
cover opens or it goes offline, it stops and keeps the buffered data, and prints it once the
fault is cleared: the duplicate hazard a blind retry runs into. Printed jobs are split at the cut.
A cut that feeds to the cutter first (GS V 65/66/103/104 n) uses the paper between the head
and the blade, as real printers do.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from .escpos_stream import Command, Tokenizer, realtime_status_requests

ROW_CHUNK = 8
CUTTER_ROWS = 120  # print head to blade: about 15 mm on an Epson TM-T88, at 8 dots/mm
FEED_TO_CUTTER = (65, 66, 103, 104)  # GS V m n: feed to the cutting position + n, then cut
PLENTY = 1_000_000
MODES = ("normal", "refuse", "blackhole", "no_status")


@dataclass
class _Queued:
    command: Command
    conn: socket.socket


class FakePrinter:
    """Start with `with FakePrinter() as printer:`; change its state with `printer.set(...)`."""

    def __init__(
        self,
        *,
        paper_rows: int = PLENTY,
        near_end_rows: int = 0,
        rows_per_second: float | None = None,
        cutter_rows: int = CUTTER_ROWS,
        buffer_bytes: int = 1 << 20,
        supports_clear: bool = True,
        realtime_in_data: bool = True,
    ) -> None:
        self._cv = threading.Condition()
        self._send_lock = threading.Lock()
        self.paper_rows = paper_rows
        self.near_end_rows = near_end_rows
        self.rows_per_second = rows_per_second
        self.cutter_rows = cutter_rows
        self.buffer_bytes = buffer_bytes
        self.supports_clear = supports_clear
        self.realtime_in_data = realtime_in_data
        self.cover_open = False
        self.offline = False
        self.mode = "normal"
        self.drop_after: int | None = None  # reset the connection after this many bytes
        self.fault_at_row: tuple[int, str] | None = None  # (rows printed, "cover_open"|"paper_out")
        self._queue: deque[_Queued] = deque()
        self._queued_bytes = 0
        self._current: _Queued | None = None
        self._progress = 0
        self._job = bytearray()
        self._jobs: list[bytes] = []
        self.rows_printed = 0
        self.discarded_jobs = 0
        self.clears = 0
        self.status_requests = 0  # DLE EOT requests seen, inside image data included
        self.connections = 0
        self.bytes_received = 0
        self.unknown_commands: list[bytes] = []
        self._stopping = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._threads = [
            threading.Thread(target=self._accept_loop, name="fake-printer-accept", daemon=True),
            threading.Thread(target=self._engine, name="fake-printer-engine", daemon=True),
        ]

    # --- life cycle -----------------------------------------------------------------------

    def __enter__(self) -> FakePrinter:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    @property
    def url(self) -> str:
        return f"network://127.0.0.1:{self.port}"

    # --- control and observation (from the test thread) ------------------------------------

    def set(self, **changes: Any) -> None:
        with self._cv:
            for name, value in changes.items():
                if not hasattr(self, name) or name.startswith("_"):
                    raise AttributeError(name)
                if name == "mode" and value not in MODES:
                    raise ValueError(value)
                setattr(self, name, value)
            self._cv.notify_all()

    def load_paper(self, rows: int = PLENTY) -> None:
        self.set(paper_rows=rows)

    @property
    def jobs(self) -> list[bytes]:
        """Jobs printed and cut, in order."""
        with self._cv:
            return list(self._jobs)

    @property
    def idle(self) -> bool:
        with self._cv:
            return self._current is None and not self._queue

    def wait_until(self, predicate: Any, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cv:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cv.wait(min(remaining, 0.05))
            return True

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> bool:
        return self.wait_until(lambda: len(self._jobs) >= count, timeout)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        return self.wait_until(lambda: self._current is None and not self._queue, timeout)

    # --- status bytes, Epson layout ----------------------------------------------------------

    def status_byte(self, n: int) -> int:
        paper_out = self.paper_rows <= 0
        if n == 1:
            return 0x12 | (0x08 if self.offline or self.cover_open or paper_out else 0)
        if n == 2:
            return 0x12 | (0x04 if self.cover_open else 0) | (0x20 if paper_out else 0)
        if n == 4:
            near_end = paper_out or self.paper_rows <= self.near_end_rows
            return 0x12 | (0x0C if near_end else 0) | (0x60 if paper_out else 0)
        return 0x12

    def _paper_sensor_byte(self) -> int:
        """The GS r 1 answer: bits 0-1 near end, bits 2-3 paper end."""
        if self.paper_rows <= 0:
            return 0x0F
        return 0x03 if self.paper_rows <= self.near_end_rows else 0x00

    # --- the interface: one connection at a time ----------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        with self._cv:
            self.connections += 1
            mode = self.mode
        if mode == "refuse":
            _reset(conn)
            return
        conn.settimeout(0.05)
        tokenizer = Tokenizer()
        carry = b""
        received = 0
        while True:
            with self._cv:
                if self._stopping:
                    break
                if self.mode == "blackhole" or self._queued_bytes >= self.buffer_bytes:
                    self._cv.wait(0.05)
                    continue
                drop_after = self.drop_after
            try:
                data = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            dropping = drop_after is not None and received + len(data) >= drop_after
            if dropping and drop_after is not None:
                data = data[: drop_after - received]
            received += len(data)
            carry = self._take(conn, data, tokenizer, carry)
            if dropping:
                _reset(conn)
                break
        with self._cv:
            self.unknown_commands.extend(tokenizer.unknown)

    def _take(self, conn: socket.socket, data: bytes, tokenizer: Tokenizer, carry: bytes) -> bytes:
        with self._cv:
            self.bytes_received += len(data)
            answers = self.mode != "no_status"
            if self.realtime_in_data:
                requests, carry = realtime_status_requests(carry, data)
                self.status_requests += len(requests)
                if answers:
                    self._send(conn, bytes(self.status_byte(n) for n in requests))
            for command in tokenizer.feed(data):
                if command.kind == "status":
                    if not self.realtime_in_data:
                        self.status_requests += 1
                    if answers and not self.realtime_in_data:
                        self._send(conn, bytes((self.status_byte(command.arg),)))
                elif command.kind == "clear":
                    if self.supports_clear and answers:
                        self._clear()
                        self._send(conn, b"\x37\x25\x00")
                else:
                    self._queue.append(_Queued(self._with_paper(command), conn))
                    self._queued_bytes += len(command.raw)
            self._cv.notify_all()
        return carry

    def _with_paper(self, command: Command) -> Command:
        """The tokenizer knows feeds it can count; the cutter's distance is this printer's."""
        raw = command.raw
        if command.kind == "cut" and len(raw) == 4 and raw[2] in FEED_TO_CUTTER:
            return Command("cut", raw, self.cutter_rows + raw[3])
        return command

    def _send(self, conn: socket.socket, data: bytes) -> None:
        if not data:
            return
        with self._send_lock:
            try:
                conn.sendall(data)
            except OSError:
                pass  # the client went away; a real printer does not care either

    def _clear(self) -> None:
        if self._current is not None or self._queue or self._job:
            self.discarded_jobs += 1
        self._queue.clear()
        self._queued_bytes = 0
        self._current = None
        self._progress = 0
        self._job.clear()
        self.clears += 1

    # --- the mechanism ---------------------------------------------------------------------

    def _can_print(self) -> bool:
        return not (self.cover_open or self.offline or self.paper_rows <= 0)

    def _engine(self) -> None:
        """Print chunk by chunk at rows_per_second by the mechanism's own clock, which starts
        when printing starts and stops when there is nothing to print or a fault: when this
        thread wakes late (a busy machine), the next chunks catch up with that clock, as a
        motor does not slow down because the computer simulating it looked away."""
        done_at: float | None = None  # when the paper will have moved past what is printed
        with self._cv:
            while not self._stopping:
                if self._current is None and self._queue:
                    self._current = self._queue.popleft()
                    self._progress = 0
                if self._current is None or not self._can_print():
                    done_at = None  # idle or stopped: the clock starts again with the next row
                    self._cv.wait(0.05)
                    continue
                seconds = self._step(self._current)
                if seconds <= 0:
                    continue
                done_at = (time.monotonic() if done_at is None else done_at) + seconds
                while not self._stopping:
                    remaining = done_at - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cv.wait(remaining)

    def _step(self, queued: _Queued) -> float:
        """Print a little of the current command; returns how long that took."""
        command = queued.command
        rows = min(ROW_CHUNK, command.rows - self._progress, self.paper_rows)
        if rows > 0:
            self.paper_rows -= rows
            self.rows_printed += rows
            self._progress += rows
            self._fault_check()
            self._cv.notify_all()
            if self._progress < command.rows:
                return rows / self.rows_per_second if self.rows_per_second else 0.0
        self._finish(queued)
        self._cv.notify_all()
        return rows / self.rows_per_second if rows > 0 and self.rows_per_second else 0.0

    def _fault_check(self) -> None:
        if self.fault_at_row is None or self.rows_printed < self.fault_at_row[0]:
            return
        fault = self.fault_at_row[1]
        self.fault_at_row = None
        if fault == "cover_open":
            self.cover_open = True
        elif fault == "paper_out":
            self.paper_rows = 0
        elif fault == "offline":
            self.offline = True

    def _finish(self, queued: _Queued) -> None:
        command = queued.command
        self._current = None
        self._queued_bytes -= len(command.raw)
        if command.kind == "confirm":
            if self.mode != "no_status":
                self._send(queued.conn, bytes((self._paper_sensor_byte(),)))
            return
        self._job += command.raw
        if command.kind == "cut":
            self._jobs.append(bytes(self._job))
            self._job.clear()


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
