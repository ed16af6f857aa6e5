"""Monte-Carlo paths of the rest of a site's day, from what is observable now.

Each path plays the site forward with the server's own ordering rules (the same choices as
ordering.choose_next: maximum-wait boost, the priority ratio, weighted or ordered desks),
drawing what nobody can see yet: service times (lognormal, given the time already spent),
who has left without telling anyone (found out only when called), transfers, next
purposes, new arrivals (priority ones jump ahead), and counters' breaks. It records when
each target ticket is first called. A path stops once every target has been called.

Counters call as soon as they are free; when a ticket joins a line and several idle
counters serve it, the one idle longest calls it.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Collection, Sequence
from statistics import NormalDist

from .counter_days import OPEN, PAUSED, counter_starts
from .wait_model import Break, Visit, WaitModel
from .wait_state import CounterNow, Held, Snapshot

INF = math.inf
STANDARD_NORMAL = NormalDist()

Entry = tuple[float, int]  # (rank, ticket id), as in queues.WaitingLine


class _Ticket:
    __slots__ = ("tid", "service", "issued", "priority", "following", "requeued", "entered")

    def __init__(self, tid: int, service: str, issued: float, priority: bool,
                 following: tuple[str, ...], requeued: bool, entered: float) -> None:
        self.tid = tid
        self.service = service
        self.issued = issued
        self.priority = priority
        self.following = following
        self.requeued = requeued
        self.entered = entered


class _Counter:
    __slots__ = ("index", "services", "ordered", "weights", "state", "event", "ticket",
                 "serving", "streak_priority", "streak", "breaks", "next_break", "idle_since")

    def __init__(self, index: int, now: CounterNow) -> None:
        self.index = index
        self.services = now.services
        self.ordered = now.ordered
        self.weights = now.weights or tuple(1.0 for _ in now.services)
        self.state = OPEN
        self.event = INF
        self.ticket: _Ticket | None = None
        self.serving = False
        self.streak_priority = now.streak_priority
        self.streak = now.streak
        self.breaks: list[Break] = []
        self.next_break = 0
        self.idle_since = now.since


def _reserved(snapshot: Snapshot, model: WaitModel) -> list[list[tuple[Break, float]]]:
    """Appointments as time a counter of their desk is taken, one service time each from
    when they are due: counters of the desk in turn, those open now first. (The server
    calls a due appointment before walk-ins; for the walk-ins' wait, that is a counter
    taken for that while.)"""
    reserved: list[list[tuple[Break, float]]] = [[] for _ in snapshot.counters]
    turn: dict[str, int] = {}
    for due, service_id, show in snapshot.appointments:
        serving = sorted((i for i, c in enumerate(snapshot.counters)
                          if service_id in c.services),
                         key=lambda i: (snapshot.counters[i].status != "open", i))
        if not serving:
            continue
        k = turn.get(service_id, 0)
        turn[service_id] = k + 1
        reserved[serving[k % len(serving)]].append(
            (Break(due, model.service(service_id).mean), show))
    return reserved


def _held_ticket(held: Held) -> _Ticket:
    return _Ticket(held.ticket_id, held.service_id, held.issued, held.priority,
                   held.next_purposes, held.requeued, held.entered)


class PathSimulator:
    """Runs paths from one snapshot under one model; `run` gives each target's call times
    (minutes from now; `inf` if no path reached the call before the horizon)."""

    def __init__(self, snapshot: Snapshot, model: WaitModel, seed: int,
                 horizon_min: float = 720.0) -> None:
        self.snapshot = snapshot
        self.model = model
        self.rng = random.Random(seed)
        self.horizon = snapshot.now + horizon_min
        rules = snapshot.rules
        self.boost = rules.boost_min
        self.priority_normal = rules.priority_normal
        self.priority_every = rules.priority_every
        self.requeue = rules.requeue_no_shows
        self.walk = model.walk_min
        self.grace = model.grace_min
        services = {w.service_id for w in snapshot.waiting}
        for c in snapshot.counters:
            services.update(c.services)
        self.service_ids = sorted(services)
        self.shapes = {s: (model.service(s).mu, model.service(s).sigma)
                       for s in self.service_ids}
        self.transfer_table = {s: (tuple(to for to, _ in rows),
                                   tuple(_cumulative([p for _, p in rows])))
                               for s, rows in model.transfers.items()}
        self.visits = model.arrivals.visits
        self.bins = _bins(model)
        self.plans = {c.counter_id: model.counter_days.get(c.counter_id, ())
                      for c in snapshot.counters}
        self.starts = [counter_starts(c, self.plans[c.counter_id], snapshot.now)
                       for c in snapshot.counters]
        self.reserved = _reserved(snapshot, model)
        self.first_lines: dict[str, tuple[list[Entry], list[Entry]]] = {
            s: ([], []) for s in self.service_ids}
        self.first_tickets: dict[int, _Ticket] = {}
        for w in snapshot.waiting:
            self.first_tickets[w.ticket_id] = _Ticket(
                w.ticket_id, w.service_id, w.issued, w.priority, w.next_purposes, w.requeued,
                w.entered)
            self.first_lines[w.service_id][1 if w.priority else 0].append((w.rank, w.ticket_id))
        for normal, priority in self.first_lines.values():
            normal.sort()
            priority.sort()
        self.done_cache: dict[tuple[str, float], float] = {}
        self.newcomer_cache: dict[tuple[str, ...], tuple[
            tuple[Visit, ...], tuple[float, ...], float]] = {}
        self.servers = {s: [i for i, c in enumerate(snapshot.counters) if s in c.services]
                        for s in self.service_ids}
        self.linked = _components(snapshot, model, self.service_ids)
        # Per-path state, set by _reset.
        self.now = snapshot.now
        self.lines: dict[str, tuple[list[Entry], list[Entry]]] = {}
        self.tickets: dict[int, _Ticket] = {}
        self.counters: list[_Counter] = []
        self.next_id = snapshot.next_ticket_id
        self.next_arrival = INF
        self.pending: set[int] = set()
        self.pending_in: dict[str, int] = {}
        self.kinds: tuple[Visit, ...] = ()  # newcomers that can still delay a target
        self.kinds_cum: tuple[float, ...] = ()
        self.kinds_share = 0.0
        self.calls: dict[int, float] = {}

    # ---- running -----------------------------------------------------------------------

    def run(self, paths: int, targets: Collection[int] | None = None) -> dict[int, list[float]]:
        waiting = [w.ticket_id for w in self.snapshot.waiting]
        wanted = [t for t in waiting if targets is None or t in targets]
        samples: dict[int, list[float]] = {t: [] for t in wanted}
        for _ in range(paths):
            self._reset(wanted)
            self._play()
            for tid in wanted:
                samples[tid].append(self.calls.get(tid, INF) - self.snapshot.now)
        return samples

    def _play(self) -> None:
        counters = self.counters
        while self.pending:
            moment = self.next_arrival
            who: _Counter | None = None
            for c in counters:
                if c.event < moment:
                    moment = c.event
                    who = c
            if moment >= self.horizon:
                return
            self.now = moment
            if who is None:
                self._arrive()
            elif who.state == OPEN:
                if who.ticket is not None:
                    self._complete(who)
                self._free(who)
            else:  # a pause ends, or the counter opens for the day
                who.state = OPEN
                self._free(who)

    # ---- the start of a path -----------------------------------------------------------

    def _reset(self, targets: Sequence[int]) -> None:
        snap = self.snapshot
        self.now = snap.now
        self.next_id = snap.next_ticket_id
        self.pending = set(targets)
        self.pending_in = dict.fromkeys(self.service_ids, 0)
        for w in snap.waiting:
            if w.ticket_id in self.pending:
                self.pending_in[w.service_id] += 1
        self.calls = {}
        self.lines = {s: (normal[:], priority[:])
                      for s, (normal, priority) in self.first_lines.items()}
        self.tickets = dict(self.first_tickets)  # shared until called: see _choose
        self.counters = [self._start_counter(i, c) for i, c in enumerate(snap.counters)]
        self._choose_newcomers()
        # Free counters call at once: whoever has been idle longest first.
        idle = [c for c in self.counters if c.state == OPEN and c.ticket is None]
        for c in sorted(idle, key=lambda c: (c.idle_since, c.index)):
            if c.ticket is None and c.state == OPEN:
                if not self._pause_if_due(c):
                    self._try_call(c)

    def _start_counter(self, index: int, now: CounterNow) -> _Counter:
        c = _Counter(index, now)
        starts = self.starts[index]
        state, event, breaks = starts[self.rng.randrange(len(starts))] if len(starts) > 1 \
            else starts[0]
        c.state, c.event, c.breaks = state, event, list(breaks)
        if self.reserved[index]:  # appointments: the counter is theirs at their time
            rng = self.rng
            coming = [b for b, show in self.reserved[index] if show >= 1.0 or rng.random() < show]
            c.breaks = sorted(c.breaks + coming, key=lambda b: b.start)
        if now.held is not None:
            self._resume_held(c, now.held)
        elif c.state == OPEN:
            c.event = self._break_due_time(c)
        return c

    def _resume_held(self, c: _Counter, held: Held) -> None:
        """Finish time of whoever is at the counter now."""
        t = self.snapshot.now
        ticket = _held_ticket(held)
        c.ticket = ticket
        if held.started is not None:
            c.serving = True
            c.event = t + self._residual(held.service_id, t - held.started)
            return
        since_call = t - held.called
        present = held.calls <= 1 and self.rng.random() < self._presence(ticket, held.called)
        c.serving = present
        if present:
            c.event = t + max(self.walk - since_call, 0.0) + self._service_time(held.service_id)
        else:
            c.event = t + max(self.grace - since_call, 0.05)

    # ---- counters ----------------------------------------------------------------------

    def _break_due_time(self, c: _Counter) -> float:
        if c.next_break < len(c.breaks):
            return max(c.breaks[c.next_break].start, self.now)
        return INF

    def _free(self, c: _Counter) -> None:
        """The counter has just become free: take a due pause, else call the next visitor."""
        c.idle_since = self.now
        if not self._pause_if_due(c):
            self._try_call(c)

    def _pause_if_due(self, c: _Counter) -> bool:
        if c.next_break < len(c.breaks) and c.breaks[c.next_break].start <= self.now:
            pause = c.breaks[c.next_break]
            c.next_break += 1
            c.state = PAUSED
            c.event = self.now + pause.length
            return True
        return False

    def _try_call(self, c: _Counter) -> None:
        ticket = self._choose(c)
        if ticket is None:
            c.ticket = None
            c.event = self._break_due_time(c)
            return
        now = self.now
        if ticket.tid in self.pending:
            self.pending.discard(ticket.tid)
            self.pending_in[ticket.service] -= 1
            if self.pending_in[ticket.service] == 0:
                self._choose_newcomers()
            self.calls[ticket.tid] = now
        c.ticket = ticket
        if self.rng.random() < self._presence(ticket, now):
            c.serving = True
            c.event = now + self.walk + self._service_time(ticket.service)
        else:
            c.serving = False
            c.event = now + self.grace

    def _choose(self, c: _Counter) -> _Ticket | None:
        """ordering.choose_next on this path's lines; removes and returns the ticket."""
        lines = self.lines
        normal: list[tuple[Entry, int]] = []
        priority: list[tuple[Entry, int]] = []
        for k, s in enumerate(c.services):
            line = lines.get(s)
            if line is None:
                continue
            if line[0]:
                normal.append((line[0][0], k))
            if line[1]:
                priority.append((line[1][0], k))
        if not normal and not priority:
            return None
        pick, is_priority = self._overdue(normal, priority)
        if pick is None:
            if priority and (not normal or self._priority_turn(c)):
                pick, is_priority = min(priority), True
            elif c.ordered:
                pick = normal[0]
            else:
                now = self.now
                weights = c.weights
                pick = min(normal, key=lambda h: (-(now - h[0][0]) * weights[h[1]], h[0]))
        if c.streak_priority == is_priority:
            c.streak += 1
        else:
            c.streak_priority, c.streak = is_priority, 1
        del lines[c.services[pick[1]]][1 if is_priority else 0][0]
        ticket = self.tickets[pick[0][1]]
        if ticket.tid < self.snapshot.next_ticket_id:  # a snapshot ticket: copy before change
            ticket = _Ticket(ticket.tid, ticket.service, ticket.issued, ticket.priority,
                             ticket.following, ticket.requeued, ticket.entered)
            self.tickets[ticket.tid] = ticket
        return ticket

    def _overdue(self, normal: list[tuple[Entry, int]],
                 priority: list[tuple[Entry, int]]) -> tuple[tuple[Entry, int] | None, bool]:
        """The oldest head waiting past the maximum-wait boost, if any."""
        pick: tuple[Entry, int] | None = None
        is_priority = False
        if self.boost > 0:
            limit = self.now - self.boost
            for heads, kind in ((normal, False), (priority, True)):
                for head in heads:
                    if head[0][0] <= limit and (pick is None or head[0] < pick[0]):
                        pick, is_priority = head, kind
        return pick, is_priority

    def _priority_turn(self, c: _Counter) -> bool:
        if c.streak_priority:
            return c.streak < self.priority_every
        return c.streak >= self.priority_normal

    def _complete(self, c: _Counter) -> None:
        """The visitor at `c` is done (or found absent). Their next wait begins while `c`
        still counts as busy, so another idle counter gets them first; `c` calls after."""
        ticket = c.ticket
        assert ticket is not None
        self._route(ticket, c.serving)
        c.ticket = None

    def _route(self, ticket: _Ticket, served: bool) -> None:
        if not served:
            if self.requeue and not ticket.requeued:
                ticket.requeued = True
                ticket.entered = self.now
                self._enqueue(ticket, ticket.service, self.now)
            return
        following = ticket.following
        table = self.transfer_table.get(ticket.service)
        if table is not None:
            r = self.rng.random()
            i = bisect.bisect_right(table[1], r)
            if i < len(table[0]):
                to = table[0][i]
                following = (to, *(s for s in following if s != to))
        if following:
            ticket.service, ticket.following = following[0], following[1:]
            ticket.requeued = False
            ticket.entered = self.now
            self._enqueue(ticket, ticket.service, ticket.issued)

    # ---- lines and arrivals ------------------------------------------------------------

    def _enqueue(self, ticket: _Ticket, service: str, rank: float) -> None:
        line = self.lines.get(service)
        if line is None:
            return  # a desk no counter here serves: it never comes back to these lines
        self.tickets[ticket.tid] = ticket
        bisect.insort(line[1 if ticket.priority else 0], (rank, ticket.tid))
        idle = None
        for i in self.servers.get(service, ()):
            c = self.counters[i]
            if c.state == OPEN and c.ticket is None and (
                    idle is None or c.idle_since < idle.idle_since):
                idle = c
        if idle is not None:
            self._try_call(idle)

    def _choose_newcomers(self) -> None:
        """Keep only the kinds of newcomer that can still change when a target is called,
        and draw the next arrival from their thinned stream (a Poisson stream thinned by
        kind is Poisson). A normal newcomer queues behind every waiting ticket of its desk
        and cannot be called before them, so it matters only to targets at other desks it
        is linked to; a priority newcomer may go first, so it matters to its own desk too."""
        pending = self.pending_in
        key = tuple(s for s in self.service_ids if pending[s] > 0)
        found = self.newcomer_cache.get(key)
        if found is None:
            kinds: list[Visit] = []
            shares: list[float] = []
            for visit, share in self.visits:
                if share <= 0:
                    continue
                desk = visit.purposes[0]
                if any(pending.get(b, 0) > 0 and (visit.priority or b != desk)
                       for b in self.linked.get(desk, ())):
                    kinds.append(visit)
                    shares.append(share)
            total = sum(shares)
            cum = tuple(c / total for c in _cumulative(shares)) if kinds else ()
            found = self.newcomer_cache[key] = (tuple(kinds), cum, total)
        self.kinds, self.kinds_cum, self.kinds_share = found
        self.next_arrival = self._draw_arrival(self.now)

    def _arrive(self) -> None:
        now = self.now
        self.next_arrival = self._draw_arrival(now)
        kinds = self.kinds
        visit = kinds[min(bisect.bisect_right(self.kinds_cum, self.rng.random()),
                          len(kinds) - 1)]
        tid = self.next_id
        self.next_id += 1
        ticket = _Ticket(tid, visit.purposes[0], now, visit.priority, visit.purposes[1:],
                         False, now)
        self._enqueue(ticket, ticket.service, now)

    def _draw_arrival(self, t: float) -> float:
        thin = self.kinds_share
        if thin <= 0:
            return INF
        arrivals = self.model.arrivals
        bins = self.bins
        i = max(math.floor((t - arrivals.start) / arrivals.bin_min), 0)
        while i < len(bins):
            end, rate = bins[i]
            if rate > 0 and t < end:
                t = max(t, end - arrivals.bin_min) + self.rng.expovariate(rate * thin)
                if t < end:
                    return t
            t = max(t, end)
            i += 1
        return INF

    # ---- draws ---------------------------------------------------------------------------

    def _presence(self, ticket: _Ticket, at: float) -> float:
        if ticket.requeued:
            return self.model.requeued_present
        return self.model.present(at - ticket.entered)

    def _service_time(self, service: str) -> float:
        mu, sigma = self.shapes.get(service) or (self.model.service(service).mu, 0.6)
        return math.exp(mu + sigma * self.rng.gauss(0.0, 1.0)) if sigma > 0 else math.exp(mu)

    def _residual(self, service: str, elapsed: float) -> float:
        """The rest of a lognormal service that has already lasted `elapsed` minutes."""
        mu, sigma = self.shapes.get(service) or (self.model.service(service).mu, 0.6)
        if sigma <= 0:
            return max(math.exp(mu) - elapsed, 0.0)
        done = self.done_cache.get((service, elapsed))
        if done is None:
            done = STANDARD_NORMAL.cdf((math.log(elapsed) - mu) / sigma) if elapsed > 0 else 0.0
            self.done_cache[(service, elapsed)] = done
        u = done + (1.0 - done) * self.rng.random()
        u = min(max(u, 1e-12), 1.0 - 1e-12)
        return max(math.exp(mu + sigma * STANDARD_NORMAL.inv_cdf(u)) - elapsed, 0.0)


