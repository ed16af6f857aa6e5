"""Socket.IO pushes across a cluster's processes through Redis, as Flask-SocketIO documents
(python-socketio's RedisManager): a process's emit reaches its own clients at once and the
others' through Redis, in the order it was made.

Two additions for clients connected to a process that does not own their site:

- `relayed[site]` counts the pushes of each site relayed from Redis, so that such a client's
  catch-up can tell whether a push came while it read the store (then it reads again);
- `floors[sid]`: a client that caught up from the store to sequence number N is not sent a
  relayed event numbered N or below (it has it already), so that it never sees a number twice
  or out of order.

A site's messages after each commit, for all its rooms, travel together as one Redis message
(`publish_site`, server/realtime.py): each process delivers them to the rooms its own clients
are in (`on_site_push`). It starts with SITE_PUSH, so that a process of an older version,
which cannot read it, drops it.

Messages for the other processes are sent by a greenlet of their own, in order, all those
made meanwhile in one Redis pipeline (one write, one round trip): the engine's writer, which
publishes after each commit, never waits on Redis, and a burst of commits costs one send.

If Redis is lost, pushes to other processes' clients are lost with it (each process's own
clients still get theirs); those clients resync when they reconnect. Nothing else waits on it:
the listener tries Redis again every RETRY_MAX seconds at most (python-socketio's own backs off
to 60 s, so pushes came back up to a minute after Redis did).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import gevent
import socketio

from ..holds import HoldingMixin

log = logging.getLogger(__name__)
RETRY_MAX = 2.0  # seconds between attempts to listen to a lost Redis again, at most
SITE_PUSH = "madoguchi-site-push"  # then the sending process's id, then the push as JSON


class ClusterManager(HoldingMixin, socketio.RedisManager):  # type: ignore[misc]
    """The Redis client manager, with holds (server/holds.py), per-site relay counts and
    per-client floors."""

    def __init__(self, url: str, channel: str) -> None:
        super().__init__(url, channel=channel, redis_options={
            "socket_timeout": 2, "socket_connect_timeout": 2, "health_check_interval": 10})
        self.held = {}
        self.relayed: Counter[str] = Counter()
        self.floors: dict[str, int] = {}
        self._outbox: list[dict[str, Any] | str] = []
        self._sender: gevent.Greenlet | None = None
        self._sending: Any = None  # the sender's Redis client, not shared with the listener
        # Delivers a site's messages from another process to this one's clients (set by the
        # publisher, server/realtime.py).
        self.on_site_push: Callable[[dict[str, Any]], None] = lambda message: None

    def publish_site(self, message: dict[str, Any]) -> None:
        """A site's messages after a commit ({"site", "messages"}) for the other processes."""
        self._publish(f"{SITE_PUSH} {self.host_id} {self.json.dumps(message)}")

    def deliver(self, event: str, data: dict[str, Any], to: Any) -> None:
        """A message to this process's own clients in `to`, as one relayed from Redis is
        (holds and floors apply)."""
        self._handle_emit({"method": "emit", "event": event, "data": [data], "binary": False,
                           "namespace": "/", "room": to, "skip_sid": None, "callback": None,
                           "host_id": self.host_id})

    def _listen(self) -> Iterator[Any]:
        """Redis's messages for python-socketio, but the site pushes, delivered here."""
        mark = SITE_PUSH.encode() + b" "
        for data in super()._listen():
            if not (isinstance(data, bytes) and data.startswith(mark)):
                yield data
                continue
            sender, _, body = data[len(mark):].partition(b" ")
            if sender.decode(errors="replace") == self.host_id:
                continue  # this process delivered it already
            try:
                message = self.json.loads(body)
                self.relayed[message["site"]] += 1
                self.on_site_push(message)
            except Exception:  # one bad message must not stop the others
                log.exception("a site's messages from another process could not be delivered")

    def _publish(self, data: dict[str, Any] | str) -> None:
        """Queue a message for the other processes (see the module's docstring)."""
        self._outbox.append(data)
        if self._sender is None:
            self._sender = gevent.spawn(self._send_queued)

    def _send_queued(self) -> None:
        try:
            while self._outbox:
                batch, self._outbox = self._outbox, []
                self._send(batch)
        finally:
            self._sender = None

    def _send(self, batch: list[dict[str, Any] | str]) -> None:
        """Publish `batch` in one pipeline, on a Redis client of the sender's own: python-
        socketio's `_redis_connect` would replace the listener's subscription as well (a
        reconnecting sender once left the listener with one that was never subscribed, and
        it went round without end, the process stopped with it)."""
        for attempt in range(2):
            try:
                if self._sending is None:
                    self._sending = self._get_redis_module().Redis.from_url(
                        self.redis_url, **self.redis_options)
                pipe = self._sending.pipeline(transaction=False)
                for message in batch:
                    pipe.publish(self.channel, message if isinstance(message, str)
                                 else self.json.dumps(message))
                pipe.execute()
                return
            except Exception as exc:  # noqa: BLE001 - Redis lost: the pushes are lost
                self._close(self._sending)
                self._sending = None
                if attempt:
                    log.error("cannot publish %d message(s) to Redis: %s", len(batch), exc)

    def _redis_listen_with_retries(self) -> Iterator[Any]:
        """The channel's messages, on a subscription of the listener's own, made again
        whenever Redis is lost (or the subscription ends: never a loop that does not wait)."""
        pause = 0.25
        pubsub = None
        while True:
            try:
                if pubsub is None:
                    client = self._get_redis_module().Redis.from_url(
                        self.redis_url, **self.redis_options)
                    pubsub = client.pubsub(ignore_subscribe_messages=True)
                    pubsub.subscribe(self.channel)
                    if pause > 0.25:
                        log.warning("listening to Redis again")
                    pause = 0.25
                yield from pubsub.listen()
                raise ConnectionError("the subscription ended")
            except Exception as exc:  # noqa: BLE001 - Redis lost: listen again soon
                log.error("cannot receive from Redis (%s); trying again in %.2f s", exc, pause)
                self._close(pubsub)
                pubsub = None
                time.sleep(pause)
                pause = min(RETRY_MAX, pause * 2)

    @staticmethod
    def _close(client: Any) -> None:
        """Let go of a Redis client's or subscription's connections, whatever state they
        are in."""
        try:
            if client is not None:
                client.close()
        except Exception:  # noqa: BLE001 - it is being dropped anyway
            pass

    def _handle_emit(self, message: dict[str, Any]) -> None:
        data = message.get("data")
        payload = data[0] if isinstance(data, list) and data else None
        if self.held and not message.get("binary"):
            self._capture(message["event"], payload if isinstance(data, list) and len(
                data) == 1 else data, message.get("namespace"), message.get("room"),
                message.get("skip_sid"))
        if message.get("event") != "events" or not isinstance(payload, dict):
            return super()._handle_emit(message)  # type: ignore[no-any-return]
        site = payload.get("site")
        if isinstance(site, str):
            self.relayed[site] += 1
        room = message.get("room")
        floored = [(sid, floor) for sid, _ in self.get_participants("/", room)
                   if (floor := self.floors.get(sid)) is not None and sid != room] if room else []
        if not floored:
            return super()._handle_emit(message)  # type: ignore[no-any-return]
        skip = message.get("skip_sid") or []
        skip = [skip] if isinstance(skip, str) else list(skip)
        super()._handle_emit({**message, "skip_sid": skip + [sid for sid, _ in floored]})
        for sid, floor in floored:
            if sid in skip:
                continue
            events = [e for e in payload.get("events", []) if e.get("seq", 0) > floor]
            if events or not payload.get("events"):
                super()._handle_emit({**message, "room": sid, "skip_sid": None,
                                      "data": [{**payload, "events": events}]})
        return None

    def forget(self, sid: str) -> None:
        self.floors.pop(sid, None)
        self.forget_hold(sid)
