"""A connecting client's pushes are held until it has been sent its replay and snapshot.

The client joins its rooms first (so that nothing published from then on can pass it by),
then what it missed is read and its snapshot built; on PostgreSQL both read the database,
which yields to other greenlets, and the writer may publish meanwhile. What is pushed to its
rooms in that time is kept for it (`hold`), and sent after the snapshot (`release`), less the
events the snapshot already holds (those numbered up to its `seq`). So a client never gets a
number twice or out of order, whatever yields while it connects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import socketio

Held = tuple[str, Any, str]  # event, data, namespace


class HoldingMixin:
    """For a python-socketio client manager: `hold(sid)`, `release(sid, seq)`."""

    held: dict[str, list[Held]]
    server: Any

    def hold(self, sid: str) -> None:
        self.held[sid] = []

    def release(self, sid: str, seq: int) -> None:
        """Send what was held for `sid`, but events numbered `seq` or below; stop holding."""
        for event, data, namespace in self.held.pop(sid, []):
            if event == "events" and isinstance(data, dict) and data.get("events"):
                newer = [e for e in data["events"] if e.get("seq", 0) > seq]
                if not newer:
                    continue
                data = {**data, "events": newer}
            self.server.emit(event, data, to=sid, namespace=namespace, ignore_queue=True)

    def forget_hold(self, sid: str) -> None:
        self.held.pop(sid, None)

    def get_participants(self, namespace: str, room: Any) -> Iterator[tuple[str, str]]:
        """The room's clients but those held (a message to a held client itself goes)."""
        for sid, eio_sid in super().get_participants(namespace, room):  # type: ignore[misc]
            if sid in self.held and room != sid:
                continue
            yield sid, eio_sid

    def _capture(self, event: str, data: Any, namespace: str | None, room: Any,
                 skip_sid: Any) -> None:
        """Keep a copy of a room's message for each held client in it."""
        if not self.held:
            return
        namespace = namespace or "/"
        skipped = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        for sid, _ in super().get_participants(namespace, room):  # type: ignore[misc]
            if sid in self.held and sid != room and sid not in skipped:
                self.held[sid].append((event, data, namespace))


class HoldingManager(HoldingMixin, socketio.Manager):  # type: ignore[misc]
    """The in-process client manager, with holds."""

    def __init__(self) -> None:
        super().__init__()
        self.held = {}

    def emit(self, event: str, data: Any, namespace: str, room: Any = None,
             skip_sid: Any = None, callback: Any = None, to: Any = None, **kwargs: Any) -> Any:
        self._capture(event, data, namespace, to or room, skip_sid)
        return super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                            callback=callback, to=to, **kwargs)
