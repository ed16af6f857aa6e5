"""Which ticket a counter calls next, and why: ordering policy as data, not code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .model import Counter, CounterMode, CounterState, Policy, Service
from .queues import Entry, WaitingLine


@dataclass(frozen=True)
class Choice:
    """The ticket to call, with a short reason the console can show."""

    ticket_id: int
    service_id: str
    priority: bool
    reason_code: str
    reason: str


def priority_turn(state: CounterState, policy: Policy) -> bool:
    """Whether the ratio (for example 2 normal : 1 priority) gives the next call to priority."""
    if state.streak_priority:
        return state.streak < policy.priority_every
    return state.streak >= policy.priority_normal


def record_call(state: CounterState, priority: bool) -> None:
    """Advance the counter's ratio state after a call chosen by `choose_next`."""
    if state.streak_priority == priority:
        state.streak += 1
    else:
        state.streak_priority = priority
        state.streak = 1


def _oldest(
    heads: list[tuple[Entry, str, bool]],
) -> tuple[Entry, str, bool] | None:
    return min(heads, key=lambda h: h[0]) if heads else None


def choose_next(
    counter: Counter,
    state: CounterState,
    policy: Policy,
    lines: Mapping[str, WaitingLine],
    services: Mapping[str, Service],
    now: datetime,
) -> Choice | None:
    """Pick the next ticket for `counter`, or None when nobody it serves is waiting.

    Order of rules: anyone waiting longer than the boost limit first (oldest first); then
    the priority ratio; then, among normal tickets, the counter's mode: `weighted` takes the
    longest wait multiplied by the service's weight, `ordered` the first service in its list.
    Within one service and class, first come first served.
    """
    normal: list[tuple[Entry, str, bool]] = []
    priority: list[tuple[Entry, str, bool]] = []
    for service_id in counter.services:
        line = lines.get(service_id)
        if line is None:
            continue
        if (h := line.head(False)) is not None:
            normal.append((h, service_id, False))
        if (h := line.head(True)) is not None:
            priority.append((h, service_id, True))
    if not normal and not priority:
        return None

    if policy.max_wait_boost_min > 0:
        limit = now - timedelta(minutes=policy.max_wait_boost_min)
        overdue = [h for h in normal + priority if h[0][0] <= limit]
        if (pick := _oldest(overdue)) is not None:
            name = services[pick[1]].name
            return _choice(
                pick,
                "max_wait",
                f"waited over {policy.max_wait_boost_min} min since arrival (now for {name})",
            )

    total = policy.priority_normal + policy.priority_every
    if priority and (not normal or priority_turn(state, policy)):
        pick = _oldest(priority)
        assert pick is not None
        text = f"priority {policy.priority_every} of {total}" if normal else "priority"
        return _choice(pick, "priority", text)

    if counter.mode is CounterMode.ORDERED:
        pick = normal[0]
        return _choice(pick, "service_order", f"first in order: {services[pick[1]].name}")

    def weighted_wait(h: tuple[Entry, str, bool]) -> tuple[float, datetime, int]:
        waited = (now - h[0][0]).total_seconds()
        return (-waited * counter.weight(h[1]), h[0][0], h[0][1])

    pick = min(normal, key=weighted_wait)
    weight = counter.weight(pick[1])
    suffix = f" (weight {weight:g})" if weight != 1.0 else ""
    return _choice(pick, "longest_wait", f"longest waiting in {services[pick[1]].name}{suffix}")


def _choice(pick: tuple[Entry, str, bool], code: str, text: str) -> Choice:
    (_, ticket_id), service_id, is_priority = pick
    return Choice(ticket_id, service_id, is_priority, code, text)
