"""The bench's centre with appointments (tests/bench/sim, scenario mid_appointments), one day
on the real SiteQueue: booked visitors check in, are called at their slot (or early when the
counter has nobody else), and the day's walk-ins keep being called."""

from __future__ import annotations

from datetime import date

from server.domain.events import EventKind
from tests.bench.sim.centre import Centre
from tests.bench.sim.local import LocalBackend
from tests.bench.sim.scenarios import MID_APPOINTMENTS, MID_MULTISKILL


def test_a_day_with_appointments_calls_them_at_their_slots() -> None:
    site = MID_APPOINTMENTS.site()
    assert site.service("career").booking is not None
    backend = LocalBackend(site, date(2031, 1, 6))
    centre = Centre(MID_APPOINTMENTS, backend, seed=7)
    day = centre.run()
    assert len(centre.booked) >= 5 and centre.arrived <= set(centre.booked)
    slots = {e.ticket_id: e.data["slot_at"] for e in backend.events
             if e.kind is EventKind.ISSUED and "slot_at" in e.data}
    assert len(slots) == len(centre.arrived)
    first_calls = {}
    for event in backend.events:
        if event.kind is EventKind.CALLED and event.ticket_id in slots:
            first_calls.setdefault(event.ticket_id, event)
    assert set(first_calls) == set(slots)  # every booked visitor who came was called
    for ticket_id, call in first_calls.items():
        if call.data["reason_code"] == "appointment":
            assert call.at.isoformat() >= slots[ticket_id]
        else:
            assert call.data["reason_code"] in ("appointment_early", "max_wait")
    walk_ins = day.visitors - len(slots)
    assert walk_ins > 30 and len(day.outcomes) >= walk_ins


def test_the_other_scenarios_draw_the_same_days_as_before() -> None:
    site = MID_MULTISKILL.site()
    assert site.service("career").booking is None
    one = Centre(MID_MULTISKILL, LocalBackend(site, date(2031, 1, 6)), seed=7)
    one.run()
    assert one.booked == [] and one.arrived == set()
