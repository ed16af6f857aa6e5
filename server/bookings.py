"""Appointments: booking, changing, cancelling and checking in, over the store and the engine.

Booking writes only the `bookings` table. Checking in claims the booking first (one
conditional update: a second check-in finds it taken), then issues the ticket through the
engine like any other; if that fails the claim is undone, so nothing is left half-written.
Codes are looked up by their hash; failed look-ups are counted per client (in a cluster, for
all its processes together, in Redis), and too many lock it out for a while
(`too_many_attempts`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import gevent
from sqlalchemy import Engine as SqlEngine

from .auth.errors import TooManyAttempts
from .auth.throttle import LoginThrottle, Throttle
from .domain.appointments import (
    Arrival,
    Booking,
    BookingStatus,
    SlotCheck,
    arrival,
    check_slot,
    code_hash,
    is_closed_day,
    new_code,
    normalise_code,
    slot_starts,
)
from .domain.clock import Clock
from .domain.errors import Conflict, Invalid, NotFound, unknown_service, unknown_site
from .domain.model import Site, Ticket
from .store import bookings as store

CODE_FAILURES = 10  # failed look-ups from one client before it waits
UPCOMING_FRESH = 60.0  # seconds a site's day of appointments is trusted without a change here
CODE_LOCK_SECONDS = 60  # doubled for each lock since its last success, up to an hour


@dataclass(frozen=True)
class Booked:
    """A new booking and its code, which is shown once and never stored."""

    booking: Booking
    code: str


class BookingService:
    """The appointments of every site."""

    def __init__(self, writer: SqlEngine, reader: SqlEngine, sites: dict[str, Site],
                 clock: Clock, offload: Callable[[Callable[[], Any]], Any],
                 throttles: Callable[[str, int, int], LoginThrottle] | None = None) -> None:
        """`throttles(name, limit, lock_seconds)` makes the throttle of wrong codes (in a
        cluster one the processes share: auth/shared_throttle.py); one in memory if None."""
        self.writer = writer
        self.reader = reader
        self.sites = sites
        self.clock = clock
        self.offload = offload
        self.throttle = (throttles or (lambda name, limit, lock: Throttle(limit, lock)))(
            "booking_code", CODE_FAILURES, CODE_LOCK_SECONDS)
        # Each site's appointments booked for a day and not yet come, read once per change
        # made here, and again once UPCOMING_FRESH old (in a cluster another process may
        # have booked: its change is not seen here otherwise).
        self._upcoming: dict[tuple[str, date], tuple[tuple[datetime, str], ...]] = {}
        self._read_at: dict[tuple[str, date], float] = {}
        self._filling: set[tuple[str, date]] = set()

    # ---- reading -------------------------------------------------------------------------

    def site(self, site_id: str) -> Site:
        site = self.sites.get(site_id)
        if site is None:
            raise unknown_site(site_id)
        return site

    def bookable(self, site: Site, public: bool = False) -> list[str]:
        """The desks of `site` that take appointments (on the public page: never a
        sensitive one)."""
        return [s.id for s in site.services
                if s.booking is not None and not (public and s.sensitive)]

    def free_slots(self, site_id: str, service_id: str, day: date) -> list[dict[str, Any]]:
        """The day's slots of a desk that still have a place, from now on."""
        site = self.site(site_id)
        service = site.service(service_id)
        if service is None:
            raise unknown_service(site_id, service_id)
        if service.booking is None:
            raise Conflict(f"The desk '{service_id}' takes no appointments.", "not_bookable",
                           service=service_id)
        rules = service.booking
        now = self.clock.now()
        if day > now.astimezone(site.tz).date() + timedelta(days=rules.days_ahead):
            return []
        starts = slot_starts(rules, site.hours.by_weekday, site.hours.closed_dates, day,
                             site.tz)
        taken = self.offload(lambda: store.taken(self.writer, site_id, service_id, day))
        booked_today = sum(taken.values())
        if booked_today >= (len(starts) - rules.walk_in_slots) * rules.per_slot:
            return []
        free = []
        for start in starts:
            left = rules.per_slot - taken.get(start.astimezone(UTC), 0)
            if start > now and left > 0:
                free.append({"at": start.isoformat(timespec="minutes"), "free": left})
        return free

    def by_code(self, text: str, client: str) -> Booking:
        """The booking a code stands for; every miss counts against `client`."""
        wait = self.throttle.retry_after(client)
        if wait:
            raise TooManyAttempts(f"Too many wrong codes: wait {wait} s.", retry_after=wait,
                                  lock="booking_code")
        try:
            digest = code_hash(normalise_code(text))
            found = self.offload(lambda: store.find_by_code_hash(self.reader, digest))
            if found is None:
                raise NotFound("There is no booking with this code.", "unknown_booking")
        except NotFound:
            locked = self.throttle.failed(client)
            if locked:
                raise TooManyAttempts(f"Too many wrong codes: wait {locked} s.",
                                      retry_after=locked, lock="booking_code") from None
            raise
        return found  # type: ignore[no-any-return]

    def between(self, site_id: str, first: date, last: date) -> list[Booking]:
        return self.offload(  # type: ignore[no-any-return]
            lambda: store.between(self.reader, [site_id], first, last))

    def upcoming(self, site_id: str, now: datetime) -> tuple[tuple[datetime, str], ...]:
        """Today's appointments at the site that are booked and may still come (slot,
        desk): what the wait estimate must make room for."""
        site = self.sites.get(site_id)
        if site is None or not any(s.booking for s in site.services):
            return ()
        day = now.astimezone(site.tz).date()
        found = self._upcoming.get((site_id, day))
        stale = time.monotonic() - self._read_at.get((site_id, day), -1e9) > UPCOMING_FRESH
        if (found is None or stale) and (site_id, day) not in self._filling:
            # Never read the store here: the displays' estimates are made without yielding.
            # The day's bookings are read in the background, for the next estimate.
            self._filling.add((site_id, day))
            gevent.spawn(self._refill, site_id, day)
        if found is None:
            return ()
        latest = now - timedelta(minutes=site.appointments.grace_min)
        return tuple(item for item in found if item[0] >= latest)

    def _refill(self, site_id: str, day: date) -> None:
        try:
            rows = self.offload(lambda: store.between(self.reader, [site_id], day, day))
            self._upcoming = {k: v for k, v in self._upcoming.items() if k[1] >= day}
            self._upcoming[(site_id, day)] = tuple(
                (b.slot_at, b.service_id) for b in rows if b.status is BookingStatus.BOOKED)
            self._read_at = {k: v for k, v in self._read_at.items() if k[1] >= day}
            self._read_at[(site_id, day)] = time.monotonic()
        finally:
            self._filling.discard((site_id, day))

    def _changed(self, site_id: str) -> None:
        """A booking of the site changed: read its day again now (in the request that
        changed it), so the next estimate knows."""
        for key in [k for k in self._upcoming if k[0] == site_id]:
            self._refill(*key)

    # ---- booking -------------------------------------------------------------------------

    def check(self, site: Site, service_id: str, slot_at: datetime) -> SlotCheck:
        service = site.service(service_id)
        if service is None:
            raise unknown_service(site.id, service_id)
        found = check_slot(service_id, service.booking, site.hours.by_weekday,
                           site.hours.closed_dates, site.tz, slot_at, self.clock.now())
        return SlotCheck(found.slot_at.astimezone(UTC), found.day, found.per_slot,
                         found.day_capacity)

    def book(self, site_id: str, services: list[str], slot_at: datetime,
             contact: str | None, by: str, public: bool = False) -> Booked:
        site = self.site(site_id)
        if not services:
            raise Invalid("Choose the desk to book.", "no_services")
        if len(set(services)) != len(services):
            raise Invalid("A desk was chosen twice.", "duplicate_services")
        for service_id in services:
            service = site.service(service_id)
            if service is None:
                raise unknown_service(site_id, service_id)
            if public and service.sensitive:
                # Sensitive desks are booked by staff only, never on a public page.
                raise Conflict(f"The desk '{service_id}' takes no appointments here.",
                               "not_bookable", service=service_id)
        if public and not site.appointments.public:
            raise Conflict("This site takes appointments by telephone or at the counter "
                           "only.", "booking_not_public")
        if contact is not None and not site.appointments.contact:
            contact = None
        check = self.check(site, services[0], slot_at)
        codes: list[str] = []

        def fresh_hash() -> str:
            codes.append(new_code())
            return code_hash(codes[-1])

        now = self.clock.now()
        booking = self.offload(lambda: store.insert(
            self.writer, site_id, tuple(services), check, fresh_hash, contact, by, now))
        self._changed(site_id)
        return Booked(booking, codes[-1])

    def change(self, booking: Booking, slot_at: datetime) -> Booking:
        if booking.status is not BookingStatus.BOOKED:
            raise Conflict("This booking can no longer be changed.", "booking_expired",
                           status=booking.status.value)
        site = self.site(booking.site_id)
        check = self.check(site, booking.service_id, slot_at)
        now = self.clock.now()
        moved = self.offload(lambda: store.move(self.writer, booking, check, now))
        self._changed(booking.site_id)
        return moved  # type: ignore[no-any-return]

    def cancel(self, booking: Booking) -> None:
        if booking.status is not BookingStatus.BOOKED:
            raise Conflict("This booking can no longer be cancelled.", "booking_expired",
                           status=booking.status.value)
        now = self.clock.now()
        if not self.offload(lambda: store.cancel(self.writer, booking.id, now)):
            raise Conflict("This booking can no longer be cancelled.", "booking_expired")
        self._changed(booking.site_id)

    # ---- checking in ---------------------------------------------------------------------

    def check_in(self, booking: Booking, site_id: str,
                 issue: Callable[[datetime | None], Ticket]) -> tuple[Ticket, Arrival]:
        """Claim the booking, then issue its ticket with `issue(slot_at or None)`; the claim
        is undone if the ticket cannot be issued."""
        if booking.site_id != site_id:
            raise Conflict("This booking is for another centre.", "booking_other_site")
        site = self.site(site_id)
        now = self.clock.now()
        if is_closed_day(now.astimezone(site.tz).date(), site.hours.closed_dates):
            raise Conflict(f"{site.name} is closed today.", "site_closed")
        came = arrival(site.appointments, booking, site.tz, now)
        late = came in (Arrival.LATE_KEPT, Arrival.LATE_WALK_IN)
        if not self.offload(lambda: store.claim_check_in(self.writer, booking.id, now, late)):
            raise Conflict("This booking is already checked in.", "already_checked_in")
        self._changed(site_id)
        try:
            ticket = issue(None if came is Arrival.LATE_WALK_IN else booking.slot_at)
        except BaseException:
            self.offload(lambda: store.undo_check_in(self.writer, booking.id, booking.contact))
            self._changed(site_id)
            raise
        self.offload(lambda: store.link_ticket(self.writer, booking.id, ticket.id))
        return ticket, came

    # ---- reminders and housekeeping ------------------------------------------------------

    def due_reminders(self, site_id: str, day: date) -> list[Booking]:
        return self.offload(  # type: ignore[no-any-return]
            lambda: store.due_reminders(self.reader, site_id, day))

    def mark_reminded(self, booking_id: int) -> None:
        now = self.clock.now()
        self.offload(lambda: store.mark_reminded(self.writer, booking_id, now))


    def forget_contacts(self) -> int:
        """A contact is kept for the visit only: once a booking's day is over (it was checked
        in, cancelled or nobody came), its contact goes."""
        before = min((self.clock.now().astimezone(s.tz).date() for s in self.sites.values()),
                     default=self.clock.now().date())
        return self.offload(  # type: ignore[no-any-return]
            lambda: store.forget_contacts(self.writer, before))
