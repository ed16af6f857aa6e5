"""The simulated centre's queue in memory: the real SiteQueue, its events numbered as the
store would number them and handed to listeners (the learners, today's log, baselines)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from server.domain.errors import Conflict
from server.domain.events import Event
from server.domain.model import Site, TicketStatus
from server.domain.site_queue import SiteQueue

Listener = Callable[[Event], None]
OUTCOME = "consult_only"


class LocalBackend:
    """A `Backend` (centre.py) over an in-memory SiteQueue for one business day."""

    def __init__(self, site: Site, day: date, first_ticket_id: int = 1,
                 listeners: list[Listener] | None = None) -> None:
        self.site = site
        self.queue = SiteQueue(site)
        self.origin = datetime.combine(day, time(0), tzinfo=site.tz)
        self.next_id = first_ticket_id
        self.events: list[Event] = []
        self.listeners = listeners or []
        self.seq = 0

    def at(self, minute: float) -> datetime:
        return self.origin + timedelta(minutes=minute)

    def _flush(self) -> None:
        for event in self.queue.take_changes().events:
            self.seq += 1
            stored = dataclasses.replace(event, seq=self.seq)
            self.events.append(stored)
            for listener in self.listeners:
                listener(stored)

    def issue(self, purposes: list[str], priority: bool, at: float) -> int:
        ticket_id = self.next_id
        self.next_id += 1
        self.queue.issue(ticket_id, purposes, self.at(at), f"t{ticket_id}", priority=priority)
        self._flush()
        return ticket_id

    def check_in(self, purposes: list[str], slot: float, at: float) -> int:
        """An appointment's ticket, called at its slot (server/api/bookings.py's check-in
        without the booking's own row)."""
        ticket_id = self.next_id
        self.next_id += 1
        self.queue.issue(ticket_id, purposes, self.at(at), f"t{ticket_id}",
                         slot_at=self.at(slot))
        self._flush()
        return ticket_id

    def call_next(self, counter: str, at: float) -> int | None:
        try:
            choice = self.queue.call_next(counter, self.at(at))
        except Conflict as exc:
            if exc.code == "no_waiting_tickets":
                return None
            raise
        self._flush()
        return choice.ticket_id

    def recall(self, ticket: int, counter: str, at: float) -> None:
        self.queue.recall(ticket, self.at(at), counter)
        self._flush()

    def start(self, ticket: int, counter: str, at: float) -> None:
        self.queue.start(ticket, self.at(at), counter)
        self._flush()

    def finish(self, ticket: int, counter: str, at: float) -> str | None:
        done = self.queue.finish(ticket, OUTCOME, self.at(at), counter)
        self._flush()
        return done.service_id if done.status is TicketStatus.WAITING else None

    def transfer(self, ticket: int, service: str, counter: str, at: float) -> None:
        self.queue.transfer(ticket, service, self.at(at), counter)
        self._flush()

    def no_show(self, ticket: int, counter: str, at: float) -> bool:
        done = self.queue.no_show(ticket, self.at(at), counter)
        self._flush()
        return done.status is TicketStatus.WAITING

    def set_counter(self, counter: str, status: str, at: float) -> None:
        self.queue.set_counter(counter, status, self.at(at))
        self._flush()
