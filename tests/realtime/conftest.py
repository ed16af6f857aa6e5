"""Fixtures for the real-time tests: recording Socket.IO clients that are always closed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.harness import ServerProcess
from tests.realtime.clients import RecordingClient

Connect = Callable[..., RecordingClient]


@pytest.fixture
def connect(server: ServerProcess) -> Iterator[Connect]:
    """`connect(token, since=None)`: a connected client to the session server, closed after."""
    opened: list[RecordingClient] = []

    def open_client(token: str, since: int | None = None) -> RecordingClient:
        client = RecordingClient(server.url, token)
        opened.append(client)
        return client.connect(since)

    yield open_client
    for client in opened:
        client.close()
