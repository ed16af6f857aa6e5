"""Training and test days of one scenario: learn from some days, score on others.

Training days are simulated and only their event logs are kept for the learner (plus, for
the oracle, the true share of requeued no-shows who answer the second call). On a test
day, at every queue entry (issue, next desk, transfer) each predictor sees the same
observable state and gives its estimate; the actual wait until the first call is known at
the end of the day. Predictors never change the day, so they are compared on identical days.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from server.domain.estimate import ServiceTimes, estimate_for
from server.domain.forecast import (
    Forecaster,
    TodayLog,
    capped,
    observe,
    stable_seed,
    stated_range,
)
from server.domain.learn import LogLearner
from server.domain.pathsim import PathSimulator
from server.domain.wait_model import WaitModel

from . import baselines
from .centre import Centre, Entry
from .local import LocalBackend
from .scenarios import SCENARIOS, Scenario
from .truth import true_model

TRAIN_DATE = date(2030, 1, 7)
TEST_DATE = date(2031, 1, 6)
IDS_PER_DAY = 100_000

Prediction = tuple[float, int | None, int | None]


@dataclass
class Setup:
    """What a test day needs, picklable for the worker processes."""

    scenario: str
    ours: WaitModel
    truth: WaitModel
    ours_paths: int
    oracle_paths: int
    level: float
    means: dict[str, float]
    current: ServiceTimes  # the server's present estimator, warmed on the training days
    timing_every: int = 10


@dataclass
class Record:
    wait: float  # until the first call of this entry
    delayed: bool  # not called at once
    present: bool  # the visitor answered that call (else a no-show: left, or away)
    kind: str
    predictions: dict[str, Prediction]
    oracle_var: float


@dataclass
class DayResult:
    index: int
    records: list[Record] = field(default_factory=list)
    ours_ms: list[float] = field(default_factory=list)
    site_ms: list[tuple[int, float]] = field(default_factory=list)  # (waiting, ms)
    visitors: int = 0
    entries: int = 0
    no_shows: int = 0
    absent_at_call: int = 0


def train(scenario: Scenario, days: int) -> tuple[WaitModel, float, ServiceTimes, int]:
    """Simulate `days` training days; learn from their logs. Also returns the true share of
    requeued visitors who answered the second call (for the oracle only)."""
    site = scenario.site()
    learner = LogLearner(site, keep_days=days + 1)
    current = ServiceTimes()
    answered = asked = events = 0
    for i in range(days):
        day = TRAIN_DATE + timedelta(days=i)
        backend = LocalBackend(site, day, first_ticket_id=(i + 1) * IDS_PER_DAY,
                               listeners=[learner.observe, current.observe])
        result = Centre(scenario, backend, stable_seed(scenario.name, "train", i)).run()
        events += len(backend.events)
        for entry in result.entries:
            outcome = result.outcomes.get((entry.ticket, entry.stage))
            if entry.kind == "requeued" and outcome is not None:
                asked += 1
                answered += outcome.present
    share = answered / asked if asked else 0.0
    return learner.model(), share, current, events


def make_setup(name: str, train_days: int, ours_paths: int, oracle_paths: int,
               level: float) -> tuple[Setup, int]:
    scenario = SCENARIOS[name]
    learned, share, current, events = train(scenario, train_days)
    truth = true_model(scenario, share)
    walk = truth.walk_min
    means = {d.id: d.mean_min + walk for d in scenario.desks}
    return Setup(name, learned, truth, ours_paths, oracle_paths, level, means, current), events


def run_day(setup: Setup, index: int) -> DayResult:
    """One test day: every predictor at every entry, then the actual waits."""
    scenario = SCENARIOS[setup.scenario]
    site = scenario.site()
    out = DayResult(index)
    today = TodayLog(site)
    history = baselines.DelayHistory()
    current = copy.deepcopy(setup.current)  # the server's estimator learns as the day goes
    backend = LocalBackend(site, TEST_DATE + timedelta(days=index),
                           first_ticket_id=(index + 1) * IDS_PER_DAY,
                           listeners=[today.observe, history.observe, current.observe])
    ours = Forecaster(setup.ours, setup.ours_paths, setup.level)
    pending: dict[tuple[int, int], tuple[dict[str, Prediction], float]] = {}

    def on_entry(entry: Entry) -> None:
        now = backend.at(entry.at)
        upcoming = [(backend.at(slot), desk) for slot, desk in centre.upcoming()]
        snap = observe(backend.queue, now, today, upcoming)
        seed = stable_seed(setup.scenario, index, entry.ticket, entry.stage)
        started = time.perf_counter()
        mine = ours.estimates(snap, {entry.ticket}, seed)[entry.ticket]
        out.ours_ms.append((time.perf_counter() - started) * 1000)
        if len(out.ours_ms) % setup.timing_every == 0:
            started = time.perf_counter()
            ours.estimates(snap, None, seed)
            out.site_ms.append((len(snap.waiting), (time.perf_counter() - started) * 1000))
        waits = sorted(capped(PathSimulator(snap, setup.truth, seed + 1).run(
            setup.oracle_paths, {entry.ticket})[entry.ticket]))
        mean = sum(waits) / len(waits)
        var = sum((w - mean) ** 2 for w in waits) / (len(waits) - 1)
        low, high = stated_range(waits, setup.level, mean)
        predictions: dict[str, Prediction] = {
            "ours": (mine.point_min, mine.low_min, mine.high_min) if mine else (0.0, 0, 5),
            "oracle": (mean, low, high),
        }
        predictions.update(baselines.predict(snap, entry.ticket, setup.means, history,
                                             setup.level))
        ticket = backend.queue.tickets[entry.ticket]
        v1 = estimate_for(backend.queue, ticket, current, snap.ahead_of(entry.ticket))
        if v1 is not None:
            predictions["server_v1"] = ((v1.low_min + v1.high_min) / 2, v1.low_min, v1.high_min)
        pending[(entry.ticket, entry.stage)] = (predictions, var)

    centre = Centre(scenario, backend, stable_seed(setup.scenario, "test", index), on_entry)
    day = centre.run()
    out.visitors, out.no_shows = day.visitors, day.no_shows
    for entry in day.entries:
        if entry.kind == "requeued":
            continue
        out.entries += 1
        outcome = day.outcomes.get((entry.ticket, entry.stage))
        if outcome is None:
            continue
        out.absent_at_call += not outcome.present
        predictions, var = pending[(entry.ticket, entry.stage)]
        wait = outcome.called - entry.at
        out.records.append(Record(wait, wait > 1e-9, outcome.present, entry.kind,
                                  predictions, var))
    return out
