"""A Socket.IO client for the permission tests: connects with a token or a login cookie,
records what it is sent, and notices when the server disconnects it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import socketio

WAIT = 10.0


class Watcher:
    """One real python-socketio client over the websocket transport."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.Client(reconnection=False)
        self.messages: list[tuple[str, Any]] = []
        self.refusals: list[Any] = []
        self.disconnects = 0
        self._changed = threading.Condition()
        for name in ("snapshot", "events", "print", "resync"):
            self.sio.on(name, lambda data, name=name: self._note(name, data))
        self.sio.on("connect_error", self._refused)
        self.sio.on("disconnect", self._gone)

    def connect(self, auth: dict[str, Any] | None = None, cookie: str | None = None) -> bool:
        """True if the server accepted the connection."""
        try:
            self.sio.connect(
                self.url,
                auth=auth or {},
                transports=["websocket"],
                headers={"Cookie": cookie} if cookie else {},
                wait_timeout=WAIT,
            )
        except socketio.exceptions.ConnectionError:
            return False
        return True

    def _note(self, name: str, data: Any) -> None:
        with self._changed:
            self.messages.append((name, data))
            self._changed.notify_all()

    def _refused(self, data: Any = None) -> None:
        with self._changed:
            self.refusals.append(data)
            self._changed.notify_all()

    def _gone(self, *_: Any) -> None:
        with self._changed:
            self.disconnects += 1
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[Watcher], bool], timeout: float = WAIT) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self), timeout):
                raise AssertionError(f"not met within {timeout} s; got {self.messages}")

    def snapshots(self) -> list[dict[str, Any]]:
        with self._changed:
            return [d for n, d in self.messages if n == "snapshot"]

    def events(self) -> list[dict[str, Any]]:
        with self._changed:
            return [e for n, d in self.messages if n == "events" for e in d["events"]]

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()
        self.sio.shutdown()
        self.sio.eio.disconnect()
