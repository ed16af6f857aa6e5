"""The hop's HTTP/1.1 client (server/cluster/wire.py) reads answers as an HTTP server sends
them, on one kept connection: by length, in chunks, with none (HEAD, 204), to the end of a
closing connection; and says when a connection cannot be used again."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from server.cluster.wire import Link

ANSWERS = [
    b"HTTP/1.1 201 CREATED\r\nContent-Type: application/json\r\nSet-Cookie: a=1\r\n"
    b"Set-Cookie: b=2\r\nContent-Length: 13\r\n\r\n{\"label\":\"1\"}",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"4;note=x\r\nwiki\r\n5\r\npedia\r\n0\r\nTrailer-One: 1\r\n\r\n",
    b"HTTP/1.1 204 NO CONTENT\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n",  # to a HEAD: no body follows
    b"HTTP/1.1 503 SERVICE UNAVAILABLE\r\nConnection: close\r\n\r\nall of it, then closed",
]


@pytest.fixture
def server() -> Iterator[tuple[str, list[bytes]]]:
    """One connection, answered in turn from ANSWERS after each request's head and body;
    what was asked is kept."""
    listener = socket.create_server(("127.0.0.1", 0))
    asked: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            pending = b""
            for answer in ANSWERS:
                while b"\r\n\r\n" not in pending:
                    pending += conn.recv(65536)
                head, _, pending = pending.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(pending) < length:
                    pending += conn.recv(65536)
                asked.append(head + b"\r\n\r\n" + pending[:length])
                pending = pending[length:]
                conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", asked
    listener.close()
    thread.join(10)


def test_one_kept_connection_reads_every_kind_of_answer(
        server: tuple[str, list[bytes]]) -> None:
    address, asked = server
    link = Link(address, timeout=10)
    status, headers, body = link.ask("POST", "/api/sites/a/tickets",
                                     [("idempotency-key", "k1")], b'{"services":["job"]}')
    assert (status, body) == (201, b'{"label":"1"}')
    assert [v for n, v in headers if n == "Set-Cookie"] == ["a=1", "b=2"]
    assert asked[0].startswith(b"POST /api/sites/a/tickets HTTP/1.1\r\n")
    assert b"\r\nidempotency-key: k1\r\n" in asked[0]
    assert asked[0].endswith(b'\r\n\r\n{"services":["job"]}')
    assert link.ask("GET", "/chunked", [], b"")[::2] == (200, b"wikipedia")
    assert link.ask("POST", "/none", [], b"")[::2] == (204, b"")
    assert link.ask("HEAD", "/head", [], b"")[::2] == (200, b"")
    assert link.reusable
    assert link.ask("GET", "/closing", [], b"")[::2] == (503, b"all of it, then closed")
    assert not link.reusable
    link.close()
