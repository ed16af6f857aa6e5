"""The appointments report: bookings, check-ins, no-shows and lateness, the waits of booked
and walk-in visitors side by side, and slot use, per day and desk.

Read from the `bookings` table and the event log of the days' tickets (in gevent's thread
pool, like the other reports). A booked visitor's wait runs from their slot (or their
arrival, if later) to their first call; a walk-in's from the issue to the first call; a
booking still `booked` after its day is a no-show.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from ..domain.appointments import Booking, BookingStatus, slot_starts
from ..domain.model import Site
from ..store import bookings as booking_store
from ..store import schema
from ..store.db import as_utc

HEADER = ["日", "用件", "予約枠", "予約", "取消", "受付", "遅刻", "不在", "枠の利用率(%)",
          "遅れ平均(分)", "予約の方の待ち平均(分)", "予約なしの方の待ち平均(分)"]


@dataclass
class _Day:
    slots: int = 0
    booked: int = 0
    cancelled: int = 0
    checked_in: int = 0
    late: int = 0
    no_show: int = 0
    lateness: list[float] = field(default_factory=list)
    booked_waits: list[float] = field(default_factory=list)
    walk_in_waits: list[float] = field(default_factory=list)


def report(reader: Engine, site: Site, first: date, last: date, today: date) -> dict[str, Any]:
    bookings = booking_store.between(reader, [site.id], first, last)
    days = _offered(site, first, last)
    by_ticket: dict[int, Booking] = {}
    for b in bookings:
        entry = days[(b.slot_at.astimezone(site.tz).date(), b.service_id)]
        entry.booked += 1
        if b.status is BookingStatus.CANCELLED:
            entry.cancelled += 1
        elif b.status is BookingStatus.CHECKED_IN:
            entry.checked_in += 1
            entry.late += b.late
            if b.checked_in_at is not None and b.checked_in_at > b.slot_at:
                entry.lateness.append((b.checked_in_at - b.slot_at).total_seconds() / 60)
            if b.ticket_id is not None:
                by_ticket[b.ticket_id] = b
        elif b.slot_at.astimezone(site.tz).date() < today:
            entry.no_show += 1
    for ticket_id, service_id, day, issued, called in _first_calls(reader, site.id, first,
                                                                   last):
        booking = by_ticket.get(ticket_id)
        entry = days[(day, service_id)]
        if booking is not None:
            start = max(issued, booking.slot_at)
            entry.booked_waits.append(max(0.0, (called - start).total_seconds() / 60))
        else:
            entry.walk_in_waits.append((called - issued).total_seconds() / 60)
    rows = [_row(day, service_id, site, d) for (day, service_id), d in sorted(days.items())
            if d.slots or d.booked or d.booked_waits]
    return {"site": site.id, "from": first.isoformat(), "to": last.isoformat(), "days": rows}


def _offered(site: Site, first: date, last: date) -> dict[tuple[date, str], _Day]:
    """Each bookable desk's places offered on each day of the period."""
    days: dict[tuple[date, str], _Day] = defaultdict(_Day)
    for service in site.services:
        if service.booking is None:
            continue
        day = first
        while day <= last:
            starts = slot_starts(service.booking, site.hours.by_weekday,
                                 site.hours.closed_dates, day, site.tz)
            if starts:
                days[(day, service.id)].slots = len(starts) * service.booking.per_slot
            day += timedelta(days=1)
    return days


def _row(day: date, service_id: str, site: Site, d: _Day) -> dict[str, Any]:
    service = site.service(service_id)
    kept = d.booked - d.cancelled
    return {
        "day": day.isoformat(), "service": service_id,
        "service_name": service.name if service else service_id,
        "slots": d.slots, "booked": kept, "cancelled": d.cancelled,
        "checked_in": d.checked_in, "late": d.late, "no_show": d.no_show,
        "slot_use": round(d.checked_in / d.slots, 3) if d.slots else None,
        "lateness_min": _mean(d.lateness), "booked_wait_min": _mean(d.booked_waits),
        "walk_in_wait_min": _mean(d.walk_in_waits),
        "booked_waits": len(d.booked_waits), "walk_in_waits": len(d.walk_in_waits),
    }


def csv_rows(found: dict[str, Any]) -> list[list[Any]]:
    return [[r["day"], r["service_name"], r["slots"], r["booked"], r["cancelled"],
             r["checked_in"], r["late"], r["no_show"],
             None if r["slot_use"] is None else round(r["slot_use"] * 100, 1),
             r["lateness_min"], r["booked_wait_min"], r["walk_in_wait_min"]]
            for r in found["days"]]


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _first_calls(reader: Engine, site_id: str, first: date,
                 last: date) -> list[tuple[int, str, date, datetime, datetime]]:
    """(ticket, desk, day, issued, first call) of the first stage of each ticket called."""
    t, e = schema.tickets, schema.events
    with reader.connect() as conn:
        tickets = {r.id: r for r in conn.execute(
            select(t.c.id, t.c.issued_at, t.c.business_day, t.c.purposes)
            .where(t.c.site_id == site_id).where(t.c.business_day >= first)
            .where(t.c.business_day <= last))}
        if not tickets:
            return []
        calls = conn.execute(
            select(e.c.ticket_id, e.c.at).where(e.c.site_id == site_id)
            .where(e.c.kind == "called").where(e.c.stage == 0)
            .where(e.c.ticket_id >= min(tickets)).where(e.c.ticket_id <= max(tickets))
            .order_by(e.c.seq))
        found: dict[int, tuple[int, str, date, datetime, datetime]] = {}
        for ticket_id, at in calls:
            row = tickets.get(ticket_id)
            if row is None or ticket_id in found:
                continue
            issued, called = as_utc(row.issued_at), as_utc(at)
            assert issued is not None and called is not None
            found[ticket_id] = (ticket_id, row.purposes[0], row.business_day, issued, called)
    return list(found.values())
