"""What the staff side hears of printers, as events any part of the server can subscribe to:
a printer's state changed, or a ticket's printing ended (and for whom it may still come out).

The staff screens get them as the Socket.IO `printer` message (printing.py); a staff alert
channel subscribes here too. A printer is at fault when it cannot print now, or when the
last ticket it was given did not end as the printer said it would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LastOutcome:
    """How the last ticket given to a printer ended."""

    outcome: str  # printers.model.PrintOutcome's value
    ticket: int
    label: str  # the number it carries
    at: str  # ISO time, UTC
    detail: str
    expected: bool  # False when something went wrong: staff should look
    late: bool  # it was not confirmed, yet what reached the printer may still print

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PrinterEvent:
    kind: Literal["state", "outcome"]
    site_id: str
    printer_id: str
    view: dict[str, Any]  # what staff screens show of the printer (PrintService.view)
    fault: bool
    was_fault: bool  # the printer was at fault before this event
    last: LastOutcome | None = None  # with "outcome": the ticket that ended


Listener = Callable[[PrinterEvent], None]


class PrinterEvents:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self.last: dict[str, LastOutcome] = {}

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def publish(self, event: PrinterEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # one listener failing must not keep the others from hearing
                log.exception("printer event listener failed: %s", event.kind)
