"""Small builders for domain tests: a Sapporo-like site, and a queue driven by a simulated clock."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.domain.clock import SimulatedClock
from server.domain.errors import Refusal
from server.domain.model import (
    ALWAYS_OPEN,
    Counter,
    CounterMode,
    Organisation,
    Outcome,
    Policy,
    Service,
    Site,
    Ticket,
)
from server.domain.ordering import Choice
from server.domain.site_queue import SiteQueue

TOKYO = ZoneInfo("Asia/Tokyo")
# A Monday morning at a ward office.
OPENING = datetime(2026, 4, 6, 9, 0, tzinfo=TOKYO)

JOB = Service("job", "職業相談", Organisation.HELLO_WORK, first_number=1, last_number=199)
CAREER = Service("career", "キャリア・カウンセリング", Organisation.CITY,
                 first_number=201, last_number=299)
HOUSING = Service("housing", "住居確保給付金", Organisation.CITY, first_number=601,
                  last_number=699, sensitive=True)

OUTCOMES = (
    Outcome("consulted", "相談のみ"),
    Outcome("referral", "紹介状発行"),
    Outcome("placed", "就職", placement=True),
)


def counter(
    counter_id: str,
    *services: str,
    number: int = 1,
    mode: CounterMode = CounterMode.WEIGHTED,
    weights: dict[str, float] | None = None,
    area: str = "main",
) -> Counter:
    return Counter(
        counter_id,
        f"窓口{number}",
        number,
        area,
        tuple(services),
        mode,
        tuple((weights or {}).items()),
    )


DEFAULT_COUNTERS = (
    counter("c1", "job", "career", number=1),
    counter("c2", "job", "career", number=2),
    counter("c3", "housing", number=3, area="welfare"),
)


def make_site(
    services: tuple[Service, ...] = (JOB, CAREER, HOUSING),
    counters: tuple[Counter, ...] = DEFAULT_COUNTERS,
    **policy: Any,
) -> Site:
    """A site with the given desks and counters; keyword arguments override the policy."""
    return Site(
        id="kita",
        name="札幌市就業サポートセンター",
        ward="北区",
        timezone="Asia/Tokyo",
        hours=ALWAYS_OPEN,
        services=services,
        counters=counters,
        outcomes=OUTCOMES,
        policy=replace(Policy(), **policy),
    )


class Desk:
    """A SiteQueue, a simulated clock and ticket ids handed out in order: one test's world."""

    def __init__(self, site: Site | None = None, start: datetime = OPENING) -> None:
        self.site = site or make_site()
        self.queue = SiteQueue(self.site)
        self.clock = SimulatedClock(start)
        self._ids = itertools.count(1)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def later(self, minutes: float = 1) -> datetime:
        self.clock.advance(timedelta(minutes=minutes))
        return self.now

    def issue(self, *purposes: str, priority: bool = False, after: float = 1) -> Ticket:
        """Issue a ticket `after` minutes from the last moment."""
        self.later(after)
        ticket_id = next(self._ids)
        return self.queue.issue(ticket_id, list(purposes), self.now, f"token-{ticket_id}",
                                priority=priority)

    def call_next(self, counter_id: str = "c1", after: float = 0) -> Choice:
        return self.queue.call_next(counter_id, self.later(after))

    def called(self, *purposes: str, counter_id: str = "c1", priority: bool = False) -> Ticket:
        """A fresh ticket called to `counter_id` (nobody else waiting for it)."""
        ticket = self.issue(*purposes, priority=priority)
        self.queue.call(counter_id, ticket.id, self.now)
        return ticket

    def served(self, *purposes: str, counter_id: str = "c1") -> Ticket:
        ticket = self.called(*purposes, counter_id=counter_id)
        self.queue.start(ticket.id, self.now, counter_id)
        return ticket

    def serve_and_finish(self, counter_id: str = "c1", outcome: str = "consulted") -> Ticket:
        """Call the next ticket at `counter_id` and finish it at once."""
        choice = self.call_next(counter_id)
        return self.queue.finish(choice.ticket_id, outcome, self.now, counter_id)


def queue_state(queue: SiteQueue) -> Any:
    """A deep copy of everything an operation could change, for before/after comparison:
    (tickets, lines, counters, cursors, live labels, every other attribute by name)."""
    rest = {k: v for k, v in vars(queue).items() if k not in (
        "_changes", "site", "services", "tickets", "lines", "counters", "cursors", "live_labels")}
    return copy.deepcopy(
        (queue.tickets, queue.lines, queue.counters, queue.cursors, queue.live_labels, rest)
    )


def refused(queue: SiteQueue, code: str, operation: Callable[[], object]) -> Refusal:
    """Run an operation that must fail with `code`, and check that it changed nothing."""
    queue.take_changes()
    before = queue_state(queue)
    try:
        operation()
    except Refusal as error:
        assert error.code == code, (error.code, error.message)
        assert queue_state(queue) == before, "a refused operation changed the queue"
        assert not queue.take_changes(), "a refused operation left changes to store"
        return error
    raise AssertionError(f"expected {code}, but the operation succeeded")
