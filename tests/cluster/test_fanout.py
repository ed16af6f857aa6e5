"""The cluster's Redis manager on a real Redis, without a server: its listener and its sender
each keep their own connection, and a subscription that ends is made again, never spun on."""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.client import PubSub

from server.cluster.fanout import ClusterManager
from tests.cluster.cut import Cuttable
from tests.cluster.harness import REDIS

WAIT = 15.0


class Listening:
    """A manager's listener run in a thread of its own (as its greenlet would), what it
    yields in `got`."""

    def __init__(self, manager: ClusterManager) -> None:
        self.manager = manager
        self.got: queue.Queue[Any] = queue.Queue()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for data in self.manager._listen():  # noqa: SLF001 - what the manager's thread runs
            self.got.put(data)
            if self.stopping.is_set():
                return

    def close(self) -> None:
        """End the listener (at its next message: one is sent)."""
        self.stopping.set()
        client = redis.Redis.from_url(self.manager.redis_url)
        try:
            while self.thread.is_alive():
                client.publish(self.manager.channel, b"stop")
                self.thread.join(0.2)
        finally:
            client.close()

    def receives(self, send: Any, timeout: float = WAIT) -> bytes:
        """Send (`send()`) until the listener yields what was sent; what it yielded."""
        wanted = f"probe-{uuid.uuid4().hex}".encode()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            send(wanted)
            try:
                while (data := self.got.get(timeout=0.2)) != wanted:
                    pass  # an earlier probe, or another test's message
                return data
            except queue.Empty:
                continue  # not yet: send it again
        raise AssertionError("the listener never received the message")


@pytest.fixture
def channel() -> str:
    return f"madoguchi-test-{uuid.uuid4().hex}"


@pytest.fixture
def link() -> Iterator[Cuttable]:
    host, port = REDIS.split("//")[1].split("/")[0].split(":")
    made = Cuttable((host, int(port)))
    yield made
    made.close()


def test_a_subscription_that_ends_is_made_again_after_a_pause_never_spun_on(
        channel: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A subscription whose listening ends without an error (it is no longer subscribed) is
    dropped and made again after the listener's pause, like a lost one: listening again at
    once would return at once, for ever, and stop every other greenlet with it."""
    real_listen, real_subscribe = PubSub.listen, PubSub.subscribe
    calls = {"listen": 0, "subscribe": 0}
    ended = threading.Event()

    def listen(self: PubSub) -> Iterator[Any]:
        calls["listen"] += 1
        if calls["listen"] <= 3:
            return iter(())  # as listen() does once the subscription is gone
        ended.set()
        return real_listen(self)  # type: ignore[no-any-return]

    def subscribe(self: PubSub, *args: Any, **kwargs: Any) -> Any:
        calls["subscribe"] += 1
        return real_subscribe(self, *args, **kwargs)

    monkeypatch.setattr(PubSub, "listen", listen)
    monkeypatch.setattr(PubSub, "subscribe", subscribe)
    caplog.set_level(logging.ERROR, logger="server.cluster.fanout")
    manager = ClusterManager(REDIS, channel)
    listening = Listening(manager)
    client = redis.Redis.from_url(REDIS)
    try:
        assert ended.wait(WAIT)
        listening.receives(lambda data: client.publish(channel, data))
    finally:
        client.close()
        listening.close()
    assert calls["listen"] == calls["subscribe"] == 4, calls  # each listen on a new one
    assert sum("cannot receive from Redis" in r.getMessage() for r in caplog.records) == 3


def test_the_sender_reconnecting_leaves_the_listeners_subscription_alone(
        channel: str, link: Cuttable) -> None:
    """Redis lost and back: the manager's own sends reach its listener again, whichever of
    the two connects first (each has its own connection)."""
    url = REDIS.replace(REDIS.split("//")[1].split("/")[0], f"127.0.0.1:{link.port}")
    manager = ClusterManager(url, channel)
    listening = Listening(manager)
    try:
        listening.receives(lambda data: manager._send([data.decode()]))  # noqa: SLF001
        link.cut()
        manager._send(["lost"])  # noqa: SLF001 - fails: the sender's connection is gone
        link.mend()
        listening.receives(lambda data: manager._send([data.decode()]))  # noqa: SLF001
        listening.receives(lambda data: manager._send([data.decode()]))  # noqa: SLF001
    finally:
        link.mend()
        listening.close()
