"""Clients that are slow or greedy on purpose: read deadlines, connection caps, the file limit.

Every connection holds a file descriptor, and the process may have only so many
(systemd's default is 1,024). A client that opens connections and sends its requests a
byte at a time, or never finishes them, would hold them all: the server could accept
nothing more, nor open its own files ("Too many open files"). So:

- a request's line and headers must arrive within `request_header_seconds` (this is also
  how long a kept-alive connection may wait idle for its next request), and its body within
  `request_body_seconds`; otherwise the connection is closed;
- one client address may hold at most `max_connections_per_address` connections, and all
  together leave room below the file limit for the server's own files; a connection over
  either cap is answered 503 at once and closed;
- at start the server raises its own file limit as far as it is allowed (the service unit
  allows 65,536) and logs it.

Long-lived connections stay: a display's, console's, kiosk's or phone's Socket.IO
connection sends its headers at once and then lives in the application, where these
deadlines do not reach. Many phones may share one address (a NAT'd guest Wi-Fi), hence a
cap in the hundreds; behind a reverse proxy every client has the proxy's address: set the
cap to 0 there and let the proxy limit.
"""

from __future__ import annotations

import json
import logging
import resource
import socket
import time
from typing import Any

import gevent
from gevent import pywsgi

from .refusals import CATALOGUE

log = logging.getLogger(__name__)
FILES_KEPT = 128  # descriptors kept for the server's own use: database, logs, printers, voice
WANTED_FILES = 65536  # as far as the server raises its own limit, hard limit allowing
REFUSAL_LOG_SECONDS = 60.0  # a refused address is logged at most this often

_BUSY = json.dumps(
    {"error": "too_many_connections", "message": CATALOGUE["too_many_connections"].english}
).encode()
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Retry-After: 5\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n"
    b"Content-Length: " + str(len(_BUSY)).encode() + b"\r\n\r\n" + _BUSY
)


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files as far as the hard limit allows (up to
    WANTED_FILES); the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = WANTED_FILES if hard == resource.RLIM_INFINITY else min(hard, WANTED_FILES)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            log.warning("could not raise the open-files limit from %d", soft)
    return int(soft) if soft != resource.RLIM_INFINITY else WANTED_FILES


class GuardedServer(pywsgi.WSGIServer):  # type: ignore[misc]
    """gevent's WSGI server with caps on connections, per client address and in all."""

    def __init__(self, *args: Any, per_address: int, most: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.per_address = per_address  # 0: no cap per address
        self.most = most
        self.open: dict[str, int] = {}
        self.total = 0
        self._told: dict[str, float] = {}

    def handle(self, sock: socket.socket, address: Any) -> None:
        peer = str(address[0]) if isinstance(address, tuple) else ""
        held = self.open.get(peer, 0)
        if self.total >= self.most or (self.per_address and held >= self.per_address):
            self._refuse(sock, peer, held)
            return
        self.open[peer] = held + 1
        self.total += 1
        try:
            super().handle(sock, address)
        finally:
            self.total -= 1
            left = self.open[peer] - 1
            if left:
                self.open[peer] = left
            else:
                del self.open[peer]

    def _refuse(self, sock: socket.socket, peer: str, held: int) -> None:
        try:
            sock.settimeout(0.5)
            sock.sendall(BUSY_RESPONSE)
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finally:
            sock.close()
        now = time.monotonic()
        if now - self._told.get(peer, float("-inf")) >= REFUSAL_LOG_SECONDS:
            if len(self._told) > 10_000:
                self._told.clear()
            self._told[peer] = now
            log.warning(
                "refused connections from %s: it holds %d (max_connections_per_address "
                "%d), %d are open in all (at most %d)",
                peer,
                held,
                self.per_address,
                self.total,
                self.most,
            )


class BodyTooSlow(TimeoutError):
    """The request's body did not arrive within `request_body_seconds`."""


class TimedInput(pywsgi.Input):  # type: ignore[misc]
    """A request body that must be read within a deadline; past it, reading fails (the
    application answers 400) and the connection is closed."""

    __slots__ = ("deadline", "handler")

    def read(self, length: int | None = None) -> bytes:
        return self._in_time(super().read, length)

    def readline(self, size: int | None = None) -> bytes:
        return self._in_time(super().readline, size)

    def _in_time(self, read: Any, size: int | None) -> bytes:
        left = self.deadline - time.monotonic()
        try:
            if left <= 0:
                raise BodyTooSlow("the request body did not arrive in time")
            with gevent.Timeout(left, BodyTooSlow("the request body did not arrive in time")):
                return bytes(read(size))
        except BodyTooSlow:
            self.handler.close_connection = True  # what follows on it is no request
            raise
