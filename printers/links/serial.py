"""An RS-232 line through pyserial: kept open, paced by its speed and flow control."""

from __future__ import annotations

import os
import select
from typing import Any

from . import LinkError

BITS_PER_BYTE = 10  # 8N1: a start bit, eight data bits, a stop bit


class SerialLink:
    can_read = True
    exact_unsent = True
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

    def send(self, data: bytes, timeout: float) -> int:
        # pyserial's own write() raises on a timeout without saying how much went out; the
        # port is non-blocking, so one write takes what fits and says so.
        try:
            _, writable, _ = select.select([], [self._fd], [], max(timeout, 0.001))
            if not writable:
                return 0
            return os.write(self._fd, data)
        except BlockingIOError:
            return 0
        except OSError as exc:
            raise LinkError(f"write to {self._path} failed: {exc.strerror or exc}") from exc

    def read(self, timeout: float) -> bytes:
        try:
            readable, _, _ = select.select([self._fd], [], [], max(timeout, 0.001))
            if not readable:
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
