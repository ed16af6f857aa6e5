"""A discrete-event simulation of one day at a centre, driving a real queue.

Visitors arrive (time-varying Poisson, quarter-hour rates, a rush at the door), choose desks
(sometimes several), and some are priority. Counters open, call as soon as they are free
(the counter idle longest first), and pause for planned breaks once their visitor is done.
A called visitor walks up and is served (lognormal time), then may be transferred; or is
absent: gone for good (patience ran out while waiting, found only when called) or away for
a moment (comes back for the second call). Absent visitors are recalled once, then marked
no-show; the site's rule puts them back in the queue once.

The queue itself is a `Backend`: the real SiteQueue in memory (bench) or a real server over
HTTP (replay). All randomness comes from the day's seed, so a day replays exactly.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, cast

from .scenarios import BIN_MIN, ISSUE_UNTIL_MIN, OPENS_MIN, Scenario

RECALL_AFTER_MIN = 1.0


class Backend(Protocol):
    """The queue operations the simulated staff and kiosk use; times in minutes of the day."""

    def issue(self, purposes: list[str], priority: bool, at: float) -> int: ...
    def call_next(self, counter: str, at: float) -> int | None: ...
    def recall(self, ticket: int, counter: str, at: float) -> None: ...
    def start(self, ticket: int, counter: str, at: float) -> None: ...
    def finish(self, ticket: int, counter: str, at: float) -> str | None: ...
    def transfer(self, ticket: int, service: str, counter: str, at: float) -> None: ...
    def no_show(self, ticket: int, counter: str, at: float) -> bool: ...
    def set_counter(self, counter: str, status: str, at: float) -> None: ...
    def check_in(self, purposes: list[str], slot: float, at: float) -> int: ...


@dataclass(frozen=True)
class Entry:
    """A visitor joining a desk's line: what every predictor is scored on."""

    ticket: int
    stage: int
    service: str
    at: float
    kind: str  # issued | queued | transferred | requeued
    priority: bool


@dataclass
class Outcome:
    """The first call after an entry, and whether the visitor answered it."""

    called: float
    present: bool


@dataclass
class _Visitor:
    ticket: int
    priority: bool
    service: str
    stage: int = 0
    leaves_at: float = math.inf  # patience for the current wait runs out
    came_back: bool = False  # was away at a call, will answer the next one


@dataclass
class _Window:
    counter: str
    desks: tuple[str, ...]
    opened: bool = False
    paused: bool = False
    holding: int | None = None
    idle_since: float = 0.0
    pending_break: float | None = None


@dataclass
class Day:
    """What happened: every entry and its outcome, and counts."""

    entries: list[Entry] = field(default_factory=list)
    outcomes: dict[tuple[int, int], Outcome] = field(default_factory=dict)
    no_shows: int = 0
    visitors: int = 0


EntryHook = Callable[[Entry], None]


