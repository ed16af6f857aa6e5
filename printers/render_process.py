"""Tickets drawn in a process of their own, so that drawing holds none of the server's locks.

Drawing a ticket (Pillow, FreeType, numpy) is a few milliseconds of CPU in C and Python that
holds the interpreter's lock. Done in a thread of the server, 20 kiosks printing 10 tickets a
second put 50-60 ms on the 99th percentile of every call reaching the displays (the bench's
print_during_calls phase), with rendering skipped none. Here a child process draws and
encodes; the server sends it the slip and reads the job back over a pipe, which holds no lock
while it waits.

    renderer = RenderProcess().start()
    job = renderer.render(slip, 576, "escpos")   # one caller at a time: the server gives
                                                   # the renderer a thread of its own

A dead child is started again for the next ticket; one that cannot start is reported by
RenderError, and the server draws in its own process instead.

The child (`python -m printers.render_process`) reads requests on stdin and writes jobs on
stdout: a request is 4 bytes of length and a pickle of (TicketSlip, width, dialect), from
the server that started it; an answer is b"J" or b"E" (an error's text), 4 bytes of length,
and the bytes.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from typing import BinaryIO

from .model import TicketSlip


class RenderError(RuntimeError):
    """The child could not draw the ticket, or is gone."""


class RenderProcess:
    def __init__(self, python: str = sys.executable) -> None:
        self._python = python
        self._process: subprocess.Popen[bytes] | None = None
        self._to_child = self._from_child = -1

    def start(self) -> RenderProcess:
        """Start the child (from the thread that owns child processes: the server's own)."""
        to_child_read, self._to_child = os.pipe()
        self._from_child, from_child_write = os.pipe()
        try:
            self._process = subprocess.Popen(
                [self._python, "-m", "printers.render_process"],
                stdin=to_child_read, stdout=from_child_write, close_fds=True,
            )  # fmt: skip
        finally:
            os.close(to_child_read)
            os.close(from_child_write)
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def render(self, slip: TicketSlip, width: int, dialect: str) -> bytes:
        """The job's bytes; RenderError when the child cannot give them."""
        if self._process is None or self._process.poll() is not None:
            self._restart()
        request = pickle.dumps((slip, width, dialect))
        try:
            _write(self._to_child, len(request).to_bytes(4, "big") + request)
            kind = _read(self._from_child, 1)
            size = int.from_bytes(_read(self._from_child, 4), "big")
            payload = _read(self._from_child, size)
        except OSError as exc:
            self._restart()
            raise RenderError(f"the drawing process went away: {exc}") from exc
        if kind != b"J":
            raise RenderError(payload.decode("utf-8", "replace"))
        return payload

    def _restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        for fd in (self._to_child, self._from_child):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to_child = self._from_child = -1
        process, self._process = self._process, None
        if process is not None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read(fd: int, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = os.read(fd, size - len(chunks))
        if not chunk:
            raise OSError("the drawing process closed its pipe")
        chunks += chunk
    return bytes(chunks)


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """The child's loop: draw each slip it is sent, until its input ends."""
    from .encode import ticket_job
    from .fonts import find_fonts
    from .layout import warm_up

    fonts = find_fonts()
    warm_up(fonts, (512, 576))
    while True:
        header = requests.read(4)
        if len(header) < 4:
            return
        slip, width, dialect = pickle.loads(requests.read(int.from_bytes(header, "big")))
        try:
            kind, payload = b"J", ticket_job(slip, width, fonts, dialect)
        except Exception as exc:  # the server hears of it and draws the ticket itself
            kind, payload = b"E", repr(exc).encode("utf-8")
        answers.write(kind + len(payload).to_bytes(4, "big") + payload)
        answers.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
