"""POSTs to push services over kept-alive HTTPS connections (the standard library's http.client).

The server process keeps python's `requests` out of its memory (cli.py); a push service is
one host talking one simple protocol, so a few kept connections per host are all it needs.
A connection the service closed while idle is opened again once.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

IDLE_PER_HOST = 8


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class HttpsPoster:
    def __init__(self, ca_file: str = "", timeout: float = 10.0) -> None:
        self.context = ssl.create_default_context()
        if ca_file:
            self.context.load_verify_locations(ca_file)
        self.timeout = timeout
        self._idle: dict[tuple[str, int], list[http.client.HTTPSConnection]] = {}
        self._lock = threading.Lock()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        """POST `body` to `url` (https only); raises OSError or http.client's errors."""
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"not an https address: {url}")
        where = (parts.hostname, parts.port or 443)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        connection, reused = self._take(where)
        try:
            answer = self._send(connection, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            connection.close()
            if not reused:
                raise
            connection = self._open(where)
            answer = self._send(connection, path, body, headers)
        except BaseException:
            connection.close()
            raise
        self._give_back(where, connection)
        return answer

    def _send(
        self,
        connection: http.client.HTTPSConnection,
        path: str,
        body: bytes,
        headers: dict[str, str],
    ) -> Answer:
        connection.request(
            "POST", path, body=body, headers={**headers, "Content-Length": str(len(body))}
        )
        response = connection.getresponse()
        data = response.read(4096)
        if response.will_close or not response.isclosed():
            connection.close()  # not kept: it said so, or sent more than we read
        return Answer(response.status, data)

    def _open(self, where: tuple[str, int]) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            where[0], where[1], timeout=self.timeout, context=self.context
        )

    def _take(self, where: tuple[str, int]) -> tuple[http.client.HTTPSConnection, bool]:
        with self._lock:
            idle = self._idle.get(where)
            if idle:
                return idle.pop(), True
        return self._open(where), False

    def _give_back(self, where: tuple[str, int], connection: http.client.HTTPSConnection) -> None:
        if connection.sock is None:
            return
        with self._lock:
            idle = self._idle.setdefault(where, [])
            if len(idle) < IDLE_PER_HOST:
                idle.append(connection)
                return
        connection.close()
