"""Learning a site's WaitModel from its event log, one business day at a time.

The learner reads only the log's rows (ticket, stage, desk, counter, kind, time, and the
kiosk's choices on `issued`): service times (started → finished or transferred) fitted as
lognormal per desk; arrivals per 15 minutes of the day and what visitors chose; transfer
shares; how long a call takes to turn into a start or a no-show; how the chance of finding
someone present falls with the time they have waited; and each counter's day (opening and
pauses). Each day is kept as a small summary, so the model can be rebuilt from the last N
days at any time without reading the log again.
"""

from __future__ import annotations

import math
from collections import Counter as Tally
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from .events import Event, EventKind
from .forecast import DayFinder, day_start, minutes
from .model import Site
from .wait_model import (
    Arrivals,
    Break,
    CounterDay,
    ServiceTime,
    Visit,
    WaitModel,
)

BIN_MIN = 15.0
DAY_BINS = int(28 * 60 / BIN_MIN)  # a business day may run past midnight
WAIT_BINS = 240  # presence is tallied per minute waited, up to four hours
MIN_SERVICES = 5  # fewer finished stages than this: keep the default for that desk
NEVER = math.inf


@dataclass
class Moments:
    """Count, sum and sum of squares: enough for a mean and a spread."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    def add(self, x: float) -> None:
        self.n += 1
        self.total += x
        self.squares += x * x

    def merge(self, other: Moments) -> None:
        self.n += other.n
        self.total += other.total
        self.squares += other.squares

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def sd(self) -> float:
        if self.n < 2:
            return 0.0
        var = (self.squares - self.total * self.total / self.n) / (self.n - 1)
        return math.sqrt(max(var, 0.0))


@dataclass
class DaySummary:
    """What one business day of one site contributes to the model."""

    arrivals: Tally[int] = field(default_factory=Tally)
    visits: Tally[Visit] = field(default_factory=Tally)
    log_service: dict[str, Moments] = field(default_factory=dict)
    walk: Moments = field(default_factory=Moments)
    grace: Moments = field(default_factory=Moments)
    present: Tally[int] = field(default_factory=Tally)  # minute waited -> answered the call
    absent: Tally[int] = field(default_factory=Tally)
    requeued: list[int] = field(default_factory=lambda: [0, 0])  # [present, absent]
    started: Tally[str] = field(default_factory=Tally)
    transfers: Tally[tuple[str, str]] = field(default_factory=Tally)
    opens: dict[str, float] = field(default_factory=dict)
    breaks: dict[str, list[Break]] = field(default_factory=dict)
    paused_at: dict[str, tuple[float, float]] = field(default_factory=dict)  # (began, planned)


@dataclass(slots=True)
class _Visit:
    entered: datetime
    again: bool = False  # this wait follows a no-show
    called: datetime | None = None
    started: datetime | None = None
    service: str | None = None


class LogLearner:
    """Feed it a site's events in order (`observe`); ask for a model of the last days."""

    def __init__(self, site: Site, keep_days: int = 60) -> None:
        self.site = site
        self.keep_days = keep_days
        self.days: dict[date, DaySummary] = {}
        self._day: date | None = None
        self._days = DayFinder(site)
        self._origin: datetime | None = None
        # A visit still waiting is only its arrival (the event's own datetime); it becomes a
        # _Visit when called: a busy day's queue then costs ~70 bytes less a ticket.
        self._visits: dict[int, _Visit | datetime] = {}
        self._busy_since: dict[str, float] = {}  # counter -> when it last called
        self._freed_at: dict[str, float] = {}  # counter -> when its visitor last left it
        self._at_counter: dict[int, str] = {}  # ticket -> the counter that called it

    def observe_all(self, events: Iterable[Event]) -> LogLearner:
        for event in events:
            self.observe(event)
        return self

    def observe(self, event: Event) -> None:
        if event.site_id != self.site.id:
            return
        day = self._days.day_of(event.at)
        if self._day is None or day > self._day:
            self._start_day(day, event.at)
        elif day < self._day:
            return  # out of order: the log is read oldest first
        summary = self.days[day]
        if event.ticket_id is not None:
            self._released(event)
        if event.counter_id is not None:
            self._counter(summary, event)
        if event.ticket_id is not None:
            handler = self._TICKET_EVENTS.get(event.kind)
            if handler is not None:
                handler(self, summary, event)

    def _called(self, summary: DaySummary, event: Event) -> None:
        assert event.ticket_id is not None
        visit = self._visit(event.ticket_id)
        if visit is not None:
            visit.called = event.at

    def _finished(self, summary: DaySummary, event: Event) -> None:
        assert event.ticket_id is not None
        self._service_ended(summary, event.ticket_id, event.at)

    def _transferred(self, summary: DaySummary, event: Event) -> None:
        assert event.ticket_id is not None
        came_from = event.data.get("from_service")
        if isinstance(came_from, str) and event.service_id is not None:
            summary.transfers[(came_from, event.service_id)] += 1
        self._service_ended(summary, event.ticket_id, event.at)
        self._visits[event.ticket_id] = event.at

    def _queued(self, summary: DaySummary, event: Event) -> None:
        assert event.ticket_id is not None
        self._visits[event.ticket_id] = event.at

    def _visit(self, ticket_id: int) -> _Visit | None:
        visit = self._visits.get(ticket_id)
        if isinstance(visit, datetime):
            visit = self._visits[ticket_id] = _Visit(visit)
        return visit

    def _cancelled(self, summary: DaySummary, event: Event) -> None:
        assert event.ticket_id is not None
        self._visits.pop(event.ticket_id, None)

    def _start_day(self, day: date, at: datetime) -> None:
        self._day = day
        self._origin = day_start(self.site, at)
        self._visits.clear()
        self._busy_since.clear()
        self._freed_at.clear()
        self._at_counter.clear()
        self.days[day] = DaySummary()
        for old in sorted(self.days)[:-self.keep_days]:
            del self.days[old]

    def _minute(self, at: datetime) -> float:
        assert self._origin is not None
        return minutes(self._origin, at)

    def _issued(self, summary: DaySummary, event: Event) -> None:
        assert event.ticket_id is not None
        self._visits[event.ticket_id] = event.at
        if "slot_at" in event.data:
            return  # an appointment's arrival is known ahead (its booking), never drawn
        summary.arrivals[int(self._minute(event.at) // BIN_MIN)] += 1
        purposes = event.data.get("purposes") or [event.service_id]
        summary.visits[Visit(tuple(str(p) for p in purposes),
                             bool(event.data.get("priority", False)))] += 1

    def _started(self, summary: DaySummary, event: Event) -> None:
        assert event.ticket_id is not None
        visit = self._visit(event.ticket_id)
        if visit is None or event.service_id is None:
            return
        if visit.called is not None and visit.started is None:
            summary.walk.add(max(_span(visit.called, event.at), 0.0))
            self._attempt(summary, visit, present=True)
        visit.started = event.at
        visit.service = event.service_id
        summary.started[event.service_id] += 1

    def _service_ended(self, summary: DaySummary, ticket_id: int, at: datetime) -> None:
        visit = self._visit(ticket_id)
        if visit is None or visit.started is None or visit.service is None:
            return
        length = max(_span(visit.started, at), 0.05)
        summary.log_service.setdefault(visit.service, Moments()).add(math.log(length))
        visit.started = None

    def _absent(self, summary: DaySummary, event: Event) -> None:
        assert event.ticket_id is not None
        visit = self._visit(event.ticket_id)
        if visit is not None and visit.called is not None:
            summary.grace.add(max(_span(visit.called, event.at), 0.0))
            self._attempt(summary, visit, present=False)
        if event.kind is EventKind.REQUEUED:
            self._visits[event.ticket_id] = _Visit(event.at, again=True)
        else:
            self._visits.pop(event.ticket_id, None)

    _TICKET_EVENTS: dict[EventKind, Callable[[LogLearner, DaySummary, Event], None]] = {}

    @staticmethod
    def _attempt(summary: DaySummary, visit: _Visit, present: bool) -> None:
        assert visit.called is not None
        if visit.again:
            summary.requeued[0 if present else 1] += 1
            return
        waited = min(int(_span(visit.entered, visit.called)), WAIT_BINS)
        (summary.present if present else summary.absent)[max(waited, 0)] += 1

    def _counter(self, summary: DaySummary, event: Event) -> None:
        counter_id = event.counter_id
        assert counter_id is not None
        at = self._minute(event.at)
        kind = event.kind
        if kind in (EventKind.COUNTER_OPENED, EventKind.CALLED, EventKind.COUNTER_RESUMED):
            summary.opens.setdefault(counter_id, at)
            paused = summary.paused_at.pop(counter_id, None)
            if paused is not None:
                began, planned = paused
                summary.breaks.setdefault(counter_id, []).append(Break(planned, at - began))
            if kind is EventKind.CALLED:
                self._busy_since[counter_id] = at
        elif kind in (EventKind.COUNTER_PAUSED, EventKind.COUNTER_CLOSED):
            if counter_id in summary.opens and counter_id not in summary.paused_at:
                summary.paused_at[counter_id] = (at, self._planned(counter_id, at))

    def _planned(self, counter_id: str, at: float) -> float:
        """When a pause that began at `at` was meant to begin. A counter pauses once its
        visitor is done: if one left it at this very moment, the pause was due some time
        during that visit (taken as its middle); if it stood idle, it was due now."""
        busy = self._busy_since.get(counter_id)
        if busy is not None and self._freed_at.get(counter_id) == at and busy < at:
            return (busy + at) / 2
        return at

    def _released(self, event: Event) -> None:
        """Note when a counter's visitor leaves it (done, sent on, or absent)."""
        assert event.ticket_id is not None
        kind = event.kind
        if kind is EventKind.CALLED and event.counter_id is not None:
            self._at_counter[event.ticket_id] = event.counter_id
            return
        if kind not in (EventKind.FINISHED, EventKind.TRANSFERRED, EventKind.NO_SHOW,
                        EventKind.REQUEUED, EventKind.CANCELLED):
            return
        counter_id = self._at_counter.pop(event.ticket_id, None)
        if counter_id is not None:
            self._freed_at[counter_id] = self._minute(event.at)

    # ---- the model -------------------------------------------------------------------

    def model(self, before: date | None = None) -> WaitModel:
        """The model of the kept days (only those before `before`, if given)."""
        days = [d for d in sorted(self.days) if before is None or d < before]
        summaries = [self.days[d] for d in days if self.days[d].visits]
        if not summaries:
            return WaitModel()
        return build_model(self.site, summaries)


LogLearner._TICKET_EVENTS = {
    EventKind.ISSUED: LogLearner._issued,
    EventKind.CALLED: LogLearner._called,
    EventKind.STARTED: LogLearner._started,
    EventKind.FINISHED: LogLearner._finished,
    EventKind.TRANSFERRED: LogLearner._transferred,
    EventKind.QUEUED: LogLearner._queued,
    EventKind.RETURNED: LogLearner._queued,
    EventKind.NO_SHOW: LogLearner._absent,
    EventKind.REQUEUED: LogLearner._absent,
    EventKind.CANCELLED: LogLearner._cancelled,
}


def _span(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60.0


def build_model(site: Site, days: list[DaySummary]) -> WaitModel:
    """Pool day summaries into one WaitModel."""
    n_days = len(days)
    arrivals: Tally[int] = Tally()
    visits: Tally[Visit] = Tally()
    logs: dict[str, Moments] = {}
    walk, grace = Moments(), Moments()
    present: Tally[int] = Tally()
    absent: Tally[int] = Tally()
    again = [0, 0]
    started: Tally[str] = Tally()
    transfers: Tally[tuple[str, str]] = Tally()
    for day in days:
        arrivals.update(day.arrivals)
        visits.update(day.visits)
        for service, moments in day.log_service.items():
            logs.setdefault(service, Moments()).merge(moments)
        walk.merge(day.walk)
        grace.merge(day.grace)
        present.update(day.present)
        absent.update(day.absent)
        again[0] += day.requeued[0]
        again[1] += day.requeued[1]
        started.update(day.started)
        transfers.update(day.transfers)
    total_visits = sum(visits.values())
    leave_at_once, leave_rate = fit_presence(present, absent)
    default = WaitModel()
    return WaitModel(
        services={s: ServiceTime(m.mean, m.sd) for s, m in logs.items() if m.n >= MIN_SERVICES},
        walk_min=walk.mean if walk.n else default.walk_min,
        grace_min=grace.mean if grace.n else default.grace_min,
        leave_at_once=leave_at_once,
        leave_rate=leave_rate,
        requeued_present=(again[0] + 1) / (again[0] + again[1] + 2),
        transfers=_transfer_shares(transfers, started),
        arrivals=Arrivals(
            start=0.0, bin_min=BIN_MIN,
            rates=tuple(arrivals.get(i, 0) / n_days / BIN_MIN for i in range(DAY_BINS)),
            visits=tuple((v, c / total_visits) for v, c in sorted(
                visits.items(), key=lambda item: (-item[1], item[0].purposes, item[0].priority))),
        ),
        counter_days=_counter_days(site, days),
        days=n_days,
    )


def _transfer_shares(transfers: Tally[tuple[str, str]],
                     started: Tally[str]) -> dict[str, tuple[tuple[str, float], ...]]:
    table: dict[str, list[tuple[str, float]]] = {}
    for (came_from, to), count in sorted(transfers.items()):
        if started[came_from] > 0:
            table.setdefault(came_from, []).append((to, min(count / started[came_from], 1.0)))
    return {s: tuple(rows) for s, rows in table.items()}


def _counter_days(site: Site, days: list[DaySummary]) -> dict[str, tuple[CounterDay, ...]]:
    plans: dict[str, list[CounterDay]] = {c.id: [] for c in site.counters}
    for day in days:
        for counter in site.counters:
            opens = day.opens.get(counter.id, NEVER)
            plans[counter.id].append(CounterDay(opens, tuple(day.breaks.get(counter.id, ()))))
    return {c: tuple(p) for c, p in plans.items()}


def fit_presence(present: Tally[int], absent: Tally[int]) -> tuple[float, float]:
    """Maximum-likelihood (p0, rate) of P(present after w minutes) = (1 - p0)·exp(-rate·w)."""
    cells = [(w + 0.5, present.get(w, 0), absent.get(w, 0))
             for w in sorted(set(present) | set(absent))]
    if sum(a for _, _, a in cells) == 0:
        default = WaitModel()
        return (0.0 if cells else default.leave_at_once), (0.0 if cells else default.leave_rate)

    def loglik(p0: float, rate: float) -> float:
        total = 0.0
        keep = math.log(1.0 - p0)
        for w, yes, no in cells:
            stay = (1.0 - p0) * math.exp(-rate * w)
            if yes:
                total += yes * (keep - rate * w)
            if no:
                total += no * math.log(max(1.0 - stay, 1e-300))
        return total

    rates = [0.0] + [10 ** (-4 + 3 * i / 39) for i in range(40)]  # 1e-4 .. 1e-1 per minute
    best = _best(loglik, [(p, r) for r in rates for p in [i / 50 for i in range(25)]])
    for _ in range(2):  # refine around the best cell
        _, p0, rate = best
        grid = [(min(max(p0 - 0.02 + 0.004 * j, 0.0), 0.95),
                 rate * 0.8 + (rate * 0.45 + 1e-6) * i / 10)
                for i in range(11) for j in range(11)]
        best = max(best, _best(loglik, grid))
    return best[1], best[2]


def _best(score: Callable[[float, float], float],
          cells: list[tuple[float, float]]) -> tuple[float, float, float]:
    return max((score(p, r), p, r) for p, r in cells)
