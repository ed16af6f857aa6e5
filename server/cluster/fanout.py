"""Socket.IO pushes across a cluster's processes through Redis, as Flask-SocketIO documents
(python-socketio's RedisManager): a process's emit reaches its own clients at once and the
others' through Redis, in the order it was made.

Two additions for clients connected to a process that does not own their site:

- `relayed[site]` counts the pushes of each site relayed from Redis, so that such a client's
  catch-up can tell whether a push came while it read the store (then it reads again);
- `floors[sid]`: a client that caught up from the store to sequence number N is not sent a
  relayed event numbered N or below (it has it already), so that it never sees a number twice
  or out of order.

If Redis is lost, pushes to other processes' clients are lost with it (each process's own
clients still get theirs); those clients resync when they reconnect. Nothing else waits on it.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import socketio

from ..holds import HoldingMixin

log = logging.getLogger(__name__)


class ClusterManager(HoldingMixin, socketio.RedisManager):  # type: ignore[misc]
    """The Redis client manager, with holds (server/holds.py), per-site relay counts and
    per-client floors."""

    def __init__(self, url: str, channel: str) -> None:
        super().__init__(url, channel=channel, redis_options={
            "socket_timeout": 2, "socket_connect_timeout": 2, "health_check_interval": 10})
        self.held = {}
        self.relayed: Counter[str] = Counter()
        self.floors: dict[str, int] = {}

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
