"""Appointments in the domain: slots, arrivals, and fair calling, with generated days.

- appointments are called at their time, within the bound the site sets for walk-ins;
- when nobody books, a site with bookable desks calls walk-ins in exactly the same order as
  a site without any;
- slots and refusals (past, too far, closed day, not bookable, off the grid).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.appointments import (
    AppointmentPolicy,
    Arrival,
    Booking,
    BookingRules,
    BookingStatus,
    LatePolicy,
    arrival,
    check_slot,
    new_code,
    normalise_code,
    slot_starts,
)
from server.domain.errors import Refusal
from server.domain.model import CounterState, Policy
from server.domain.ordering import choose_next
from server.domain.queues import WaitingLine
from server.domain.site_queue import SiteQueue
from tests.domain.builders import CAREER, JOB, OPENING, TOKYO, counter, make_site

FAST = settings(max_examples=60, database=None, derandomize=True, deadline=None)
WEEKDAYS_9_TO_5 = tuple((d, OPENING.time(), OPENING.replace(hour=17).time()) for d in range(5))
RULES = BookingRules(slot_minutes=30, per_slot=2, days_ahead=14)


def test_a_day_has_its_slots_and_a_closed_day_none() -> None:
    monday = OPENING.date()
    starts = slot_starts(RULES, WEEKDAYS_9_TO_5, frozenset(), monday, TOKYO)
    assert (starts[0].time().isoformat(), starts[-1].time().isoformat(), len(starts)) == (
        "09:00:00", "16:30:00", 16)
    assert slot_starts(RULES, WEEKDAYS_9_TO_5, frozenset({monday}), monday, TOKYO) == []
    saturday = monday + timedelta(days=5)
    assert slot_starts(RULES, WEEKDAYS_9_TO_5, frozenset(), saturday, TOKYO) == []
    own = replace(RULES, weekly=((0, OPENING.time(), OPENING.replace(hour=10).time()),))
    assert len(slot_starts(own, WEEKDAYS_9_TO_5, frozenset(), monday, TOKYO)) == 2


@pytest.mark.parametrize(("slot", "rules", "code"), [
    (OPENING - timedelta(minutes=30), RULES, "slot_past"),
    (OPENING + timedelta(days=21), RULES, "slot_too_far"),
    (OPENING + timedelta(days=5, hours=1), RULES, "booking_day_closed"),
    (OPENING + timedelta(minutes=40), RULES, "invalid_slot"),
    (OPENING + timedelta(hours=1), None, "not_bookable"),
])
def test_slot_refusals(slot: datetime, rules: BookingRules | None, code: str) -> None:
    with pytest.raises(Refusal) as refused:
        check_slot("career", rules, WEEKDAYS_9_TO_5, frozenset(), TOKYO, slot,
                   OPENING - timedelta(minutes=10))
    assert refused.value.code == code


def test_codes_are_long_and_read_back_however_typed() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000 and all(len(c) == 10 for c in codes)
    code = codes.pop()
    assert normalise_code(f" {code[:5].lower()}-{code[5:]} ") == code
    assert normalise_code(f"https://madoguchi.example/b/{code}") == code
    for bad in ("", "ABC", code + "X", code[:9] + "0"):
        with pytest.raises(Refusal) as refused:
            normalise_code(bad)
        assert refused.value.code == "unknown_booking"


def _booking(slot_at: datetime, status: BookingStatus = BookingStatus.BOOKED) -> Booking:
    return Booking(1, "kita", ("career",), slot_at, status, OPENING, "staff", "x" * 64)


@pytest.mark.parametrize(("minutes", "late", "expected"), [
    (-30, LatePolicy.WALK_IN, Arrival.EARLY),
    (0, LatePolicy.WALK_IN, Arrival.ON_TIME),
    (10, LatePolicy.WALK_IN, Arrival.ON_TIME),
    (11, LatePolicy.WALK_IN, Arrival.LATE_WALK_IN),
    (90, LatePolicy.KEEP, Arrival.LATE_KEPT),
])
def test_arrivals(minutes: int, late: LatePolicy, expected: Arrival) -> None:
    slot = OPENING + timedelta(hours=2)
    policy = AppointmentPolicy(grace_min=10, late=late)
    assert arrival(policy, _booking(slot), TOKYO, slot + timedelta(minutes=minutes)) is expected


@pytest.mark.parametrize(("status", "now", "code"), [
    (BookingStatus.CHECKED_IN, OPENING, "already_checked_in"),
    (BookingStatus.CANCELLED, OPENING, "booking_expired"),
    (BookingStatus.BOOKED, OPENING + timedelta(days=1), "booking_expired"),
    (BookingStatus.BOOKED, OPENING - timedelta(hours=3), "booking_not_yet"),
])
def test_arrival_refusals(status: BookingStatus, now: datetime, code: str) -> None:
    with pytest.raises(Refusal) as refused:
        arrival(AppointmentPolicy(), _booking(OPENING + timedelta(hours=1), status), TOKYO, now)
    assert refused.value.code == code


# ---- fair calling ----------------------------------------------------------------------------

SERVICES = {"job": JOB, "career": CAREER}
COUNTER = counter("c1", "job", "career")
WAITS = st.lists(st.tuples(st.integers(0, 120), st.booleans()), max_size=8)
SLOTS = st.lists(st.integers(-60, 60), max_size=4)


@FAST
@given(walk_ins=WAITS, slots=SLOTS, bound=st.integers(5, 60), boost=st.sampled_from([0, 90]))
def test_a_due_appointment_is_called_unless_a_walk_in_reached_the_bound(
        walk_ins: list[tuple[int, bool]], slots: list[int], bound: int, boost: int) -> None:
    """At any call: an appointment whose slot has come is chosen, unless a walk-in has waited
    `bound` minutes or more (then a walk-in is); early ones only when no walk-in waits."""
    now = OPENING + timedelta(hours=3)
    lines = {"job": WaitingLine(), "career": WaitingLine()}
    ticket_id = 0
    for waited, priority in walk_ins:
        ticket_id += 1
        lines["job"].add(now - timedelta(minutes=waited), ticket_id, priority)
    for offset in slots:
        ticket_id += 1
        lines["career"].add(now, ticket_id, False, slot_at=now + timedelta(minutes=offset))
    choice = choose_next(COUNTER, CounterState("c1"), Policy(max_wait_boost_min=boost), lines,
                         SERVICES, now, AppointmentPolicy(walk_in_bound_min=bound), TOKYO)
    if not walk_ins and not slots:
        assert choice is None
        return
    assert choice is not None
    due = [o for o in slots if o <= 0]
    overdue = [w for w, _ in walk_ins if w >= bound or (boost and w >= boost)]
    if due and not overdue:
        assert choice.appointment and choice.reason_code == "appointment"
        assert choice.reason.startswith("予約 ") and choice.reason[3:] == (
            now + timedelta(minutes=min(due))).strftime("%H:%M")
    elif walk_ins:
        assert not choice.appointment
    else:
        assert choice.reason_code == "appointment_early"


@FAST
@given(ops=st.lists(st.tuples(st.sampled_from(["issue", "call", "finish"]),
                              st.sampled_from(["job", "career"]), st.booleans(),
                              st.integers(0, 20)), max_size=40))
def test_walk_in_order_is_unchanged_when_nobody_books(
        ops: list[tuple[str, str, bool, int]]) -> None:
    """The same day at a site whose desk takes appointments (none booked) and at one whose
    desks take none: the same calls, in the same order, for the same reasons."""
    plain = make_site(counters=(COUNTER,))
    bookable = replace(plain, services=tuple(
        replace(s, booking=RULES) for s in plain.services),
        appointments=AppointmentPolicy(walk_in_bound_min=5))
    runs = []
    for site in (plain, bookable):
        queue, now, calls, next_id = SiteQueue(site), OPENING, [], 1
        for op, service, priority, minutes in ops:
            now += timedelta(minutes=minutes)
            try:
                if op == "issue":
                    queue.issue(next_id, [service], now, f"t{next_id}", priority)
                    next_id += 1
                elif op == "call":
                    choice = queue.call_next("c1", now)
                    calls.append((choice.ticket_id, choice.reason_code, choice.reason))
                else:
                    held = queue.counters["c1"].ticket_id
                    if held is not None:
                        queue.finish(held, "consulted", now, "c1")
            except Refusal as refusal:
                calls.append((0, refusal.code, ""))
        runs.append(calls)
    assert runs[0] == runs[1]


@FAST
@given(arrivals=st.lists(st.integers(-90, 30), min_size=1, max_size=6),
       walk_ins=st.lists(st.integers(0, 40), max_size=6))
def test_checked_in_appointments_are_called_in_slot_order_from_their_slot(
        arrivals: list[int], walk_ins: list[int]) -> None:
    """Through the site's queue: an appointment is never called before its slot while walk-ins
    wait, and a due one goes before walk-ins who have waited less than the bound."""
    site = replace(make_site(counters=(COUNTER,)),
                   appointments=AppointmentPolicy(walk_in_bound_min=30))
    queue = SiteQueue(site)
    now = OPENING + timedelta(hours=2)
    slots: dict[int, datetime] = {}
    next_id = 1
    for minutes in walk_ins:
        queue.issue(next_id, ["job"], now - timedelta(minutes=minutes), f"t{next_id}")
        next_id += 1
    for k, minutes in enumerate(arrivals):
        slot = now + timedelta(minutes=minutes + k)  # distinct slots
        queue.issue(next_id, ["career"], min(now, slot), f"t{next_id}", slot_at=slot)
        slots[next_id] = slot
        next_id += 1
    choice = queue.call_next("c1", now)
    due = {tid: at for tid, at in slots.items() if at <= now}
    waited = [m for m in walk_ins if m >= 30]
    if due and not waited:
        assert choice.ticket_id == min(due, key=lambda t: (due[t], t))
    if choice.ticket_id in slots:
        assert slots[choice.ticket_id] <= now or not walk_ins
