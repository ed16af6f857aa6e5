"""A device file (/dev/usb/lp0, /dev/lp0): bytes go in, nothing comes back."""

from __future__ import annotations

import os

from . import LinkError
from .ready import writable


class FileLink:
    can_read = False
    exact_unsent = False
    keep_open = False
    chunk = 4096

    def __init__(self, path: str) -> None:
        # Non-blocking, and each write waits with poll: under gevent a plain write to a
        # busy printer's device would stop the whole server.
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError as exc:
            raise LinkError(f"cannot open {path}: {exc.strerror or exc}") from exc
        self._path = path

    def send(self, data: bytes, timeout: float) -> int:
        try:
            if not writable(self._fd, timeout):
                return 0
            return os.write(self._fd, data)
        except BlockingIOError:
            return 0
        except OSError as exc:
            raise LinkError(f"write to {self._path} failed: {exc.strerror or exc}") from exc

    def read(self, timeout: float) -> bytes:
        raise LinkError("a device file cannot be read")

    def unsent(self) -> int:
        return 0

    def ready_at(self) -> float:
        return 0.0

    def drain_seconds(self, size: int) -> float:
        return 0.0

    def abort(self) -> None:
        self.close()

    def close(self) -> None:
        try:
            os.close(self._fd)
        except OSError:
            pass
