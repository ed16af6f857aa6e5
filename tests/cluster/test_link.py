"""The connection a process forwards requests over (server/cluster/forward.py `Link`), against
a scripted owner: each answer's length by Content-Length, by chunks, or by the close."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from server.cluster.forward import Link


class ScriptedOwner:
    """Answers each request on one connection with the next of `answers`, and records what
    it was sent."""

    def __init__(self, answers: list[bytes]) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.answers = answers
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            buffer = b""
            for answer in self.answers:
                while b"\r\n\r\n" not in buffer:
                    buffer += conn.recv(65536)
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                self.received.append(head + b"\r\n\r\n" + buffer[:length])
                buffer = buffer[length:]
                conn.sendall(answer)
                if b"Connection: close" in answer or b"Content-Length" not in answer and (
                        b"chunked" not in answer):
                    return

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def owner(request: pytest.FixtureRequest) -> Iterator[ScriptedOwner]:
    made = ScriptedOwner(request.param)
    yield made
    made.close()


LENGTH = b"HTTP/1.1 201 CREATED\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
CHUNKED = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Extra:  a b \r\n\r\n"
           b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n")
CLOSED = b"HTTP/1.1 503 SERVICE UNAVAILABLE\r\nContent-Type: text/plain\r\n\r\nuntil the close"


@pytest.mark.parametrize("owner", [[LENGTH + b'{"id": 12}\n', CHUNKED, CLOSED]],
                         indirect=True)
def test_answers_are_read_whole_and_the_connection_kept_until_the_owner_closes_it(
        owner: ScriptedOwner) -> None:
    link = Link(f"http://127.0.0.1:{owner.port}", timeout=10)
    try:
        status, headers, body = link.exchange(
            "POST", "/api/sites/a/tickets", [("Idempotency-Key", "k")], b'{"services": []}')
        assert (status, body, link.reusable) == (201, b'{"id": 12}\n', True)
        assert ("Content-Type", "application/json") in headers
        status, headers, body = link.exchange("GET", "/api/health?x=1", [], b"")
        assert (status, body, link.reusable) == (200, b"hello world", True)
        assert ("X-Extra", "a b") in headers
        status, _, body = link.exchange("POST", "/api/x", [], b"")
        assert (status, body, link.reusable) == (503, b"until the close", False)
    finally:
        link.close()
    sent = owner.received
    assert sent[0].startswith(b"POST /api/sites/a/tickets HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"\r\nIdempotency-Key: k\r\nContent-Length: 16\r\n\r\n" in sent[0]
    assert sent[0].endswith(b'{"services": []}')
    assert sent[1].startswith(b"GET /api/health?x=1 HTTP/1.1") and b"Content-Length" not in sent[1]
    assert b"Content-Length: 0\r\n" in sent[2]  # a POST says its empty body


@pytest.mark.parametrize("owner", [[b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"]],
                         indirect=True)
def test_an_owner_that_closes_mid_answer_is_an_error(owner: ScriptedOwner) -> None:
    link = Link(f"http://127.0.0.1:{owner.port}", timeout=10)
    try:
        with pytest.raises(ConnectionError):
            link.exchange("GET", "/", [], b"")
    finally:
        link.close()
