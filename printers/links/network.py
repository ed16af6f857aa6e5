"""Raw TCP, port 9100: a connection per job, as a printer's network card serves one at a time."""

from __future__ import annotations

import fcntl
import socket
import struct
import termios

from . import LinkError

# What sits in our send buffer cannot be taken back once the job is given up (abort drops it
# with a reset): kept small, so little of a given-up job is ever on its way.
SEND_BUFFER = 16 * 1024


class NetworkLink:
    can_read = True
    exact_unsent = False
    keep_open = False
    chunk = 16384  # a ticket in two writes: progress is what the printer has taken since

    def __init__(self, host: str, port: int, connect_timeout: float) -> None:
        try:
            sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as exc:
            raise LinkError(f"cannot connect to {host}:{port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        self._sock = sock

    def send(self, data: bytes, timeout: float) -> int:
        self._sock.settimeout(max(timeout, 0.001))
        try:
            return self._sock.send(data)
        except TimeoutError:
            return 0
        except OSError as exc:
            raise LinkError(f"write failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        self._sock.settimeout(max(timeout, 0.001))
        try:
            data = self._sock.recv(256)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise LinkError(f"read failed: {exc}") from exc
        if not data:
            raise LinkError("the printer closed the connection")
        return data

    def unsent(self) -> int:
        """Bytes in our send queue the printer has not acknowledged (Linux SIOCOUTQ)."""
        try:
            answer = fcntl.ioctl(self._sock.fileno(), termios.TIOCOUTQ, b"\0" * 4)
        except OSError:
            return 0
        unsent: int = struct.unpack("i", answer)[0]
        return unsent

    def ready_at(self) -> float:
        return 0.0

    def drain_seconds(self, size: int) -> float:
        return 0.0

    def abort(self) -> None:
        """Reset the connection: the kernel drops what it still held for the printer."""
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self._sock.close()

    def close(self) -> None:
        self._sock.close()
