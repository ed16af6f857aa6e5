"""A request's headers as the server reads them (server/requestheaders.py), and through a real
server: a head that is not headers is refused 400."""

from __future__ import annotations

import io
import socket
from pathlib import Path

from server.requestheaders import RequestHeaders
from tests.harness import ServerProcess, token


def read(head: bytes) -> RequestHeaders:
    return RequestHeaders.read(io.BytesIO(head + b"body that is not read"))


def test_fields_are_read_in_order_up_to_the_empty_line_and_found_in_any_case() -> None:
    found = read(b"Host: x\r\nContent-Type: application/json\r\nX-A: 1\r\nx-a: 2\r\n\r\n")
    assert found.status == ""
    assert found.get("content-type") == found.typeheader == "application/json"
    assert found.get("X-A") == "1" and found.getheader("x-a") == "1"  # the first, as email's
    assert found.get("missing", "none") == "none"
    assert list(found.headers) == ["Host: x\r\n", "Content-Type: application/json\r\n",
                                   "X-A: 1\r\n", "x-a: 2\r\n"]
    del found["x-a"]
    assert found.get("X-A") is None and len(found.fields) == 2


def test_a_folded_field_goes_on_and_values_lose_their_outer_spaces() -> None:
    found = read(b"X-Long:  one\r\n\t two \r\nX-B:three\n\n")
    assert found.status == "" and found.fields == [("X-Long", "one two"), ("X-B", "three")]


def test_a_head_that_is_not_headers_is_invalid() -> None:
    for head in (b"no colon here\r\n\r\n", b" folded first: x\r\n\r\n", b"Host : x\r\n\r\n",
                 b": no name\r\n\r\n"):
        assert read(head).status, head
    assert read(b"X: " + b"a" * 65536 + b"\r\n\r\n").status == "Line too long"
    assert read(b"".join(b"X-%d: 1\r\n" % n for n in range(101)) + b"\r\n").status
    assert read(b"".join(b"X-%d: 1\r\n" % n for n in range(100)) + b"\r\n").status == ""


def test_the_server_answers_a_ticket_and_refuses_a_malformed_head(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, ["a"])
    server.init()
    server.start()
    try:
        body = b'{"services": ["job"]}'
        head = (f"POST /api/sites/a/tickets HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {token('a', 'kiosk')}\r\n"
                f"Content-Type: application/json\r\nIdempotency-Key: k1\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        assert answer(server.port, head + body).startswith(b"HTTP/1.1 201 ")
        bad = b"GET /api/health HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n"
        assert answer(server.port, bad).startswith(b"HTTP/1.1 400 ")
    finally:
        server.stop()


def answer(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        got = b""
        while chunk := sock.recv(65536):
            got += chunk
        return got
