"""Which ticket a counter calls next, and why: ordering policy as data, not code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .appointments import AppointmentPolicy, slot_label
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
    appointment: bool = False  # an appointment's call does not count in the priority ratio


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
    appointments: AppointmentPolicy | None = None,
    tz: ZoneInfo | None = None,
) -> Choice | None:
    """Pick the next ticket for `counter`, or None when nobody it serves is waiting.

    Order of rules: anyone waiting longer than the boost limit first (oldest first); then a
    checked-in appointment whose slot has come (earliest slot first), unless a walk-in has
    waited `walk_in_bound_min` or longer; then the priority ratio; then, among normal
    tickets, the counter's mode: `weighted` takes the longest wait multiplied by the
    service's weight, `ordered` the first service in its list. Within one service and class,
    first come first served. An appointment that came early is called before its slot only
    when no walk-in waits for the counter.
    """
    normal, priority, booked = _heads(counter, lines)
    if not normal and not priority:
        pick = _oldest(booked)
        return None if pick is None else _appointment(pick, now, tz)

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

    due = _oldest([h for h in booked if h[0][0] <= now])
    bound = now - timedelta(minutes=(appointments or AppointmentPolicy()).walk_in_bound_min)
    if due is not None and not any(h[0][0] <= bound for h in normal + priority):
        return _appointment(due, now, tz)

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


Head = tuple[Entry, str, bool]


def _heads(counter: Counter,
           lines: Mapping[str, WaitingLine]) -> tuple[list[Head], list[Head], list[Head]]:
    """The first normal, priority and booked ticket of each service the counter serves."""
    normal: list[Head] = []
    priority: list[Head] = []
    booked: list[Head] = []
    for service_id in counter.services:
        line = lines.get(service_id)
        if line is None:
            continue
        if (h := line.head(False)) is not None:
            normal.append((h, service_id, False))
        if (h := line.head(True)) is not None:
            priority.append((h, service_id, True))
        if (h := line.head_booked()) is not None:
            booked.append((h, service_id, False))
    return normal, priority, booked


def _appointment(pick: tuple[Entry, str, bool], now: datetime, tz: ZoneInfo | None) -> Choice:
    (slot_at, ticket_id), service_id, _ = pick
    text = slot_label(slot_at, tz or ZoneInfo("Asia/Tokyo"))
    if slot_at > now:
        return Choice(ticket_id, service_id, False, "appointment_early",
                      f"{text}（早めの来所・ほかに待つ人なし）", appointment=True)
    return Choice(ticket_id, service_id, False, "appointment", text, appointment=True)


def _choice(pick: tuple[Entry, str, bool], code: str, text: str) -> Choice:
    (_, ticket_id), service_id, is_priority = pick
    return Choice(ticket_id, service_id, is_priority, code, text)
