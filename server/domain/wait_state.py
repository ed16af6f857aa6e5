"""What the forecast can see of a site at one moment: who waits where, and each counter.

Plain values in minutes of the business day, built from the live queue by forecast.py; the
path simulation (pathsim.py) starts every path from one of these.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Waiting:
    """A ticket in a waiting line. `rank` orders the line (a transfer keeps its issue time);
    `entered` is when this wait began, which is what a visitor's patience runs against."""

    ticket_id: int
    service_id: str
    rank: float
    priority: bool
    entered: float
    issued: float
    next_purposes: tuple[str, ...] = ()
    requeued: bool = False


@dataclass(frozen=True)
class Held:
    """The ticket a counter has called or is serving."""

    ticket_id: int
    service_id: str
    priority: bool
    issued: float
    entered: float  # when the wait that ended with this call began
    called: float
    started: float | None = None  # None while the visitor is still walking up (or absent)
    calls: int = 1
    requeued: bool = False
    next_purposes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CounterNow:
    """A counter as it is now: `status` is open, paused or closed; `since` is when it last
    changed; `breaks_taken` counts the pauses it began today."""

    counter_id: str
    services: tuple[str, ...]
    ordered: bool = False
    weights: tuple[float, ...] = ()
    status: str = "open"
    since: float = 0.0
    held: Held | None = None
    streak_priority: bool = False
    streak: int = 0
    opened_today: bool = True
    breaks_taken: int = 0


@dataclass(frozen=True)
class Rules:
    """The site's ordering rules, as numbers."""

    boost_min: float = 60.0
    priority_normal: int = 2
    priority_every: int = 1
    requeue_no_shows: bool = True


@dataclass(frozen=True)
class Snapshot:
    """Everything observable at `now` (minutes after local midnight of the business day)."""

    now: float
    waiting: tuple[Waiting, ...]
    counters: tuple[CounterNow, ...]
    rules: Rules = Rules()
    next_ticket_id: int = 1
    # Appointments still to be served (checked in and waiting, or booked and not yet come):
    # (minute they are due, desk, the chance they come). Each that comes takes a counter of
    # its desk for one service time.
    appointments: tuple[tuple[float, str, float], ...] = ()

    def ahead_of(self, ticket_id: int) -> int:
        """People ahead as the screens count them: earlier in the same line, by place."""
        mine = next((w for w in self.waiting if w.ticket_id == ticket_id), None)
        if mine is None:
            return 0
        key = (mine.rank, mine.ticket_id)
        return sum(1 for w in self.waiting
                   if w.service_id == mine.service_id and (w.rank, w.ticket_id) < key)
