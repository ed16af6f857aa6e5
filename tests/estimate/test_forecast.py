"""The forecast on cases with a known answer: fixed service times, nobody leaving, no
newcomers, so every path is the same and the wait can be worked out by hand."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest

from server.domain.errors import Conflict
from server.domain.forecast import (
    Estimate,
    Forecaster,
    TodayLog,
    observe,
    range_on_grid,
    stated_range,
)
from server.domain.model import CounterMode, Site
from server.domain.pathsim import PathSimulator
from server.domain.wait_model import Break, CounterDay, ServiceTime, WaitModel
from tests.domain.builders import Desk, counter, make_site

SERVICE_MIN = 10.0


def fixed_model(**changes: object) -> WaitModel:
    """Every service takes exactly 10 minutes, from the call; nobody leaves; nobody new."""
    model = WaitModel(services={s: ServiceTime(math.log(SERVICE_MIN), 0.0)
                                for s in ("job", "career", "housing")},
                      walk_min=0.0, leave_at_once=0.0, leave_rate=0.0)
    return WaitModel(**{**model.__dict__, **changes})


def job_desk(*counters: str) -> Desk:
    desk = Desk(make_site(counters=tuple(counter(c, "job", number=i + 1)
                                         for i, c in enumerate(counters))))
    for c in counters:
        desk.queue.set_counter(c, "open", desk.now)
    return desk


def serve_at(desk: Desk, counter_id: str) -> int:
    """Call the next visitor at `counter_id` and start serving them now."""
    ticket = desk.queue.call_next(counter_id, desk.now).ticket_id
    desk.queue.start(ticket, desk.now, counter_id)
    return ticket


def forecast(desk: Desk, ticket_id: int, model: WaitModel | None = None) -> Estimate:
    snapshot = observe(desk.queue, desk.now)
    found = Forecaster(model or fixed_model(), paths=8).estimates(snapshot)[ticket_id]
    assert found is not None
    return found


def test_one_counter_fixed_service_waits_for_the_rest_of_the_service_and_everyone_ahead() -> None:
    desk = job_desk("c1")
    desk.issue("job", after=0)
    serve_at(desk, "c1")
    for _ in range(3):
        desk.issue("job", after=0)
    mine = desk.issue("job", after=0)
    desk.later(4)  # the visitor at the counter has 6 of their 10 minutes to go
    estimate = forecast(desk, mine.id)
    assert estimate.ahead == 3
    assert estimate.point_min == pytest.approx(6 + 3 * SERVICE_MIN)
    assert (estimate.low_min, estimate.high_min) == (35, 40)  # every path agrees: one step
    assert estimate.text == "約35〜40分"


def test_two_identical_counters_halve_the_wait_behind_the_first_release() -> None:
    one, two = job_desk("c1"), job_desk("c1", "c2")
    for desk, counters in ((one, ("c1",)), (two, ("c1", "c2"))):
        for c in counters:
            desk.issue("job", after=0)
            serve_at(desk, c)
    mine_one = [one.issue("job", after=0) for _ in range(7)][-1]
    mine_two = [two.issue("job", after=0) for _ in range(7)][-1]
    one.later(4)
    two.later(4)
    first_release = SERVICE_MIN - 4
    alone, pair = forecast(one, mine_one.id), forecast(two, mine_two.id)
    assert alone.point_min == pytest.approx(first_release + 6 * SERVICE_MIN)
    assert pair.point_min == pytest.approx(first_release + 3 * SERVICE_MIN)
    assert pair.point_min - first_release == pytest.approx((alone.point_min - first_release) / 2)


def test_a_paused_counter_serves_nobody_while_it_has_no_known_return() -> None:
    desk = job_desk("c1", "c2")
    desk.issue("job", after=0)
    serve_at(desk, "c1")
    desk.queue.set_counter("c2", "paused", desk.now)
    mine = [desk.issue("job", after=0) for _ in range(4)][-1]
    desk.later(4)
    assert forecast(desk, mine.id).point_min == pytest.approx(SERVICE_MIN - 4 + 3 * SERVICE_MIN)


def test_a_paused_counter_comes_back_when_its_learned_break_ends() -> None:
    desk = job_desk("c1", "c2")
    desk.issue("job", after=0)
    serve_at(desk, "c1")
    desk.queue.set_counter("c2", "paused", desk.now)
    log = TodayLog(desk.site)
    for event in desk.queue.take_changes().events:
        log.observe(event)
    mine = [desk.issue("job", after=0) for _ in range(4)][-1]
    desk.later(4)
    pause_began = observe(desk.queue, desk.now, log).counters[1].since
    # c2's pauses on past days lasted 15 minutes: back 11 minutes from now.
    model = fixed_model(counter_days={"c2": (CounterDay(0.0, (Break(pause_began, 15.0),)),)})
    snapshot = observe(desk.queue, desk.now, log)
    waits = Forecaster(model, paths=4).samples(snapshot)[mine.id]
    # c1 calls at 6 and 16, c2 is back at 11 and calls again at 21: the fourth in line goes
    # at 21, not at 36 as it would if c2 stayed away.
    assert waits == pytest.approx([21.0] * 4)


def test_a_counter_owing_its_lunch_break_takes_it_once_its_visitor_is_done() -> None:
    desk = job_desk("c1")
    desk.issue("job", after=0)
    serve_at(desk, "c1")
    first, second = desk.issue("job", after=0), desk.issue("job", after=0)
    desk.later(4)
    now = observe(desk.queue, desk.now).now
    # On past days c1 went to lunch for 30 minutes at about this time (in 5 minutes).
    model = fixed_model(counter_days={"c1": (CounterDay(0.0, (Break(now + 5, 30.0),)),)})
    waits = Forecaster(model, paths=4).samples(observe(desk.queue, desk.now))
    # Its visitor leaves at 6, then lunch until 36: the next two go at 36 and 46.
    assert waits[first.id] == pytest.approx([36.0] * 4)
    assert waits[second.id] == pytest.approx([46.0] * 4)


def test_a_priority_visitor_who_came_later_is_served_first_when_it_is_their_turn() -> None:
    desk = job_desk("c1")
    for _ in range(2):  # two normal calls in a row: the 2:1 ratio gives priority the next
        desk.issue("job", after=0)
    serve_at(desk, "c1")
    desk.queue.finish(desk.queue.counters["c1"].ticket_id or 0, "consulted", desk.now, "c1")
    serve_at(desk, "c1")
    before = desk.issue("job", after=0)
    mine = desk.issue("job", after=0)
    desk.issue("job", priority=True, after=0)
    estimate = forecast(desk, mine.id)
    assert estimate.ahead == 1  # the screens count by place: the priority visitor came later
    assert estimate.point_min == pytest.approx(SERVICE_MIN + 2 * SERVICE_MIN)
    assert forecast(desk, before.id).point_min == pytest.approx(2 * SERVICE_MIN)


def test_nobody_is_told_a_time_when_no_counter_will_serve_their_desk() -> None:
    desk = job_desk("c1")
    desk.queue.set_counter("c1", "paused", desk.now)
    mine = desk.issue("job")
    snapshot = observe(desk.queue, desk.now)
    assert Forecaster(fixed_model(), paths=4).estimates(snapshot)[mine.id] is None


def test_a_free_counter_means_almost_no_wait() -> None:
    desk = job_desk("c1")
    mine = desk.issue("job")
    estimate = forecast(desk, mine.id)
    assert (estimate.point_min, estimate.low_min, estimate.high_min) == (0.0, 0, 5)
    assert estimate.text == "まもなく"


def test_the_stated_range_is_the_grid_interval_nearest_its_level() -> None:
    # P(wait < 0, 5, 10, 15, 20, 25) = 0, .05, .15, .6, .95, 1
    assert range_on_grid([0.0, 0.05, 0.15, 0.6, 0.95, 1.0], 0.8) == (10, 20)
    assert stated_range(sorted([16.0, 17.0, 18.0, 19.0]), 0.8) == (15, 20)
    assert stated_range([0.0, 0.0, 1.0], 0.8) == (0, 5)


def test_the_forecast_calls_in_the_order_the_server_would(  # noqa: C901 (a driver loop)
) -> None:
    """Random sites (weights, ordered desks, priority ratios, the maximum-wait boost, several
    purposes): with fixed service times every path must call each waiting ticket exactly
    when the real SiteQueue, driven the same way, calls it."""
    for seed in range(60):
        rng = random.Random(seed)
        desk, site = random_busy_desk(rng)
        snapshot = observe(desk.queue, desk.now)
        predicted = PathSimulator(snapshot, fixed_model(), seed).run(1)
        actual = drive(desk, site)
        assert {t: w[0] for t, w in predicted.items()} == pytest.approx(actual), seed


def random_busy_desk(rng: random.Random) -> tuple[Desk, Site]:
    desks = ["job", "career", "housing"]
    counters = []
    for i in range(rng.randint(1, 4)):
        serves = rng.sample(desks, rng.randint(1, 3))
        mode = rng.choice([CounterMode.WEIGHTED, CounterMode.ORDERED])
        weights = ({s: rng.choice([1.0, 1.5, 2.0]) for s in serves}
                   if mode is CounterMode.WEIGHTED and rng.random() < 0.5 else None)
        counters.append(counter(f"c{i}", *serves, number=i + 1, mode=mode, weights=weights))
    site = make_site(counters=tuple(counters), max_wait_boost_min=rng.choice([0, 30, 60]),
                     priority_normal=rng.choice([1, 2, 3]), priority_every=rng.choice([1, 2]))
    desk = Desk(site)
    for c in counters:
        desk.queue.set_counter(c.id, "open", desk.now)
    served = sorted({s for c in counters for s in c.services})
    for _ in range(rng.randint(3, 25)):
        purposes = rng.sample(served, rng.randint(1, min(2, len(served))))
        desk.issue(*purposes, priority=rng.random() < 0.25, after=rng.uniform(0, 5))
    for c in counters:
        if rng.random() < 0.7:
            try:
                serve_at(desk, c.id)
            except Conflict:
                pass
    desk.later(1)
    return desk, site


def drive(desk: Desk, site: Site) -> dict[int, float]:
    """Run the real queue on: every service takes 10 minutes; a free counter calls at once
    (one that has been idle longest first when a visitor joins a line)."""
    queue, start = desk.queue, desk.now
    order = [c.id for c in site.counters]
    waiting = {t.id for s in queue.lines for t in queue.waiting(s)}
    busy_until = {c: start - timedelta(minutes=1) + timedelta(minutes=SERVICE_MIN)
                  for c in order if queue.counters[c].ticket_id is not None}
    idle: dict[str, float] = {}
    called: dict[int, float] = {}

    def call(c: str, at: float) -> None:
        now = start + timedelta(minutes=at)
        try:
            ticket = queue.call_next(c, now).ticket_id
        except Conflict:
            idle[c] = at
            return
        idle.pop(c, None)
        if ticket in waiting:
            called.setdefault(ticket, at)
        queue.start(ticket, now, c)
        busy_until[c] = now + timedelta(minutes=SERVICE_MIN)

    for c in order:
        if c not in busy_until:
            call(c, 0.0)
    while busy_until:
        c = min(busy_until, key=lambda k: (busy_until[k], order.index(k)))
        now = busy_until.pop(c)
        at = (now - start).total_seconds() / 60
        done = queue.finish(queue.counters[c].ticket_id or 0, "consulted", now, c)
        if done.status.value == "waiting":
            free = [k for k in idle if done.service_id in site.counter(k).services]  # type: ignore[union-attr]
            if free:
                call(min(free, key=lambda k: (idle[k], order.index(k))), at)
        call(c, at)
    return called


def test_appointments_coming_up_lengthen_a_walk_ins_wait_by_their_service() -> None:
    """One counter, fixed 10-minute services, one visitor being served (6 minutes to go) and
    a walk-in behind: alone, called in 6 minutes; with an appointment due in 3 minutes checked
    in early, the appointment takes the counter first: 6 + 10 minutes; booked and not yet
    come, on the paths where it comes."""
    desk = job_desk("c1")
    desk.issue("job", after=0)
    serve_at(desk, "c1")
    mine = desk.issue("job", after=0)
    desk.later(4)
    alone = forecast(desk, mine.id)
    assert alone.point_min == pytest.approx(6)
    slot = desk.now + timedelta(minutes=3)
    snapshot = observe(desk.queue, desk.now, upcoming=[(slot, "job")])
    booked = Forecaster(fixed_model(), paths=40).estimates(snapshot)[mine.id]
    # a booking not yet checked in comes on most paths (APPOINTMENT_SHOW), not all
    assert booked is not None and 6 < booked.point_min < 16 and booked.high_min >= 16
    # the same appointment checked in (early) and waiting for its slot
    desk.queue.issue(99, ["job"], desk.now, "t99", slot_at=slot)
    checked_in = forecast(desk, mine.id)
    assert checked_in.point_min == pytest.approx(16)
    # an appointment for another desk changes nothing
    other = observe(desk.queue, desk.now, upcoming=[(slot, "career")])
    assert Forecaster(fixed_model(), paths=8).estimates(other)[mine.id].point_min == \
        pytest.approx(16)
