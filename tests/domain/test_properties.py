"""Property tests: ordering and state invariants hold over generated sequences of operations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from server.domain.clock import SimulatedClock
from server.domain.errors import Refusal
from server.domain.events import QUEUE_ENTRIES, Event, EventKind
from server.domain.model import AT_COUNTER, CounterMode, NoShowPolicy, Organisation, Service
from server.domain.site_queue import Changes, SiteQueue
from tests.domain.builders import CAREER, OPENING, Desk, counter, make_site, queue_state

FAST = settings(max_examples=60, database=None, derandomize=True, deadline=None)

# Two desks share one small band, so numbers wrap, skip live ones and can run out.
JOB = Service("job", "職業相談", Organisation.HELLO_WORK, prefix="A", last_number=8)
SEEK = Service("seek", "求人検索", Organisation.HELLO_WORK, prefix="A", last_number=8)
SERVICES = (JOB, SEEK, CAREER)
SERVICE_IDS = [s.id for s in SERVICES]
COUNTERS = (
    counter("c1", "job", "career", number=1, weights={"career": 2.0}),
    counter("c2", "seek", "career", number=2, mode=CounterMode.ORDERED),
    counter("c3", "job", "seek", "career", number=3),
)
COUNTER_IDS = [c.id for c in COUNTERS]
PURPOSES = st.lists(st.sampled_from(SERVICE_IDS), min_size=1, max_size=3, unique=True)
STEPS = [0, 0, 1, 2, 5, 15, 45, 20 * 60]  # minutes; the last one crosses into a new day


class QueueMachine(RuleBasedStateMachine):
    """Random operations on one site; every refusal must leave the queue as it was."""

    queue: SiteQueue
    clock: SimulatedClock

    @initialize(normal=st.integers(1, 3), every=st.integers(1, 3),
                boost=st.sampled_from([0, 15, 45]), no_show=st.sampled_from(list(NoShowPolicy)),
                arrivals=st.lists(st.tuples(PURPOSES, st.booleans()), min_size=1, max_size=6))
    def open_site(self, normal: int, every: int, boost: int, no_show: NoShowPolicy,
                  arrivals: list[tuple[list[str], bool]]) -> None:
        site = make_site(services=SERVICES, counters=COUNTERS, priority_normal=normal,
                         priority_every=every, max_wait_boost_min=boost, no_show=no_show)
        self.queue = SiteQueue(site)
        self.clock = SimulatedClock(OPENING)
        self.next_id = 1
        self.may_be_called: dict[int, bool] = {}
        self.transferred: dict[int, int] = {}  # ticket id -> stage it was transferred into
        self.newest_day = date.min  # the newest business day a ticket was issued on
        for purposes, priority in arrivals:  # the morning's first visitors
            self.issue(purposes, priority)

    # ---- running one operation -----------------------------------------------------------

    def run(self, operation: Callable[[], Any]) -> None:
        before = queue_state(self.queue)
        try:
            operation()
        except Refusal as refusal:
            event(f"refused: {refusal.code}")
            assert queue_state(self.queue) == before, "a refused operation changed the queue"
            assert not self.queue.take_changes()
            return
        changes = self.queue.take_changes()
        self.check_changes_cover_everything_changed(before, changes)
        for change in changes.events:
            assert change.at == self.clock.now()
            event(f"event: {change.kind.value}")
            self.follow(change, before[0])

    def check_changes_cover_everything_changed(self, before: Any, changes: Changes) -> None:
        tickets, _, counters, cursors, _, _ = before
        for ticket_id, ticket in self.queue.tickets.items():
            if tickets.get(ticket_id) != ticket:
                assert ticket_id in changes.tickets, "a ticket change would not be stored"
        for counter_id, state in self.queue.counters.items():
            if counters[counter_id] != state:
                assert counter_id in changes.counters, "a counter change would not be stored"
        for key, cursor in self.queue.cursors.items():
            if cursors.get(key) != cursor:
                assert key in changes.cursors

    def follow(self, event: Event, tickets_before: dict[int, Any]) -> None:
        ticket_id = event.ticket_id
        if ticket_id is None:
            return
        if event.kind is EventKind.ISSUED:
            # (5) business days never go back, whatever the clock does: a day's numbers
            # are not given again
            day = self.queue.tickets[ticket_id].business_day
            assert day >= self.newest_day, "a business day began again"
            self.newest_day = day
        if event.kind in QUEUE_ENTRIES or event.kind is EventKind.PARKED:
            self.may_be_called[ticket_id] = True
        if event.kind is EventKind.TRANSFERRED:
            ticket = self.queue.tickets[ticket_id]
            assert ticket.rank_at == ticket.issued_at  # (4) keeps its place in time
            self.transferred[ticket_id] = ticket.stage
        if event.kind is EventKind.CALLED:
            # (1) called again only after going back to a queue (or being set aside)
            assert self.may_be_called.get(ticket_id), f"ticket {ticket_id} called twice"
            self.may_be_called[ticket_id] = False
            if event.data["reason_code"] != "chosen":
                self.check_called_in_turn(tickets_before[ticket_id], tickets_before)

    def check_called_in_turn(self, called: Any, tickets_before: dict[int, Any]) -> None:
        """(2) FCFS within a desk and class; (4) nobody who came later jumps a transferee."""
        mine = (called.rank_at, called.id)
        for other in tickets_before.values():
            if (other.status.value == "waiting" and other.service_id == called.service_id
                    and other.priority == called.priority and other.id != called.id):
                assert mine < (other.rank_at, other.id), "called out of turn"
                if self.transferred.get(other.id) == other.stage:
                    assert called.rank_at <= other.rank_at

    def pick(self, kind: str, index: int) -> int:
        pools = {
            "held": [s.ticket_id for s in self.queue.counters.values() if s.ticket_id],
            "live": [t.id for t in self.queue.tickets.values() if t.live],
            "parked": [t.id for t in self.queue.tickets.values() if t.status.value == "parked"],
            "any": list(self.queue.tickets),
        }
        pool = sorted(pools[kind]) or sorted(self.queue.tickets)
        return pool[index % len(pool)] if pool else 999

    def where(self, ticket_id: int, at: str) -> str | None:
        if at == "own":
            ticket = self.queue.tickets.get(ticket_id)
            return ticket.counter_id if ticket else None
        return None if at == "any" else at

    # ---- rules -----------------------------------------------------------------------------

    @rule(minutes=st.sampled_from(STEPS))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    @rule(minutes=st.sampled_from([1, 30, 20 * 60, 30 * 60]))
    def clock_goes_back(self, minutes: int) -> None:
        """Someone sets the clock back, perhaps across the day's start."""
        self.clock.set(self.clock.now() - timedelta(minutes=minutes))

    @rule(purposes=PURPOSES, priority=st.booleans())
    def issue(self, purposes: list[str], priority: bool) -> None:
        ticket_id = self.next_id
        self.next_id += 1
        self.run(lambda: self.queue.issue(ticket_id, purposes, self.clock.now(), "t", priority))

    @rule(purposes=st.lists(st.sampled_from([*SERVICE_IDS, "legal"]), max_size=3))
    def issue_anything(self, purposes: list[str]) -> None:
        self.run(lambda: self.queue.issue(self.next_id, purposes, self.clock.now(), "t"))
        if self.next_id in self.queue.tickets:
            self.next_id += 1

    @rule(counter_id=st.sampled_from(COUNTER_IDS))
    def call_next(self, counter_id: str) -> None:
        self.run(lambda: self.queue.call_next(counter_id, self.clock.now()))

    @rule(counter_id=st.sampled_from(COUNTER_IDS), kind=st.sampled_from(["live", "any"]),
          index=st.integers(0, 30))
    def call(self, counter_id: str, kind: str, index: int) -> None:
        ticket_id = self.pick(kind, index)
        self.run(lambda: self.queue.call(counter_id, ticket_id, self.clock.now()))

    def at_counter(self, operation: str, ticket_id: int, where: str | None, outcome: str,
                   to: str) -> None:
        now, q = self.clock.now(), self.queue
        run: dict[str, Callable[[], Any]] = {
            "recall": lambda: q.recall(ticket_id, now, where),
            "start": lambda: q.start(ticket_id, now, where),
            "no_show": lambda: q.no_show(ticket_id, now, where),
            "finish": lambda: q.finish(ticket_id, outcome, now, where),
            "transfer": lambda: q.transfer(ticket_id, to, now, where),
        }
        self.run(run[operation])

    @rule(counter_id=st.sampled_from(COUNTER_IDS),
          then=st.sampled_from(["finish", "start", "no_show", "transfer", "park"]),
          outcome=st.sampled_from(["consulted", "placed"]), to=st.sampled_from(SERVICE_IDS))
    def serve_next(self, counter_id: str, then: str, outcome: str, to: str) -> None:
        """A counter's usual round: call the next visitor, then one more step."""
        self.run(lambda: self.queue.call_next(counter_id, self.clock.now()))
        held = self.queue.counters[counter_id].ticket_id
        if held is not None:
            self.clock.advance(timedelta(minutes=3))
            if then == "park":
                self.run(lambda: self.queue.park(held, self.clock.now()))
            else:
                self.at_counter(then, held, counter_id, outcome, to)

    @rule(operation=st.sampled_from(["recall", "start", "no_show", "finish", "finish",
                                     "transfer"]),
          index=st.integers(0, 30), outcome=st.sampled_from(["consulted", "placed"]),
          to=st.sampled_from(SERVICE_IDS))
    def serve_held_ticket(self, operation: str, index: int, outcome: str, to: str) -> None:
        """What a console mostly does: act on the ticket its counter holds."""
        ticket_id = self.pick("held", index)
        self.at_counter(operation, ticket_id, self.where(ticket_id, "own"), outcome, to)

    @rule(operation=st.sampled_from(["recall", "start", "no_show", "finish", "transfer"]),
          kind=st.sampled_from(["held", "live", "any"]), index=st.integers(0, 30),
          at=st.sampled_from(["own", "any", "c1", "c2"]),
          outcome=st.sampled_from(["consulted", "placed", "no-such"]),
          to=st.sampled_from([*SERVICE_IDS, "legal"]))
    def act_on_any_ticket(self, operation: str, kind: str, index: int, at: str, outcome: str,
                          to: str) -> None:
        ticket_id = self.pick(kind, index)
        self.at_counter(operation, ticket_id, self.where(ticket_id, at), outcome, to)

    @rule(operation=st.sampled_from(["park", "unpark", "cancel"]),
          kind=st.sampled_from(["held", "parked", "live", "any"]), index=st.integers(0, 30))
    def set_aside(self, operation: str, kind: str, index: int) -> None:
        ticket_id, now, q = self.pick(kind, index), self.clock.now(), self.queue
        run: dict[str, Callable[[], Any]] = {
            "park": lambda: q.park(ticket_id, now),
            "unpark": lambda: q.unpark(ticket_id, now),
            "cancel": lambda: q.cancel(ticket_id, now),
        }
        self.run(run[operation])

    @rule(counter_id=st.sampled_from(COUNTER_IDS),
          status=st.sampled_from(["open", "paused", "closed", "lunch"]))
    def set_counter(self, counter_id: str, status: str) -> None:
        self.run(lambda: self.queue.set_counter(counter_id, status, self.clock.now()))

    @rule(chance=st.integers(0, 4))
    def close_day(self, chance: int) -> None:
        if chance:  # the day ends seldom
            return
        self.run(lambda: self.queue.close_day(self.clock.now()))

    # ---- invariants ------------------------------------------------------------------------

    @invariant()
    def no_ticket_is_held_by_two_counters(self) -> None:
        held = [s.ticket_id for s in self.queue.counters.values() if s.ticket_id is not None]
        assert len(held) == len(set(held))
        for state in self.queue.counters.values():
            if state.ticket_id is not None:
                ticket = self.queue.tickets[state.ticket_id]
                assert ticket.status in AT_COUNTER and ticket.counter_id == state.counter_id
        at_counters = {t.id for t in self.queue.tickets.values() if t.status in AT_COUNTER}
        assert at_counters == set(held)

    @invariant()
    def live_labels_are_unique(self) -> None:
        labels = [t.label for t in self.queue.tickets.values() if t.live]
        assert len(labels) == len(set(labels))
        assert self.queue.live_labels == set(labels)

    @invariant()
    def lines_hold_exactly_the_waiting_tickets(self) -> None:
        for service_id, line in self.queue.lines.items():
            assert line.normal == sorted(line.normal)
            assert line.priority == sorted(line.priority)
            for is_priority, entries in ((False, line.normal), (True, line.priority)):
                expected = sorted(
                    (t.rank_at, t.id) for t in self.queue.tickets.values()
                    if t.status.value == "waiting" and t.service_id == service_id
                    and t.priority == is_priority
                )
                assert entries == expected


QueueMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=50, database=None, derandomize=True, deadline=None
)
TestQueueMachine = QueueMachine.TestCase


# ---- (3) the priority ratio ------------------------------------------------------------------

@FAST
@given(normal=st.integers(1, 4), every=st.integers(1, 4), rounds=st.integers(1, 4),
       desks=st.lists(st.sampled_from(["job", "career"]), min_size=1, max_size=2, unique=True),
       data=st.data())
def test_priority_ratio_holds_in_every_window_while_both_classes_wait(
    normal: int, every: int, rounds: int, desks: list[str], data: st.DataObject
) -> None:
    site = make_site(counters=(counter("c1", *desks),), priority_normal=normal,
                     priority_every=every, max_wait_boost_min=0)
    desk = Desk(site)
    # Enough of each class that neither line runs dry before the last call.
    arrivals = [False] * (rounds * normal + 1) + [True] * (rounds * every + 1)
    for is_priority in data.draw(st.permutations(arrivals)):
        service = data.draw(st.sampled_from(desks))
        desk.issue(service, priority=is_priority, after=data.draw(st.integers(0, 30)))
    calls = []
    for _ in range(rounds * (normal + every)):
        desk.later(data.draw(st.integers(0, 90)))
        ticket = desk.serve_and_finish()
        calls.append("P" if ticket.priority else "N")
    sequence = "".join(calls)
    assert sequence == ("N" * normal + "P" * every) * rounds
    width = normal + every
    for start in range(len(sequence) - width + 1):
        assert sequence[start:start + width].count("P") == every


# ---- (4) a transferred visitor keeps its place in time -----------------------------------------

@FAST
@given(before=st.lists(st.integers(0, 60), max_size=5), after=st.lists(st.integers(1, 60),
       max_size=5), served_for=st.integers(0, 90), data=st.data())
def test_transferred_visitor_is_called_before_everyone_who_came_later(
    before: list[int], after: list[int], served_for: int, data: st.DataObject
) -> None:
    site = make_site(counters=(counter("c1", "job"), counter("c2", "career")),
                     max_wait_boost_min=0)
    desk = Desk(site)
    q = desk.queue
    earlier = [desk.issue("career", after=m) for m in before]
    visitor = desk.issue("job", after=1)
    later = [desk.issue("career", after=m) for m in after]
    desk.call_next("c1", after=data.draw(st.integers(0, 30)))
    q.start(visitor.id, desk.later(served_for), "c1")
    q.transfer(visitor.id, "career", desk.later(5), "c1")
    assert (visitor.label, visitor.rank_at) == ("1", visitor.issued_at)
    called = [desk.serve_and_finish("c2").id for _ in range(len(earlier) + len(later) + 1)]
    assert called.index(visitor.id) == len(earlier)
    assert set(called[len(earlier) + 1:]) == {t.id for t in later}
