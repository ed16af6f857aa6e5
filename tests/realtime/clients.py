"""A recording Socket.IO client: the real python-socketio client, keeping what it receives.

It plays one device (a display, a console, a kiosk) by its token, over the websocket
transport. Every "snapshot" and "events" message is kept in arrival order; tests wait for
what they expect with `wait_for`, always with a bounded timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import engineio
import socketio

from tests.harness import ADMIN, ServerProcess

WAIT = 10.0  # seconds: generous, because a test fails rather than waits when it is exceeded


class InOrderEngineIO(engineio.Client):  # type: ignore[misc]
    """python-engineio's client runs each message's handler in a thread of its own, so two
    messages that arrive close together can be recorded in either order (a console once
    recorded seq 1186 before 1185, as sent in order by the server). Here they are handled in
    the reading thread, one after the other, as a browser's client does."""

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):  # type: ignore[misc]
    """The python-socketio client, its messages handled in the order they arrive."""

    def _engineio_client_class(self) -> type[engineio.Client]:
        return InOrderEngineIO


class RecordingClient:
    """One device's Socket.IO connection and everything it has been sent."""

    def __init__(self, url: str, token: str, reconnection: bool = False) -> None:
        self.url = url
        self.token = token
        # request_timeout: engine.io's wait for the server's answer to the handshake, 5 s
        # unless set; a browser's socket.io client waits 20 s. A cluster's process joining a
        # display to a site another process owns asks the owner first, which took longer
        # than 5 s with a CPU hog at load 22 ("Unexpected connection error").
        self.sio = InOrderClient(reconnection=reconnection, reconnection_delay=0.1,
                                 reconnection_delay_max=0.5, randomization_factor=0.2,
                                 request_timeout=20)
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self.connects = 0
        self.errors: list[Any] = []
        self._changed = threading.Condition()
        self.sio.on("snapshot", lambda data: self._record("snapshot", data))
        self.sio.on("events", lambda data: self._record("events", data))
        self.sio.on("resync", lambda data: self._record("resync", data))
        self.sio.on("connect", self._connected)
        self.sio.on("connect_error", self._refused)

    # ---- connecting ----------------------------------------------------------------------

    def connect(self, since: int | None = None, follow: bool = False) -> RecordingClient:
        """Connect; with `follow`, every (re)connection asks for what came after `last_seq`."""
        auth: Any
        if follow:
            auth = self.auth
        else:
            auth = {"token": self.token} if since is None else {"token": self.token,
                                                                "since": since}
        self.sio.connect(self.url, auth=auth, transports=["websocket"], wait_timeout=WAIT)
        return self

    def auth(self) -> dict[str, Any]:
        """The connection data, worked out afresh on each attempt (python-socketio calls it)."""
        seq = self.last_seq
        return {"token": self.token} if seq is None else {"token": self.token, "since": seq}

    def close(self) -> None:
        """Disconnect, and stop any reconnection attempts in progress."""
        self.sio.reconnection = False
        if self.sio.connected:
            self.sio.disconnect()
        self.sio.shutdown()
        self.sio.eio.disconnect()

    def __enter__(self) -> RecordingClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _connected(self) -> None:
        with self._changed:
            self.connects += 1
            self._changed.notify_all()

    def _refused(self, data: Any = None) -> None:
        with self._changed:
            self.errors.append(data)
            self._changed.notify_all()

    def _record(self, name: str, data: dict[str, Any]) -> None:
        with self._changed:
            self.messages.append((name, data))
            self._changed.notify_all()

    # ---- reading what arrived ------------------------------------------------------------

    def wait_for(self, predicate: Callable[[RecordingClient], bool],
                 timeout: float = WAIT) -> None:
        """Block until `predicate(self)` holds; fail the test if it does not within `timeout`."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self), timeout):
                got = [(n, [e["seq"] for e in d.get("events", [])]) for n, d in self.messages]
                raise AssertionError(f"{self.token}: condition not met in {timeout} s; "
                                     f"received {got}")

    def wait_for_snapshots(self, count: int = 1, timeout: float = WAIT) -> None:
        self.wait_for(lambda c: len(c.snapshots()) >= count, timeout)

    def wait_for_event(self, predicate: Callable[[dict[str, Any]], bool],
                       timeout: float = WAIT) -> dict[str, Any]:
        """Wait for one pushed or replayed event matching `predicate` and return it."""
        self.wait_for(lambda c: any(predicate(e) for e in c.events()), timeout)
        return next(e for e in self.events() if predicate(e))

    def wait_for_calls(self, count: int, timeout: float = WAIT) -> list[dict[str, Any]]:
        """Wait until `count` "called" events have arrived; return them in arrival order."""
        self.wait_for(lambda c: len(c.events("called")) >= count, timeout)
        return self.events("called")

    def snapshots(self) -> list[dict[str, Any]]:
        with self._changed:
            return [data for name, data in self.messages if name == "snapshot"]

    def batches(self) -> list[dict[str, Any]]:
        """Every "events" message, in arrival order."""
        with self._changed:
            return [data for name, data in self.messages if name == "events"]

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Every event received, flattened in arrival order, optionally of one kind."""
        found = [e for batch in self.batches() for e in batch["events"]]
        return [e for e in found if kind is None or e["kind"] == kind]

    def seqs(self) -> list[int]:
        """The sequence numbers of everything received, events and snapshots, in order."""
        with self._changed:
            messages = list(self.messages)
        out: list[int] = []
        for name, data in messages:
            if name == "snapshot":
                out.append(data["seq"])
            elif name == "events":
                out.extend(e["seq"] for e in data["events"])
        return out

    @property
    def last_seq(self) -> int | None:
        """The newest sequence number this client has seen, or None before anything came."""
        seqs = self.seqs()
        return max(seqs) if seqs else None

    def clear(self) -> None:
        with self._changed:
            self.messages.clear()


def newest_seq(server: ServerProcess, site: str) -> int:
    """The sequence number of the newest event stored for `site` (0 if none)."""
    top = int(server.request("GET", "/api/health").body["seq"])
    log = server.request("GET", f"/api/sites/{site}/events?since={max(0, top - 5000)}"
                         "&limit=5000", ADMIN)
    assert log.status == 200, log.body
    return int(log.body["events"][-1]["seq"]) if log.body["events"] else 0
