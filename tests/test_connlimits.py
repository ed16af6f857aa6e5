"""Slow and greedy clients on the LAN cannot take the server down.

One client holding 1,100 half-sent requests exhausted the 1,024 open files that systemd
allows by default: /api/health stopped answering and the log filled with "Too many open
files". Each test runs a server of its own; the attacker's connections come from another
loopback address (127.0.0.2), as another machine on the LAN would, while the kiosk and
the health check come from 127.0.0.1.
"""

from __future__ import annotations

import resource
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
import socketio

from tests.harness import ServerProcess, token

ATTACKER = "127.0.0.2"
HALF_SENT = b"POST /api/sites/a/tickets HTTP/1.1\r\nHost: x\r\nContent-Le"
IN_TIME = 10  # seconds: the kiosk's own patience with an answer


def own_server(tmp_path: Path, open_files: int | None = None, **env: str) -> ServerProcess:
    server = ServerProcess(tmp_path, ["a"], env=env)
    server.open_files = open_files
    server.init()
    server.start()
    return server


def connect_from(address: str, port: int, stack: ExitStack) -> socket.socket | None:
    """A connection from `address`, or None if the server would not have it."""
    sock = stack.enter_context(socket.socket())
    sock.settimeout(5)
    try:
        sock.bind((address, 0))
        sock.connect(("127.0.0.1", port))
    except OSError:
        return None
    return sock


def closed_within(sock: socket.socket, seconds: float) -> bytes:
    """Wait (bounded) until the server ends the connection; what it said before that."""
    sock.settimeout(seconds)
    said = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return said
        said += chunk


@pytest.fixture
def many_files() -> Iterator[None]:
    """This process itself holds the attacker's connections: let it have enough."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4096)), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_kiosk_gets_its_ticket_while_one_address_holds_1100_half_sent_requests(
    tmp_path: Path, many_files: None
) -> None:
    # The deadlines are long here: the caps alone must keep the server serving.
    server = own_server(tmp_path, open_files=1024, MADOGUCHI_REQUEST_HEADER_SECONDS="300")
    try:
        with ExitStack() as stack:
            held = 0
            for _ in range(1100):
                sock = connect_from(ATTACKER, server.port, stack)
                if sock is None:
                    continue
                try:
                    sock.sendall(HALF_SENT)
                    held += 1
                except OSError:
                    pass
            started = time.monotonic()
            health = requests.get(f"{server.url}/api/health", timeout=IN_TIME)
            assert health.status_code == 200
            ticket = requests.post(
                f"{server.url}/api/sites/a/tickets",
                json={"services": ["job"]},
                headers={
                    "Authorization": f"Bearer {token('a', 'kiosk')}",
                    "Idempotency-Key": "under-attack",
                },
                timeout=IN_TIME,
            )
            assert ticket.status_code == 201, ticket.text
            assert time.monotonic() - started < IN_TIME
            # The attacker was turned away beyond its share, told so (a 503), and logged.
            extra = connect_from(ATTACKER, server.port, stack)
            assert extra is not None
            assert closed_within(extra, IN_TIME).startswith(b"HTTP/1.1 503")
        log = server.log.read_text(encoding="utf-8")
        assert "Too many open files" not in log
        assert f"refused connections from {ATTACKER}" in log
        assert held >= 256  # it did hold its share all along
    finally:
        server.stop()


def test_requests_left_half_sent_are_dropped_after_the_deadlines(tmp_path: Path) -> None:
    server = own_server(
        tmp_path, MADOGUCHI_REQUEST_HEADER_SECONDS="1", MADOGUCHI_REQUEST_BODY_SECONDS="1"
    )
    try:
        with ExitStack() as stack:
            silent = connect_from(ATTACKER, server.port, stack)
            half_headers = connect_from(ATTACKER, server.port, stack)
            half_body = connect_from(ATTACKER, server.port, stack)
            assert silent and half_headers and half_body
            half_headers.sendall(HALF_SENT)
            half_body.sendall(
                b"POST /api/sites/a/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: "
                b"application/json\r\nContent-Length: 100\r\nAuthorization: Bearer "
                + token("a", "kiosk").encode()
                + b'\r\n\r\n{"services"'
            )
            assert closed_within(silent, 30) == b""
            assert closed_within(half_headers, 30) == b""
            answer = closed_within(half_body, 30)
            assert answer.startswith(b"HTTP/1.1 400"), answer
            assert b"ticket" not in answer.split(b"\r\n\r\n", 1)[1]
            # A kept-alive connection that goes quiet is let go too.
            with requests.Session() as http:
                assert http.get(f"{server.url}/api/health", timeout=10).status_code == 200
        assert (
            requests.get(
                f"{server.url}/api/sites/a/queues",
                headers={"Authorization": f"Bearer {token('a', 'manager')}"},
                timeout=10,
            ).json()["queues"][0]["waiting"]
            == []
        )  # the half-sent ticket was never issued
    finally:
        server.stop()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_socketio_connections_outlive_the_deadlines(tmp_path: Path, transport: str) -> None:
    """Displays, consoles, kiosks and phones hold one connection all day."""
    server = own_server(
        tmp_path, MADOGUCHI_REQUEST_HEADER_SECONDS="1", MADOGUCHI_REQUEST_BODY_SECONDS="1"
    )
    client = socketio.Client(reconnection=False)
    try:
        client.connect(
            server.url,
            auth={"token": token("a", "display")},
            transports=[transport],
            wait_timeout=10,
        )
        time.sleep(3)  # three deadlines go by: nothing may happen, so there is no event
        assert client.connected
        answer = client.call("sync", {"since": 0}, timeout=10)
        assert answer["ok"] is True
        assert client.connected
    finally:
        client.disconnect()
        client.shutdown()
        server.stop()


def test_one_address_may_hold_its_cap_of_connections_and_no_more(tmp_path: Path) -> None:
    server = own_server(
        tmp_path, MADOGUCHI_MAX_CONNECTIONS_PER_ADDRESS="5", MADOGUCHI_REQUEST_HEADER_SECONDS="300"
    )
    try:
        with ExitStack() as stack:
            held = [connect_from(ATTACKER, server.port, stack) for _ in range(5)]
            assert all(held)
            with requests.Session() as http:  # keep-alive: the server answers on each
                for sock in held:
                    assert sock is not None
                    sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
                    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
                sixth = connect_from(ATTACKER, server.port, stack)
                assert sixth is not None
                refused = closed_within(sixth, 10)
                assert refused.startswith(b"HTTP/1.1 503") and b"Retry-After: 5" in refused
                assert b"too_many_connections" in refused
                # Another address is not concerned.
                assert http.get(f"{server.url}/api/health", timeout=10).status_code == 200
            held[0].close()  # type: ignore[union-attr]
            deadline = time.monotonic() + 10
            while True:  # the server notices the close, then has room again
                again = connect_from(ATTACKER, server.port, stack)
                assert again is not None
                again.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if closed_within(again, 10).startswith(b"HTTP/1.1 200"):
                    break
                assert time.monotonic() < deadline, "the closed connection was not let go"
                time.sleep(0.1)
    finally:
        server.stop()
