"""Bookings in the store: numbered places that the database refuses to give twice.

Every write is one short transaction on the writer. Taking a place reads the places taken
and inserts the lowest free one; a place someone else took in between (PostgreSQL, where two
transactions may read at once; SQLite's writer serialises them with BEGIN IMMEDIATE) fails
the unique constraint, and the whole attempt runs again on what is now stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, select
from sqlalchemy.exc import IntegrityError

from ..domain.appointments import Booking, BookingStatus, SlotCheck
from ..domain.errors import Conflict, Unavailable
from . import schema
from .db import as_utc

ATTEMPTS = 8
b = schema.bookings


def booking_from_row(r: Any) -> Booking:
    slot_at, created_at = as_utc(r.slot_at), as_utc(r.created_at)
    assert slot_at is not None and created_at is not None
    return Booking(
        id=r.id, site_id=r.site_id, services=tuple(r.services), slot_at=slot_at,
        status=BookingStatus(r.status), created_at=created_at, created_by=r.created_by,
        code_hash=r.code_hash, contact=r.contact, ticket_id=r.ticket_id,
        checked_in_at=as_utc(r.checked_in_at), late=bool(r.late),
        reminded_at=as_utc(r.reminded_at), updated_at=as_utc(r.updated_at))


def _free(conn: Connection, column: Any, where: Any, capacity: int) -> int | None:
    taken = set(conn.execute(select(column).where(where).where(column.is_not(None))).scalars())
    return next((n for n in range(1, capacity + 1) if n not in taken), None)


def _places(conn: Connection, site_id: str, service_id: str, check: SlotCheck,
            exclude: int | None = None) -> dict[str, int]:
    """The lowest free place of the slot and of the day; `slot_full` if there is none."""
    mine = b.c.id != exclude if exclude is not None else b.c.id.is_not(None)
    seat = _free(conn, b.c.seat, and_(b.c.site_id == site_id, b.c.service_id == service_id,
                                      b.c.slot_at == check.slot_at, mine), check.per_slot)
    if seat is None:
        raise Conflict("This slot is fully booked.", "slot_full")
    day_seat = _free(conn, b.c.day_seat, and_(b.c.site_id == site_id,
                                              b.c.service_id == service_id,
                                              b.c.day == check.day, mine), check.day_capacity)
    if day_seat is None:
        raise Conflict("The day's appointments are all taken (the rest stay for walk-ins).",
                       "slot_full", reason="day")
    return {"seat": seat, "day_seat": day_seat}


def _retrying(engine: Engine, attempt: Callable[[Connection], Any]) -> Any:
    for _ in range(ATTEMPTS):
        try:
            with engine.begin() as conn:
                return attempt(conn)
        except IntegrityError:
            continue  # a place (or a code) taken meanwhile: look again
    raise Unavailable("The booking could not be stored; nothing was booked. Try again.",
                      "store_unavailable")


def insert(engine: Engine, site_id: str, services: tuple[str, ...], check: SlotCheck,
           make_code_hash: Callable[[], str], contact: str | None, created_by: str,
           now: datetime) -> Booking:
    """Book a place in the slot, or refuse (`slot_full`) having written nothing."""
    def attempt(conn: Connection) -> Booking:
        places = _places(conn, site_id, services[0], check)
        row = {"site_id": site_id, "service_id": services[0], "services": list(services),
               "slot_at": check.slot_at, "day": check.day, **places,
               "status": BookingStatus.BOOKED.value, "code_hash": make_code_hash(),
               "contact": contact, "created_at": now, "created_by": created_by,
               "late": False, "updated_at": now}
        inserted = conn.execute(b.insert().values(**row)).inserted_primary_key
        assert inserted is not None
        new_id = inserted[0]
        return booking_from_row(conn.execute(select(b).where(b.c.id == new_id)).one())

    return _retrying(engine, attempt)  # type: ignore[no-any-return]


def move(engine: Engine, booking: Booking, check: SlotCheck, now: datetime) -> Booking:
    """Move a booking to another slot of its desk, or refuse having changed nothing."""
    def attempt(conn: Connection) -> Booking:
        places = _places(conn, booking.site_id, booking.service_id, check, exclude=booking.id)
        done = conn.execute(b.update().where(b.c.id == booking.id)
                            .where(b.c.status == BookingStatus.BOOKED.value)
                            .values(slot_at=check.slot_at, day=check.day, updated_at=now,
                                    reminded_at=None, **places))
        if done.rowcount != 1:
            raise Conflict("This booking can no longer be changed.", "booking_expired")
        return booking_from_row(conn.execute(select(b).where(b.c.id == booking.id)).one())

    return _retrying(engine, attempt)  # type: ignore[no-any-return]


def cancel(engine: Engine, booking_id: int, now: datetime) -> bool:
    """Cancel a booked appointment: its places go back, its contact is deleted."""
    with engine.begin() as conn:
        done = conn.execute(b.update().where(b.c.id == booking_id)
                            .where(b.c.status == BookingStatus.BOOKED.value)
                            .values(status=BookingStatus.CANCELLED.value, seat=None,
                                    day_seat=None, contact=None, updated_at=now))
    return done.rowcount == 1


def claim_check_in(engine: Engine, booking_id: int, now: datetime, late: bool) -> bool:
    """Mark a booked appointment checked in, if nobody did first; its contact is no longer
    needed and goes."""
    with engine.begin() as conn:
        done = conn.execute(b.update().where(b.c.id == booking_id)
                            .where(b.c.status == BookingStatus.BOOKED.value)
                            .values(status=BookingStatus.CHECKED_IN.value, checked_in_at=now,
                                    late=late, contact=None, updated_at=now))
    return done.rowcount == 1


def undo_check_in(engine: Engine, booking_id: int, contact: str | None) -> None:
    """The ticket could not be issued: the booking is as it was."""
    with engine.begin() as conn:
        conn.execute(b.update().where(b.c.id == booking_id)
                     .where(b.c.status == BookingStatus.CHECKED_IN.value)
                     .where(b.c.ticket_id.is_(None))
                     .values(status=BookingStatus.BOOKED.value, checked_in_at=None,
                             late=False, contact=contact))


def link_ticket(engine: Engine, booking_id: int, ticket_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(b.update().where(b.c.id == booking_id).values(ticket_id=ticket_id))


def find_by_code_hash(engine: Engine, digest: str) -> Booking | None:
    with engine.connect() as conn:
        row = conn.execute(select(b).where(b.c.code_hash == digest)).first()
    return booking_from_row(row) if row else None


def between(engine: Engine, site_ids: list[str], first: date, last: date) -> list[Booking]:
    """Bookings of the sites from day `first` to day `last`, by slot."""
    with engine.connect() as conn:
        rows = conn.execute(select(b).where(b.c.site_id.in_(site_ids))
                            .where(b.c.day >= first).where(b.c.day <= last)
                            .order_by(b.c.slot_at, b.c.id))
        return [booking_from_row(r) for r in rows]


def taken(engine: Engine, site_id: str, service_id: str, day: date) -> dict[datetime, int]:
    """Places taken in each slot of a day (slot start, aware UTC → count)."""
    counts: dict[datetime, int] = {}
    with engine.connect() as conn:
        for slot_at in conn.execute(select(b.c.slot_at).where(b.c.site_id == site_id)
                                    .where(b.c.service_id == service_id)
                                    .where(b.c.day == day).where(b.c.seat.is_not(None))
                                    .order_by(b.c.slot_at)).scalars():
            at = as_utc(slot_at)
            assert at is not None
            counts[at] = counts.get(at, 0) + 1
    return counts


def due_reminders(engine: Engine, site_id: str, day: date) -> list[Booking]:
    """Booked appointments of `day` at the site with a contact and no reminder sent yet."""
    with engine.connect() as conn:
        rows = conn.execute(select(b).where(b.c.site_id == site_id).where(b.c.day == day)
                            .where(b.c.status == BookingStatus.BOOKED.value)
                            .where(b.c.contact.is_not(None)).where(b.c.reminded_at.is_(None)))
        return [booking_from_row(r) for r in rows]


def mark_reminded(engine: Engine, booking_id: int, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(b.update().where(b.c.id == booking_id).values(reminded_at=now))


def forget_contacts(engine: Engine, before: date) -> int:
    """Delete the contacts of every booking whose day is before `before` (retention)."""
    with engine.begin() as conn:
        done = conn.execute(b.update().where(b.c.day < before).where(b.c.contact.is_not(None))
                            .values(contact=None))
    return int(done.rowcount or 0)
