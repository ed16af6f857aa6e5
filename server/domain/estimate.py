"""Wait estimates for visitors: people ahead and a short range such as 「約10〜15分」."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from .events import Event, EventKind
from .model import Ticket, TicketStatus
from .site_queue import SiteQueue

DEFAULT_SERVICE_MIN = 12.0  # before a desk has finished anyone today
HISTORY = 30  # stages remembered per desk


@dataclass(frozen=True)
class Estimate:
    ahead: int
    low_min: int
    high_min: int

    @property
    def text(self) -> str:
        if self.high_min <= 5:
            return "まもなく"
        if self.low_min == 0:
            return f"{self.high_min}分以内"
        if self.low_min == self.high_min:
            return f"約{self.low_min}分"
        return f"約{self.low_min}〜{self.high_min}分"


@dataclass
class ServiceTimes:
    """Recent service durations per desk, learned from started → finished events."""

    started: dict[tuple[int, int], datetime] = field(default_factory=dict)
    durations: dict[str, deque[float]] = field(default_factory=dict)

    def observe(self, event: Event) -> None:
        if event.ticket_id is None or event.stage is None:
            return
        key = (event.ticket_id, event.stage)
        if event.kind is EventKind.STARTED:
            self.started[key] = event.at
        elif event.kind is EventKind.FINISHED and event.service_id is not None:
            began = self.started.pop(key, None)
            if began is not None:
                minutes = (event.at - began).total_seconds() / 60
                self.durations.setdefault(event.service_id, deque(maxlen=HISTORY)).append(minutes)

    def mean_minutes(self, service_id: str) -> float:
        seen = self.durations.get(service_id)
        if not seen:
            return DEFAULT_SERVICE_MIN
        return max(1.0, sum(seen) / len(seen))


def _servers(queue: SiteQueue, service_id: str) -> float:
    """How many counters work on this desk now; a counter shared by several busy desks
    counts for its share."""
    total = 0.0
    for counter in queue.site.counters:
        if service_id not in counter.services or queue.counters[counter.id].status != "open":
            continue
        busy = [s for s in counter.services if len(queue.lines[s]) > 0] or [service_id]
        total += 1.0 / len(busy)
    return total


def estimate_for(queue: SiteQueue, ticket: Ticket, times: ServiceTimes,
                 ahead: int) -> Estimate | None:
    """An estimate for a waiting ticket, or None once it has been called."""
    if ticket.status is not TicketStatus.WAITING:
        return None
    servers = _servers(queue, ticket.service_id)
    mean = times.mean_minutes(ticket.service_id)
    # With no counter open yet, assume one will open: the range says it is a rough guide.
    centre = (ahead + 0.5) * mean / max(servers, 1.0)
    low = 5 * math.floor(centre * 0.75 / 5)
    high = max(low + 5, 5 * math.ceil(centre * 1.25 / 5))
    return Estimate(ahead, low, high)

