"""Wait estimates for the live server: each site's model learned from its event log, and
one forecast per queue state shared by every screen that asks.

A drop-in for estimates.Estimator (same calls: `warm_up`, engine listener, `estimate`):

- At start-up `warm_up` reads the recent event log from the store (pages of
  `repository.events_since`) into a LogLearner and a TodayLog per site.
- Every committed batch of events feeds them too (the engine calls the instance).
- The model is rebuilt from the last `keep_days` complete business days the first time a
  site is asked for an estimate on a new business day (a site without history uses the
  defaults in wait_model.py until it has some).
- `estimate(site, ticket)` runs the Monte-Carlo forecast for the whole site (every waiting
  ticket at once) the first time it is asked after the queue changed, and answers later
  questions about the same state from that run, moved on by the time that has passed
  since (for at most REFRESH; then it runs again). The run is seeded by site and day, so
  the same state gives the same answer (replays, two screens side by side).

Cost on the 2-core test machine (48 paths): a run takes 1–5 ms typically and up to about
20 ms for the largest site at its morning peak; an answer from a run takes ~0.03 ms. The
kiosk pays for one run when it issues (the issue changed the queue); phones and displays
asking about the same state share it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from .domain.estimate import Estimate as ShortEstimate
from .domain.estimate import ServiceTimes, estimate_for
from .domain.events import Event
from .domain.forecast import (
    LEVEL,
    PATHS,
    TodayLog,
    observe,
    stable_seed,
    summarise,
)
from .domain.learn import LogLearner
from .domain.model import Ticket, TicketStatus
from .domain.pathsim import PathSimulator
from .domain.site_queue import SiteQueue
from .domain.wait_model import WaitModel
from .store import repository

log = logging.getLogger(__name__)
REFRESH = timedelta(minutes=1)
BURST = timedelta(seconds=2)  # new tickets this soon after a forecast borrow from it
MAX_FORECAST_WAITING = 60  # above this (a load test, not a centre), the quick estimate
PAGE = 5000


@dataclasses.dataclass
class _Run:
    """One forecast of a site: the state it was made for, when, and each ticket's draws."""

    key: tuple[Any, ...]
    at: datetime
    waits: dict[int, list[float]]
    ahead: dict[int, int]


