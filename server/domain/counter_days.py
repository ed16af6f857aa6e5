"""How a counter's day may go on, given what is seen of it today and its past days.

A path of the forecast picks one learned day of each counter that agrees with today (has
the counter opened? how many pauses has it begun? is it paused now, and since when?) and
plays its remaining pauses: a counter pauses once its visitor is done.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .wait_model import Break, CounterDay
from .wait_state import CounterNow

INF = math.inf
OPEN, PAUSED, CLOSED, NOT_OPENED = 0, 1, 2, 3
BREAK_SLACK_MIN = 1.0  # a pause planned this long before the counter was free may still come
OPENING_SLACK_MIN = 30.0  # a counter this late in opening may still open
OVERRUN_MIN = 5.0  # a pause already longer than any seen: assume it ends this much later

Start = tuple[int, float, tuple[Break, ...]]  # a counter's state, next event, pauses to come


def counter_starts(now: CounterNow, plans: Sequence[CounterDay], t: float) -> list[Start]:
    """The ways this counter's day may go on, one per consistent past day (a path picks
    one at random): open with the pauses still to come, paused until a time, or not yet
    open. Learned days that contradict what is seen today are left out."""
    if now.status == "open":
        return [(OPEN, INF, b) for b in _breaks_to_come(now, plans, t)]
    if now.status == "paused" and now.held is not None:  # pauses once the visitor is done
        lefts = _pauses_left(now, plans, t)
        to_come = _breaks_to_come(now, plans, t)
        return [
            (OPEN, INF, (Break(t, left),) + to_come[i % len(to_come)])
            for i, (left, _) in enumerate(lefts)
        ]
    if now.status == "paused" or now.opened_today:
        return [(PAUSED, t + left, later) for left, later in _pauses_left(now, plans, t)]
    if not plans:
        return [(NOT_OPENED, t, ())]
    fits = [p for p in plans if p.opens >= t - OPENING_SLACK_MIN]
    if not fits:
        return [(CLOSED, INF, ())]
    out = []
    for plan in fits:
        opens = max(plan.opens, t)
        out.append(
            (NOT_OPENED, opens, tuple(Break(max(b.start, opens), b.length) for b in plan.breaks))
        )
    return out


def _breaks_to_come(
    now: CounterNow, plans: Sequence[CounterDay], t: float
) -> list[tuple[Break, ...]]:
    taken = now.breaks_taken
    # The counter was last free when it called its visitor (or is free now) and did not
    # pause then: its next pause was not due yet at that moment.
    free_since = now.held.called if now.held is not None else t
    fits = [p for p in plans if p.opens <= t + OPENING_SLACK_MIN and len(p.breaks) >= taken]
    likely = [
        p
        for p in fits
        if len(p.breaks) == taken or p.breaks[taken].start > free_since - BREAK_SLACK_MIN
    ]
    chosen = likely or fits
    if not chosen:
        return [()]
    return [tuple(Break(max(b.start, t), b.length) for b in p.breaks[taken:]) for p in chosen]


def _pauses_left(
    now: CounterNow, plans: Sequence[CounterDay], t: float
) -> list[tuple[float, tuple[Break, ...]]]:
    """How much longer the current pause lasts, and the pauses after it."""
    if not plans:
        return [(INF, ())]
    elapsed = t - now.since
    current = max(now.breaks_taken - 1, 0)
    fits = [p for p in plans if len(p.breaks) > current and p.breaks[current].length > elapsed]
    if not fits:
        return [(OVERRUN_MIN, ())]
    out = []
    for plan in fits:
        left = plan.breaks[current].length - elapsed
        out.append(
            (
                left,
                tuple(Break(max(b.start, t + left), b.length) for b in plan.breaks[current + 1 :]),
            )
        )
    return out
