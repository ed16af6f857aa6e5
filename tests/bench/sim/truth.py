"""The oracle's model: the scenario's true distributions written as a WaitModel.

Only the oracle reads this. Our estimator learns its WaitModel from event logs instead.
"""

from __future__ import annotations

import math
import random

from server.domain.wait_model import (
    Arrivals,
    Break,
    CounterDay,
    ServiceTime,
    Visit,
    WaitModel,
)

from .scenarios import BIN_MIN, OPENS_MIN, Scenario

PLANS = 400  # draws of each counter's day from the true break law


def lognormal_shape(mean: float, cv: float) -> ServiceTime:
    sigma = math.sqrt(math.log(1 + cv * cv))
    return ServiceTime(math.log(mean) - sigma * sigma / 2, sigma)


def true_model(s: Scenario, requeued_present: float, seed: int = 7) -> WaitModel:
    """`requeued_present` (who answers the second call after a no-show) depends on the mix
    of waits; the bench measures it from the true outcomes of the training days."""
    rng = random.Random(seed)
    visits = []
    for purposes, share in s.visits:
        visits.append((Visit(purposes, False), share * (1 - s.priority_share)))
        visits.append((Visit(purposes, True), share * s.priority_share))
    plans: dict[str, tuple[CounterDay, ...]] = {}
    for w in s.windows:
        days = []
        for _ in range(PLANS):
            breaks = []
            for nominal, length in w.breaks:
                start = nominal + rng.uniform(-s.break_jitter_min, s.break_jitter_min)
                shape = lognormal_shape(length, s.break_cv)
                breaks.append(Break(start, rng.lognormvariate(shape.mu, shape.sigma)))
            days.append(CounterDay(w.opens, tuple(sorted(breaks, key=lambda b: b.start))))
        plans[f"{s.site_id}-c{w.number}"] = tuple(days)
    return WaitModel(
        services={d.id: lognormal_shape(d.mean_min, d.cv) for d in s.desks},
        walk_min=sum(s.walk_min) / 2,
        grace_min=sum(s.grace_min) / 2,
        leave_at_once=s.away_share,
        leave_rate=1.0 / s.patience_mean_min,
        requeued_present=requeued_present,
        transfers=dict(s.transfers),
        arrivals=Arrivals(start=OPENS_MIN, bin_min=BIN_MIN, rates=tuple(s.rates()),
                          visits=tuple(visits)),
        counter_days=plans,
        days=PLANS,
    )
