"""An RS-232 line through pyserial: kept open, paced by its speed and flow control."""

from __future__ import annotations

import os
import time
from typing import Any

from . import LinkError
from .ready import readable, writable

BITS_PER_BYTE = 10  # 8N1: a start bit, eight data bits, a stop bit
# At most this much is written ahead of what the line can have carried: about a UART
# driver's buffer. Bytes in a driver cannot be taken back from a given-up job, and a write
# that outruns the line would hide from us whether the printer is still taking the job.
AHEAD = 4096


class SerialLink:
    can_read = True
    # A USB serial adapter's own buffer (and a pty's) is not in the driver's count.
    exact_unsent = False
    keep_open = True

    def __init__(self, path: str, baudrate: int, flow: str) -> None:
        try:
            import serial  # type: ignore[import-untyped]  # pyserial
        except ImportError as exc:
            raise LinkError("serial printers need pyserial (python-escpos[serial])") from exc
        try:
            self._port: Any = serial.Serial(
                port=path,
                baudrate=baudrate,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE,
                timeout=0,
                xonxoff=flow == "xonxoff",
                rtscts=flow == "rtscts",
                exclusive=True,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise LinkError(f"cannot open {path}: {exc}") from exc
        self._fd: int = self._port.fd
        self._path = path
        self.baudrate = baudrate
        # A quarter of a second of line per write: progress is seen that often.
        self.chunk = max(16, baudrate // BITS_PER_BYTE // 4)
        self._rate = baudrate / BITS_PER_BYTE
        self._line_free_at = 0.0  # when the line will have carried everything written

    def send(self, data: bytes, timeout: float) -> int:
        # pyserial's own write() raises on a timeout without saying how much went out; the
        # port is non-blocking, so one write takes what fits and says so.
        deadline = time.monotonic() + timeout
        ahead = (self._line_free_at - time.monotonic()) * self._rate
        if ahead > AHEAD:  # the line is still busy: wait for it, within the timeout
            time.sleep(max(0.0, min(deadline, self.ready_at()) - time.monotonic()))
            ahead = (self._line_free_at - time.monotonic()) * self._rate
            if ahead > AHEAD:
                return 0
        room = max(1, int(AHEAD - max(ahead, 0.0)))
        try:
            remaining = max(0.001, deadline - time.monotonic())
            if not writable(self._fd, remaining):
                return 0
            written = os.write(self._fd, data[:room])
        except BlockingIOError:
            return 0
        except OSError as exc:
            raise LinkError(f"write to {self._path} failed: {exc.strerror or exc}") from exc
        now = time.monotonic()
        self._line_free_at = max(self._line_free_at, now) + written / self._rate
        return written

    def read(self, timeout: float) -> bytes:
        try:
            if not readable(self._fd, timeout):
                return b""
            data = os.read(self._fd, 256)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise LinkError(f"read from {self._path} failed: {exc.strerror or exc}") from exc
        if not data:
            raise LinkError(f"{self._path} was closed")
        return data

    def unsent(self) -> int:
        try:
            waiting: int = self._port.out_waiting
        except OSError:
            return 0
        return waiting

    def ready_at(self) -> float:
        return self._line_free_at - AHEAD / self._rate

    def drain_seconds(self, size: int) -> float:
        return size * BITS_PER_BYTE / self.baudrate

    def abort(self) -> None:
        """Drop what the driver still holds for the line, then close."""
        try:
            self._port.reset_output_buffer()
        except OSError:
            pass
        self.close()

    def close(self) -> None:
        try:
            self._port.close()
        except OSError:
            pass
