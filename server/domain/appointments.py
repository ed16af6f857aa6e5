"""Appointments (予約): the slots a bookable desk offers, and the checks on a booking.

A booking holds one place in one slot of its first desk. The store keeps a slot from being
overbooked by numbered places (a slot of `per_slot` visitors has places 1…per_slot, each held
by at most one booking) and the day's share kept for walk-ins the same way (a day's places
1…day_capacity): a place taken twice is refused by the database itself, so two staff and a
visitor racing for the last place cannot all get it, on SQLite or PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .errors import Conflict, Invalid, NotFound

# Codes of 10 letters and digits from 32 that cannot be mistaken for each other (no 0/O,
# no 1/I): 50 bits. With a few hundred live bookings and attempts limited per address,
# guessing one is hopeless (one in ~10^12 a try).
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 10


class LatePolicy(StrEnum):
    """What a visitor arriving after the grace time gets."""

    WALK_IN = "walk_in"  # a ticket like any walk-in: the slot is gone
    KEEP = "keep"  # the booking still counts: called as an appointment


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"  # the day ended and nobody came


@dataclass(frozen=True)
class BookingRules:
    """How a bookable desk takes appointments (the desk's `booking` table)."""

    slot_minutes: int = 30
    per_slot: int = 1
    # (weekday, from, to) like OpeningHours; empty: the site's opening hours.
    weekly: tuple[tuple[int, time, time], ...] = ()
    days_ahead: int = 30
    walk_in_slots: int = 0  # slots' worth of each day that stay for walk-ins


@dataclass(frozen=True)
class AppointmentPolicy:
    """A site's rules for appointments (the `appointments` rule)."""

    public: bool = False  # visitors may book on the public page
    contact: bool = True  # the booking asks for an optional e-mail address for a reminder
    grace_min: int = 10  # minutes after the slot's start a visitor still counts as on time
    late: LatePolicy = LatePolicy.WALK_IN
    early_min: int = 120  # how long before the slot a visitor may check in
    walk_in_bound_min: int = 30  # a walk-in waiting this long goes before a due appointment
    names_in_calendar: bool = False  # the iCalendar feed may name sensitive desks


@dataclass(slots=True)
class Booking:
    """One appointment. `code_hash` is all that is kept of its code."""

    id: int
    site_id: str
    services: tuple[str, ...]
    slot_at: datetime
    status: BookingStatus
    created_at: datetime
    created_by: str
    code_hash: str
    contact: str | None = None
    ticket_id: int | None = None
    checked_in_at: datetime | None = None
    late: bool = False
    reminded_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def service_id(self) -> str:
        return self.services[0]


# ---- codes ---------------------------------------------------------------------------------

def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a visitor typed or a scanner read (a code, `ABCDE-FGHJK`, or the booking's
    address ending in it), as the bare code; refused if it cannot be one."""
    tail = text.strip().rstrip("/").rsplit("/", 1)[-1]
    code = "".join(ch for ch in tail.upper() if ch not in "- ")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise NotFound("There is no booking with this code.", "unknown_booking")
    return code


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def shown_code(code: str) -> str:
    """The code as printed and spoken: two groups of five."""
    return f"{code[:5]}-{code[5:]}"


# ---- slots ---------------------------------------------------------------------------------

def slot_starts(rules: BookingRules, site_weekly: tuple[tuple[int, time, time], ...],
                closed: frozenset[date], day: date, tz: ZoneInfo) -> list[datetime]:
    """The starts of the day's slots (aware, in the site's time zone); none on a closed day.
    A slot must end by the close of the hours it lies in."""
    if is_closed_day(day, closed):
        return []
    weekly = rules.weekly or site_weekly
    length = timedelta(minutes=rules.slot_minutes)
    starts: list[datetime] = []
    for weekday, opens, closes in weekly:
        if weekday != day.weekday():
            continue
        at = datetime.combine(day, opens, tz)
        end = datetime.combine(day, closes, tz)
        while at + length <= end:
            starts.append(at)
            at += length
    return sorted(starts)


def is_closed_day(day: date, closed: frozenset[date]) -> bool:
    """Closed by the site's list (`closed_dates`: national holidays and the city's year-end
    days 12/29–1/3 in Sapporo's file, editable by the site)."""
    return day in closed