class Centre:
    def __init__(self, scenario: Scenario, backend: Backend, seed: int,
                 on_entry: EntryHook | None = None) -> None:
        self.s = scenario
        self.backend = backend
        self.rng = random.Random(seed)
        self.on_entry = on_entry
        self.day = Day()
        self.now = 0.0
        self._heap: list[tuple[float, int, str, object]] = []
        self._seq = 0
        self.visitors: dict[int, _Visitor] = {}
        self.windows = [_Window(f"{scenario.site_id}-c{w.number}", w.desks)
                        for w in scenario.windows]
        self._desks = {d.id: d for d in scenario.desks}
        self.booked: list[float] = []  # appointments' slots booked for the day
        self.arrived: set[float] = set()  # …and those checked in

    # ---- set-up ----------------------------------------------------------------------

    def _at(self, t: float, kind: str, payload: object = None) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, kind, payload))

    def _plan_day(self) -> None:
        rng = self.rng
        for i, rate in enumerate(self.s.rates()):
            t = OPENS_MIN + i * BIN_MIN
            end = t + BIN_MIN
            while rate > 0:
                t += rng.expovariate(rate)
                if t >= end:
                    break
                self._at(t, "arrive", self._draw_visit())
        if self.s.appointment_desk is not None:  # (other scenarios draw exactly as before)
            for slot in self.s.appointment_slots:
                if rng.random() < self.s.appointment_share:
                    self.booked.append(slot)
                    if rng.random() < self.s.appointment_show:
                        self._at(slot + rng.uniform(*self.s.appointment_arrival), "check_in",
                                 slot)
        for index, w in enumerate(self.s.windows):
            self._at(w.opens, "open", index)
            for nominal, length in w.breaks:
                start = nominal + rng.uniform(-self.s.break_jitter_min, self.s.break_jitter_min)
                self._at(start, "break", (index, _lognormal(rng, length, self.s.break_cv)))

    def _draw_visit(self) -> tuple[tuple[str, ...], bool]:
        r = self.rng.random()
        chosen = self.s.visits[-1][0]
        for purposes, share in self.s.visits:
            r -= share
            if r < 0:
                chosen = purposes
                break
        return chosen, self.rng.random() < self.s.priority_share

    # ---- the day ---------------------------------------------------------------------

    def run(self) -> Day:
        self._plan_day()
        handlers: dict[str, Callable[[object], None]] = {
            "arrive": self._arrive, "open": self._open, "break": self._break,
            "resume": self._resume, "walked": self._walked, "done": self._done,
            "recall": self._recall, "give_up": self._give_up, "check_in": self._check_in,
        }
        while self._heap:
            t, _, kind, payload = heapq.heappop(self._heap)
            self.now = t
            handlers[kind](payload)
        for w in self.windows:
            if w.opened:
                self.backend.set_counter(w.counter, "closed", self.now + 1)
        return self.day

    def _arrive(self, payload: object) -> None:
        purposes, priority = cast(tuple[tuple[str, ...], bool], payload)
        ticket = self.backend.issue(list(purposes), priority, self.now)
        visitor = _Visitor(ticket, priority, purposes[0])
        self.visitors[ticket] = visitor
        self.day.visitors += 1
        self._entered(visitor, "issued")

    def upcoming(self, grace: float = 10.0) -> list[tuple[float, str]]:
        """Appointments booked and not yet come that may still come (slot, desk): what the
        server's bookings tell the estimate."""
        desk = self.s.appointment_desk
        return [(slot, desk) for slot in self.booked
                if desk is not None and slot not in self.arrived and slot >= self.now - grace]

    def _check_in(self, payload: object) -> None:
        """A booked visitor checks in at the kiosk: a ticket called at its slot. Booked
        visitors wait for their slot (no patience drawn); their wait is not scored (the
        estimate is for walk-ins), their later desks are."""
        slot = cast(float, payload)
        assert self.s.appointment_desk is not None
        ticket = self.backend.check_in([self.s.appointment_desk], slot, self.now)
        self.arrived.add(slot)
        v = _Visitor(ticket, False, self.s.appointment_desk)
        self.visitors[ticket] = v
        self.day.visitors += 1
        idle = [w for w in self.windows if w.opened and not w.paused and w.holding is None
                and v.service in w.desks]
        if idle:
            self._call(min(idle, key=lambda w: (w.idle_since, self.windows.index(w))))

    def _entered(self, v: _Visitor, kind: str) -> None:
        """A new wait begins: draw patience, tell the bench, then let idle counters call."""
        if kind != "requeued":
            v.leaves_at = self.now + self.rng.expovariate(1.0 / self.s.patience_mean_min)
        entry = Entry(v.ticket, v.stage, v.service, self.now, kind, v.priority)
        self.day.entries.append(entry)
        if self.on_entry is not None and kind != "requeued":
            self.on_entry(entry)
        idle = [w for w in self.windows if w.opened and not w.paused and w.holding is None
                and v.service in w.desks]
        if idle:
            self._call(min(idle, key=lambda w: (w.idle_since, self.windows.index(w))))

    def _open(self, payload: object) -> None:
        w = self.windows[cast(int, payload)]
        w.opened = True
        w.idle_since = self.now
        self.backend.set_counter(w.counter, "open", self.now)
        self._free(w)

    def _break(self, payload: object) -> None:
        index, length = cast(tuple[int, float], payload)
        w = self.windows[index]
        if w.opened and not w.paused and w.holding is None:
            self._pause(w, length)
        else:
            w.pending_break = length

    def _pause(self, w: _Window, length: float) -> None:
        w.paused = True
        w.pending_break = None
        self.backend.set_counter(w.counter, "paused", self.now)
        self._at(self.now + length, "resume", self.windows.index(w))

    def _resume(self, payload: object) -> None:
        w = self.windows[cast(int, payload)]
        w.paused = False
        w.idle_since = self.now
        self.backend.set_counter(w.counter, "open", self.now)
        self._free(w)

    def _free(self, w: _Window) -> None:
        w.holding = None
        w.idle_since = self.now
        if w.pending_break is not None:
            self._pause(w, w.pending_break)
        else:
            self._call(w)

    def _call(self, w: _Window) -> None:
        ticket = self.backend.call_next(w.counter, self.now)
        if ticket is None:
            return
        v = self.visitors[ticket]
        w.holding = ticket
        w.idle_since = self.now
        key = (ticket, v.stage)
        if v.came_back:
            present, v.came_back = True, False
        else:
            present = self.now <= v.leaves_at
            if present and self.rng.random() < self.s.away_share:
                present, v.came_back = False, True  # away for a moment: back for the next call
        self.day.outcomes.setdefault(key, Outcome(self.now, present))
        index = self.windows.index(w)
        if present:
            self._at(self.now + self.rng.uniform(*self.s.walk_min), "walked", (index, ticket))
        else:
            self._at(self.now + RECALL_AFTER_MIN, "recall", (index, ticket))
            self._at(self.now + self.rng.uniform(*self.s.grace_min), "give_up", (index, ticket))

    def _walked(self, payload: object) -> None:
        index, ticket = cast(tuple[int, int], payload)
        w = self.windows[index]
        self.backend.start(ticket, w.counter, self.now)
        desk = self._desks[self.visitors[ticket].service]
        self._at(self.now + _lognormal(self.rng, desk.mean_min, desk.cv), "done", payload)

    def _done(self, payload: object) -> None:
        index, ticket = cast(tuple[int, int], payload)
        w = self.windows[index]
        v = self.visitors[ticket]
        to = self._draw_transfer(v.service)
        if to is not None:
            self.backend.transfer(ticket, to, w.counter, self.now)
            v.service, v.stage = to, v.stage + 1
            self._entered(v, "transferred")
        else:
            following = self.backend.finish(ticket, w.counter, self.now)
            if following is not None:
                v.service, v.stage = following, v.stage + 1
                self._entered(v, "queued")
        self._free(w)

    def _draw_transfer(self, service: str) -> str | None:
        r = self.rng.random()
        for to, share in self.s.transfers.get(service, ()):
            r -= share
            if r < 0:
                return to
        return None

    def _recall(self, payload: object) -> None:
        index, ticket = cast(tuple[int, int], payload)
        self.backend.recall(ticket, self.windows[index].counter, self.now)

    def _give_up(self, payload: object) -> None:
        index, ticket = cast(tuple[int, int], payload)
        w = self.windows[index]
        v = self.visitors[ticket]
        self.day.no_shows += 1
        if self.backend.no_show(ticket, w.counter, self.now):
            v.stage += 1
            self._entered(v, "requeued")
        self._free(w)


def _lognormal(rng: random.Random, mean: float, cv: float) -> float:
    sigma = math.sqrt(math.log(1 + cv * cv))
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


def issue_until() -> float:
    return ISSUE_UNTIL_MIN
