"""Events: every change of a ticket or counter, as it goes into the wait-time log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    ISSUED = "issued"
    CALLED = "called"
    RECALLED = "recalled"
    STARTED = "started"
    FINISHED = "finished"  # one stage ended with an outcome
    QUEUED = "queued"  # the visit joined its next desk's queue (next purpose)
    TRANSFERRED = "transferred"
    NO_SHOW = "no_show"
    REQUEUED = "requeued"  # a no-show sent back into the queue once
    PARKED = "parked"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    DONE = "done"  # the whole visit is over
    COUNTER_OPENED = "counter_opened"
    COUNTER_PAUSED = "counter_paused"
    COUNTER_RESUMED = "counter_resumed"
    COUNTER_CLOSED = "counter_closed"
    DAY_CLOSED = "day_closed"
    STAFF_ALERT = "staff_alert"  # staff are asked to come: a kiosk, a printer, a display
    ALERT_TAKEN = "alert_taken"  # one member of staff took it (「対応します」)
    ALERT_ESCALATED = "alert_escalated"  # nobody took it in time
    ALERT_CLEARED = "alert_cleared"  # the device recovered by itself
    PRINTED = "printed"  # how printing a ticket ended: confirmed, failed, shown on screen


# Kinds that put a ticket into a queue: the start of a wait.
QUEUE_ENTRIES = frozenset(
    {EventKind.ISSUED, EventKind.QUEUED, EventKind.TRANSFERRED, EventKind.REQUEUED,
     EventKind.RETURNED}
)
# Kinds that show on a waiting-room display.
PUBLIC_CALLS = frozenset({EventKind.CALLED, EventKind.RECALLED})


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the event log. `seq` is given when the event is stored."""

    kind: EventKind
    site_id: str
    at: datetime
    ticket_id: int | None = None
    stage: int | None = None
    service_id: str | None = None
    counter_id: str | None = None
    staff: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