class Forecasting:
    """Learns from the event stream and answers wait estimates (an engine listener)."""

    def __init__(self, engine: Any, keep_days: int = 60, paths: int = PATHS,
                 level: float = LEVEL) -> None:
        self.engine = engine
        self.paths = paths
        self.level = level
        self.learners = {sid: LogLearner(site, keep_days) for sid, site in engine.sites.items()}
        self.today = {sid: TodayLog(site) for sid, site in engine.sites.items()}
        self.models: dict[str, tuple[date, WaitModel]] = {}
        self.runs: dict[str, _Run] = {}  # the kiosks' (and phones') forecasts
        self.shown: dict[str, _Run] = {}  # the displays' (see prepare)
        self.times: dict[str, ServiceTimes] = defaultdict(ServiceTimes)
        # Appointments booked and not yet come, by site (set by the app: the bookings).
        self.upcoming: Callable[[str, datetime], tuple[tuple[datetime, str], ...]] = \
            lambda site_id, now: ()

    def warm_up(self, recent: int = 100_000) -> None:
        """Read up to `recent` of the newest stored events (all sites), oldest first: about
        20 µs an event on this machine (read and learned), so 2 s for the default."""
        since = max(0, self.engine.committed_seq - recent)
        sites = list(self.engine.sites)
        while True:
            page = repository.events_since(self.engine.reader, sites, since, PAGE)
            self(page)
            if len(page) < PAGE:
                break
            since = page[-1].seq

    def __call__(self, events: list[Event]) -> None:
        for event in events:
            self.times[event.site_id].observe(event)
            learner = self.learners.get(event.site_id)
            if learner is not None:
                learner.observe(event)
                self.today[event.site_id].observe(event)

    def model(self, site_id: str, now: datetime) -> WaitModel:
        """The site's model for the business day of `now`, learned from the days before."""
        day = self.engine.sites[site_id].business_day(now)
        known = self.models.get(site_id)
        if known is None or known[0] != day:
            known = (day, self.learners[site_id].model(before=day))
            self.models[site_id] = known
        return known[1]

    def estimate(self, site_id: str, ticket: Ticket) -> ShortEstimate | None:
        """People ahead and the range to show, or None (called already, or no counter for
        the desk today). A failing forecast never fails the request that asked for it: the
        kiosk issues the ticket without an estimate."""
        if ticket.status is not TicketStatus.WAITING:
            return None
        try:
            return self._estimate(site_id, ticket)
        except Exception:
            log.exception("wait forecast failed for site %s", site_id)
            return None

    def newcomer(self, site_id: str, service_id: str) -> ShortEstimate | None:
        """What a visitor taking a number for this desk now would be told (for displays):
        the forecast of the last one in line, who has the same people ahead but one."""
        queue = self.engine.queue(site_id)
        last = _last_in_line(queue, service_id)
        if last is None:
            return _nobody_waiting(queue, service_id)
        found = self.estimate(site_id, queue.tickets[last])
        if found is None:
            return None
        return ShortEstimate(found.ahead + 1, found.low_min, found.high_min)

    def shown_newcomer(self, site_id: str, service_id: str) -> ShortEstimate | None:
        """`newcomer` for the displays' refresh, answered only from the run `prepare` made
        (moved on by the time passed since, or extended to a newcomer it did not know, as in
        a kiosk burst), so that it never runs a forecast on the event loop. Raises NotReady
        when that run cannot answer; the refresh then goes round again."""
        queue = self.engine.queue(site_id)
        if sum(len(line) for line in queue.lines.values()) > MAX_FORECAST_WAITING:
            return self.newcomer(site_id, service_id)  # the quick estimate: no forecast
        last = _last_in_line(queue, service_id)
        if last is None:
            return _nobody_waiting(queue, service_id)
        ticket = queue.tickets[last]
        if ticket.status is not TicketStatus.WAITING:
            return None
        run = self.shown.get(site_id)
        now = self.engine.clock.now()
        if run is None:
            raise NotReady(site_id)
        age = now - run.at
        if not (timedelta(0) <= age <= REFRESH
                and (age < BURST or run.key == (state_key(queue, self.today[site_id]),
                                                self.upcoming(site_id, now)))):
            raise NotReady(site_id)
        drawn, ahead = run.waits.get(ticket.id), run.ahead.get(ticket.id)
        if drawn is None or ahead is None:
            borrowed = borrow(run, queue, ticket)
            if borrowed is None:
                raise NotReady(site_id)
            drawn, ahead = borrowed
        found = self._moved_on(run, drawn, ahead, now)
        if found is None:
            return None
        return ShortEstimate(found.ahead + 1, found.low_min, found.high_min)

    def prepare(self, site_id: str, offload: Callable[[Callable[[], Any]], Any]) -> None:
        """The displays' forecast of the site's present state (for `shown_newcomer`), made
        with `offload` (a worker thread) unless one for this state is at hand: a run is pure
        Python (1–25 ms) and must not hold up the event loop. What it reads from the live
        queue is copied on the event loop first; the simulation only reads that copy.

        It is kept apart from `runs`, which answers the kiosks: what a kiosk is told stays
        exactly what it was, whatever the timing of the displays' refresh (a replay of a
        seed gives the same estimates)."""
        queue = self.engine.queue(site_id)
        if sum(len(line) for line in queue.lines.values()) > MAX_FORECAST_WAITING:
            return
        now = self.engine.clock.now()
        today = self.today[site_id]
        upcoming = self.upcoming(site_id, now)
        key = (state_key(queue, today), upcoming)
        for run in (self.shown.get(site_id), self.runs.get(site_id)):
            if run is not None and run.key == key and timedelta(0) <= now - run.at <= REFRESH:
                self.shown[site_id] = run
                return
        model = self.model(site_id, now)
        snapshot = observe(queue, now, today, upcoming)
        seed = stable_seed(site_id, queue.site.business_day(now))
        paths = self.paths
        waits = offload(lambda: PathSimulator(snapshot, model, seed).run(paths))
        self.shown[site_id] = _Run(key, now, waits,
                                   {tid: snapshot.ahead_of(tid) for tid in waits})

    def _estimate(self, site_id: str, ticket: Ticket) -> ShortEstimate | None:
        queue = self.engine.queue(site_id)
        if sum(len(line) for line in queue.lines.values()) > MAX_FORECAST_WAITING:
            # Far beyond any real centre (a load test): keep the request fast with the
            # simple estimate rather than simulate thousands of visitors.
            return estimate_for(queue, ticket, self.times[site_id],
                                queue.lines[ticket.service_id].ahead_of(ticket.rank_at,
                                                                       ticket.id))
        now = self.engine.clock.now()
        recent = self.runs.get(site_id)
        if recent is not None and ticket.id in recent.waits \
                and timedelta(0) <= now - recent.at < BURST \
                and (ticket.updated_at is None or ticket.updated_at <= recent.at):
            # Kiosks answered after one group commit, or a phone asking just after: the
            # forecast made a moment ago already drew this ticket, where it still is (a call
            # ahead of it since was one of the things that forecast played out). People ahead
            # are counted now.
            ahead = queue.lines[ticket.service_id].ahead_of(ticket.rank_at, ticket.id)
            return self._moved_on(recent, recent.waits[ticket.id], ahead, now)
        if recent is not None and ticket.id not in recent.waits \
                and timedelta(0) <= now - recent.at < BURST:
            # Kiosks tapping in a burst: the forecast of a moment ago, extended to the newcomer
            # behind the last one it knew, instead of a new forecast for every tap.
            borrowed = borrow(recent, queue, ticket)
            if borrowed is not None:
                waits, ahead = borrowed
                recent.waits[ticket.id], recent.ahead[ticket.id] = waits, ahead
                return self._moved_on(recent, waits, ahead, now)
        run = self._run(site_id, queue, now)
        drawn = run.waits.get(ticket.id)
        if drawn is None:
            return None
        return self._moved_on(run, drawn, run.ahead[ticket.id], now)

    def _moved_on(self, run: _Run, drawn: list[float], ahead: int,
                  now: datetime) -> ShortEstimate | None:
        """A ticket's draws from `run`, moved on by the time passed since it was made."""
        passed = (now - run.at).total_seconds() / 60
        return summarise([max(w - passed, 0.0) for w in drawn], ahead, self.level)

    def _run(self, site_id: str, queue: SiteQueue, now: datetime) -> _Run:
        upcoming = self.upcoming(site_id, now)
        key = (state_key(queue, self.today[site_id]), upcoming)
        run = self.runs.get(site_id)
        if run is not None and run.key == key and timedelta(0) <= now - run.at <= REFRESH:
            return run
        model = self.model(site_id, now)
        snapshot = observe(queue, now, self.today[site_id], upcoming)
        seed = stable_seed(site_id, queue.site.business_day(now))
        waits = PathSimulator(snapshot, model, seed).run(self.paths)
        run = _Run(key, now, waits, {tid: snapshot.ahead_of(tid) for tid in waits})
        self.runs[site_id] = run
        return run