def day_capacity(rules: BookingRules, slots: int) -> int:
    """How many bookings a day with `slots` slots takes, after the walk-ins' share."""
    return max(0, slots - rules.walk_in_slots) * rules.per_slot


@dataclass(frozen=True)
class SlotCheck:
    """A slot found bookable: the places a booking may take."""

    slot_at: datetime
    day: date
    per_slot: int
    day_capacity: int


def check_slot(service_id: str, rules: BookingRules | None,
               site_weekly: tuple[tuple[int, time, time], ...], closed: frozenset[date],
               tz: ZoneInfo, slot_at: datetime, now: datetime) -> SlotCheck:
    """Whether `slot_at` is a slot of the desk one may book now; the refusal if not."""
    if rules is None:
        raise Conflict(f"The desk '{service_id}' takes no appointments.", "not_bookable",
                       service=service_id)
    local = slot_at.astimezone(tz)
    day = local.date()
    if local <= now:
        raise Conflict("This slot has already begun.", "slot_past")
    if day > now.astimezone(tz).date() + timedelta(days=rules.days_ahead):
        raise Conflict(f"Appointments are taken at most {rules.days_ahead} days ahead.",
                       "slot_too_far", days_ahead=rules.days_ahead)
    starts = slot_starts(rules, site_weekly, closed, day, tz)
    if not starts:
        raise Conflict(f"{day.isoformat()} is a closed day.", "booking_day_closed",
                       day=day.isoformat())
    if local not in starts:
        raise Invalid("This is not the start of one of the desk's slots.", "invalid_slot")
    return SlotCheck(slot_at, day, rules.per_slot, day_capacity(rules, len(starts)))


# ---- arriving ------------------------------------------------------------------------------

class Arrival(StrEnum):
    EARLY = "early"  # before the slot: waits for it
    ON_TIME = "on_time"
    LATE_KEPT = "late_kept"  # after the grace time, the site keeps the booking
    LATE_WALK_IN = "late_walk_in"  # after the grace time, joins as a walk-in


def arrival(policy: AppointmentPolicy, booking: Booking, tz: ZoneInfo,
            now: datetime) -> Arrival:
    """How a visitor checking in now stands to their booking; refused when the booking
    cannot be checked in (not today, too early, cancelled, already in)."""
    if booking.status is BookingStatus.CHECKED_IN:
        raise Conflict("This booking is already checked in.", "already_checked_in")
    if booking.status is not BookingStatus.BOOKED:
        raise Conflict("This booking is no longer valid.", "booking_expired",
                       status=booking.status.value)
    slot_day = booking.slot_at.astimezone(tz).date()
    today = now.astimezone(tz).date()
    if slot_day < today:
        raise Conflict("This booking was for an earlier day.", "booking_expired",
                       status="past")
    if now < booking.slot_at - timedelta(minutes=policy.early_min):
        raise Conflict("It is too early to check in for this booking.", "booking_not_yet",
                       slot=booking.slot_at.astimezone(tz).strftime("%m/%d %H:%M"))
    if now <= booking.slot_at:
        return Arrival.EARLY if now < booking.slot_at else Arrival.ON_TIME
    if now <= booking.slot_at + timedelta(minutes=policy.grace_min):
        return Arrival.ON_TIME
    return Arrival.LATE_KEPT if policy.late is LatePolicy.KEEP else Arrival.LATE_WALK_IN


def slot_label(slot_at: datetime, tz: ZoneInfo) -> str:
    """「予約 10:30」: how the console names an appointment."""
    return f"予約 {slot_at.astimezone(tz):%H:%M}"
