"""The classical predictors the estimate is compared with (all from what is observable).

- naive: people ahead × mean service time ÷ open counters
- ql: the M/M/s queue-length estimate (n+1)/(sμ), with an Erlang(n+1, sμ) range
- hol: the elapsed wait of the visitor at the head of the line (Ibrahim & Whitt)
- les: the wait of the last visitor of this desk to enter service (Ibrahim & Whitt)

They are given the true mean time a counter spends per visitor (walk-up plus service), so
they are judged on their structure, not on estimating parameters. Each says 0 when a
counter that serves the desk is free.
"""

from __future__ import annotations

import math
from datetime import datetime

from server.domain.events import QUEUE_ENTRIES, Event, EventKind
from server.domain.forecast import GRID_MIN, range_on_grid
from server.domain.wait_state import Snapshot

NAMES = ("naive", "ql", "hol", "les")
Prediction = tuple[float, int | None, int | None]  # point, range low, range high


class DelayHistory:
    """Listens to the day's events: the wait of the last visitor to start service, per desk."""

    def __init__(self) -> None:
        self.entered: dict[int, datetime] = {}
        self.called: dict[int, datetime] = {}
        self.last_started: dict[str, float] = {}

    def observe(self, event: Event) -> None:
        if event.ticket_id is None:
            return
        if event.kind in QUEUE_ENTRIES:
            self.entered[event.ticket_id] = event.at
        elif event.kind is EventKind.CALLED:
            self.called[event.ticket_id] = event.at
        elif event.kind is EventKind.STARTED and event.service_id is not None:
            entered = self.entered.get(event.ticket_id)
            called = self.called.get(event.ticket_id)
            if entered is not None and called is not None:
                self.last_started[event.service_id] = (called - entered).total_seconds() / 60


def erlang_cdf(x: float, shape: int, rate: float) -> float:
    if x <= 0:
        return 0.0
    lx = rate * x
    term = math.exp(-lx)
    total = term
    for k in range(1, shape):
        term *= lx / k
        total += term
    return max(0.0, 1.0 - total)


def predict(snap: Snapshot, ticket_id: int, means: dict[str, float],
            history: DelayHistory, level: float) -> dict[str, Prediction]:
    mine = next(w for w in snap.waiting if w.ticket_id == ticket_id)
    serving = [c for c in snap.counters if mine.service_id in c.services]
    if any(c.status == "open" and c.held is None for c in serving):
        return {name: (0.0, 0, GRID_MIN) if name == "ql" else (0.0, None, None)
                for name in NAMES}
    n = snap.ahead_of(ticket_id)
    s = max(sum(1 for c in serving if c.status == "open"), 1)
    m = means[mine.service_id]
    ql = (n + 1) * m / s
    ahead = sorted((w.rank, w.ticket_id, w.entered) for w in snap.waiting
                   if w.service_id == mine.service_id and w.ticket_id != ticket_id)
    hol = snap.now - ahead[0][2] if ahead else ql
    les = history.last_started.get(mine.service_id, ql)
    rate = s / m
    top = math.ceil((ql + 6 * math.sqrt(n + 1) / rate) / GRID_MIN) + 2
    cdf = [erlang_cdf(GRID_MIN * i, n + 1, rate) for i in range(top)] + [1.0]
    low, high = range_on_grid(cdf, level, ql)
    return {"naive": (n * m / s, None, None), "ql": (ql, low, high),
            "hol": (hol, None, None), "les": (les, None, None)}