class NotReady(Exception):
    """The displays' forecast cannot answer for the queue as it is now."""


def _last_in_line(queue: SiteQueue, service_id: str) -> int | None:
    line = queue.lines[service_id]
    last = max(line.normal[-1:] + line.priority[-1:], default=None)
    return last[1] if last is not None else None


def _nobody_waiting(queue: SiteQueue, service_id: str) -> ShortEstimate | None:
    serving = any(service_id in c.services and queue.counters[c.id].status == "open"
                  for c in queue.site.counters)
    return ShortEstimate(0, 0, 5) if serving else None


def borrow(run: _Run, queue: SiteQueue, ticket: Ticket) -> tuple[list[float], int] | None:
    """Draws for a ticket the run has not seen: those of the ticket just ahead of it in its
    line, one step later (the step is the run's own gap between the two before it)."""
    line = queue.lines[ticket.service_id]
    same = line.priority if ticket.priority else line.normal
    mine = same.index((ticket.rank_at, ticket.id)) if (ticket.rank_at, ticket.id) in same \
        else -1
    if mine < 1:
        return None
    ahead_id = same[mine - 1][1]
    known = run.waits.get(ahead_id)
    if known is None:
        return None
    before = run.waits.get(same[mine - 2][1]) if mine >= 2 else None
    if before is not None:
        step = max(0.0, sum(known) / len(known) - sum(before) / len(before))
    else:
        step = (sum(known) / len(known)) / (run.ahead.get(ahead_id, 0) + 1)
    return [w + step for w in known], run.ahead.get(ahead_id, 0) + 1


def state_key(queue: SiteQueue, today: TodayLog) -> tuple[Any, ...]:
    """Everything a forecast reads from the live queue, cheap to compare: who waits where,
    and each counter's state and visitor."""
    lines = tuple((sid, tuple(line.normal), tuple(line.priority), tuple(line.booked))
                  for sid, line in queue.lines.items())
    counters = []
    for cid, state in queue.counters.items():
        held = queue.tickets.get(state.ticket_id) if state.ticket_id is not None else None
        counters.append((cid, state.status, state.updated_at, state.streak,
                         state.streak_priority, today.breaks.get(cid, 0),
                         (held.id, held.status, held.calls, held.updated_at) if held else None))
    return lines, tuple(counters), today.day
