"""The site file's appointment keys: a desk's `booking` table and a site's `appointments`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

from server import sitekeys
from server.domain.appointments import AppointmentPolicy, BookingRules, LatePolicy
from server.tomlread import Table

Weekly = tuple[tuple[int, time, time], ...]


def read_booking(t: Table | None, weekly: Callable[[Table], Weekly]) -> BookingRules | None:
    """`[services.<id>.booking]`, or None: the desk takes no appointments."""
    if t is None:
        return None
    t.check_keys(tuple(sitekeys.BOOKING))
    minutes = t.integer("slot_minutes", 30, minimum=5)
    if minutes > 8 * 60:
        t.fail(f"a slot of {minutes} minutes is longer than a working day", "slot_minutes")
    return BookingRules(
        slot_minutes=minutes,
        per_slot=t.integer("per_slot", 1),
        weekly=weekly(t) if t.has("hours") else (),
        days_ahead=t.integer("days_ahead", 30),
        walk_in_slots=t.integer("walk_in_slots", 0, minimum=0),
    )


def read_appointments(t: Table) -> AppointmentPolicy:
    """A site's (or the defaults') `appointments = { … }`."""
    table = t.table("appointments")
    assert table is not None
    table.check_keys(tuple(sitekeys.APPOINTMENTS))
    base = AppointmentPolicy()
    return AppointmentPolicy(
        public=table.boolean("public", base.public),
        contact=table.boolean("contact", base.contact),
        grace_min=table.integer("grace_minutes", base.grace_min, minimum=0),
        late=table.choice("late", LatePolicy, base.late),
        early_min=table.integer("early_minutes", base.early_min, minimum=0),
        walk_in_bound_min=table.integer("walk_in_bound_minutes", base.walk_in_bound_min),
        names_in_calendar=table.boolean("names_in_calendar", base.names_in_calendar),
    )


def booking_table(rules: BookingRules) -> dict[str, Any]:
    """A desk's booking rules as the site file writes them (for an administrator's change,
    stored and read back by `read_booking`)."""
    table: dict[str, Any] = {"slot_minutes": rules.slot_minutes, "per_slot": rules.per_slot,
                             "days_ahead": rules.days_ahead,
                             "walk_in_slots": rules.walk_in_slots}
    if rules.weekly:
        table["hours"] = {sitekeys_weekday(day): f"{opens:%H:%M}-{closes:%H:%M}"
                          for day, opens, closes in rules.weekly}
    return table


def sitekeys_weekday(day: int) -> str:
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day]