def _bins(model: WaitModel) -> tuple[tuple[float, float], ...]:
    """(end, rate) of each arrival bin, in order."""
    a = model.arrivals
    return tuple((a.start + (i + 1) * a.bin_min, rate) for i, rate in enumerate(a.rates))


def _components(snapshot: Snapshot, model: WaitModel,
                services: Sequence[str]) -> dict[str, frozenset[str]]:
    """Desks that can affect one another: joined by a counter that serves both, by a
    transfer, or by a visit that goes from one to the other (transitively)."""
    group = {s: {s} for s in services}

    def join(desks: Sequence[str]) -> None:
        merged: set[str] = set()
        for d in desks:
            merged |= group.get(d, {d})
        for d in merged:
            group[d] = merged

    for c in snapshot.counters:
        join(c.services)
    for came_from, rows in model.transfers.items():
        join([came_from, *(to for to, _ in rows)])
    for visit, _ in model.arrivals.visits:
        join(visit.purposes)
    for w in snapshot.waiting:
        join([w.service_id, *w.next_purposes])
    for c in snapshot.counters:
        if c.held is not None:
            join([c.held.service_id, *c.held.next_purposes])
    return {s: frozenset(group[s]) for s in services}


def _cumulative(shares: Sequence[float]) -> list[float]:
    total = 0.0
    out = []
    for share in shares:
        total += share
        out.append(total)
    return out
