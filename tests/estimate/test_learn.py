"""Learning a WaitModel from a small event log written by hand (a scripted day of the real
queue), where every figure can be checked against the script."""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta

import pytest

from server.domain.events import Event
from server.domain.forecast import TodayLog, day_start, minutes
from server.domain.learn import BIN_MIN, LogLearner
from server.domain.wait_model import WaitModel
from tests.domain.builders import OPENING, Desk

JOB_MIN = [8.0, 10.0, 12.0, 14.0, 16.0]
WALK_MIN = 0.5


def serve(desk: Desk, counter_id: str, service: str, service_min: float,
          transfer_to: str | None = None) -> datetime:
    """One visitor: issued, called at once, walks up, served, then finished or sent on.
    Returns when they were called."""
    q = desk.queue
    ticket = desk.issue(service, after=0)
    called = desk.now
    q.call(counter_id, ticket.id, called)
    q.start(ticket.id, desk.later(WALK_MIN), counter_id)
    desk.later(service_min)
    if transfer_to is None:
        q.finish(ticket.id, "consulted", desk.now, counter_id)
    else:
        q.transfer(ticket.id, transfer_to, desk.now, counter_id)
        q.cancel(ticket.id, desk.now)  # the visitor goes home from the next desk
    return called


def scripted_day() -> tuple[Desk, list[Event], dict[str, float]]:
    desk = Desk()
    q = desk.queue
    for c in ("c1", "c2", "c3"):
        q.set_counter(c, "open", desk.now)
    facts: dict[str, float] = {}
    called = desk.now
    for length in JOB_MIN:
        called = serve(desk, "c1", "job", length)
    # c1 stops for lunch the moment its last visitor leaves: the pause was due during
    # that visit, and lasts 45 minutes.
    origin = day_start(desk.site, desk.now)
    facts["planned"] = (minutes(origin, called) + minutes(origin, desk.now)) / 2
    q.set_counter("c1", "paused", desk.now)
    q.set_counter("c1", "open", desk.later(45))
    for i in range(5):
        serve(desk, "c2", "career", 20.0, transfer_to="job" if i == 0 else None)
    # Someone who left: called, recalled, put back once, called again, gone.
    gone = desk.issue("housing", after=0)
    facts["gone_waited"] = 30.0
    desk.later(facts["gone_waited"])
    for _ in range(2):
        q.call("c3", gone.id, desk.now)
        q.no_show(gone.id, desk.later(2.0), "c3")
    return desk, q.take_changes().events, facts


def test_service_times_are_fitted_lognormal_from_start_to_end_of_each_stage() -> None:
    desk, events, _ = scripted_day()
    model = LogLearner(desk.site).observe_all(events).model()
    job = model.services["job"]
    logs = [math.log(m) for m in JOB_MIN]
    assert job.mu == pytest.approx(statistics.mean(logs))
    assert job.sigma == pytest.approx(statistics.stdev(logs))
    assert job.mean == pytest.approx(math.exp(job.mu + job.sigma ** 2 / 2))
    assert model.services["career"].mean == pytest.approx(20.0)  # a transfer ends a stage too
    assert "housing" not in model.services  # nobody was served there: the default stands
    assert model.service("housing").mean == pytest.approx(WaitModel().service("housing").mean)


def test_transfers_walk_up_and_no_shows_are_learned_as_shares_and_means() -> None:
    desk, events, facts = scripted_day()
    model = LogLearner(desk.site).observe_all(events).model()
    ((to, share),) = model.transfers["career"]
    assert (set(model.transfers), to) == ({"career"}, "job")
    assert share == pytest.approx(1 / 5)
    assert model.walk_min == pytest.approx(WALK_MIN)
    assert model.grace_min == pytest.approx(2.0)
    # The one requeued visitor did not answer the second call: (0 + 1) / (1 + 2).
    assert model.requeued_present == pytest.approx(1 / 3)
    # Everyone answered at once except the one who left after 30 minutes.
    assert model.present(0.0) == pytest.approx(1.0, abs=0.05)
    assert model.present(facts["gone_waited"]) < 0.5


def test_arrivals_are_counted_per_quarter_hour_of_the_day() -> None:
    desk, events, _ = scripted_day()
    model = LogLearner(desk.site).observe_all(events).model()
    issued = [e for e in events if e.kind.value == "issued"]
    origin = day_start(desk.site, OPENING)
    bins = {int(minutes(origin, e.at) // BIN_MIN) for e in issued}
    total = sum(model.arrivals.rates) * BIN_MIN
    assert total == pytest.approx(len(issued))
    assert all(model.arrivals.rates[b] > 0 for b in bins)
    shares = dict((v.purposes, s) for v, s in model.arrivals.visits)
    assert shares[("job",)] == pytest.approx(len(JOB_MIN) / len(issued))


def test_a_pause_taken_when_a_visitor_left_is_dated_to_the_middle_of_that_visit() -> None:
    desk, events, facts = scripted_day()
    model = LogLearner(desk.site).observe_all(events).model()
    (c1_day,) = model.counter_days["c1"]
    assert c1_day.opens == pytest.approx(minutes(day_start(desk.site, OPENING), OPENING))
    (lunch,) = c1_day.breaks
    assert (lunch.start, lunch.length) == pytest.approx((facts["planned"], 45.0))
    assert model.counter_days["c2"][0].breaks == ()


def test_a_model_for_a_day_uses_only_the_days_before_it() -> None:
    desk, events, _ = scripted_day()
    learner = LogLearner(desk.site).observe_all(events)
    today = desk.site.business_day(OPENING)
    assert learner.model(before=today) == WaitModel()  # nothing before: the defaults
    assert learner.model(before=today + timedelta(days=1)).days == 1


def test_todays_log_counts_pauses_and_starts_again_the_next_day() -> None:
    desk, events, _ = scripted_day()
    log = TodayLog(desk.site)
    for event in events:
        log.observe(event)
    assert log.breaks == {"c1": 1}
    assert log.opened == {"c1", "c2", "c3"}
    desk.later(24 * 60)
    desk.queue.set_counter("c2", "paused", desk.now)
    for event in desk.queue.take_changes().events:
        log.observe(event)
    assert (log.breaks, log.opened) == ({"c2": 1}, set())
