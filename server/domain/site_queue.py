"""One site's live queue: every operation checks first, then changes state and records events."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from .alerts import AlertBoard
from .errors import Conflict, Invalid, unknown_counter, unknown_service, unknown_ticket
from .events import Event, EventKind
from .model import (
    AT_COUNTER,
    LIVE,
    Counter,
    CounterState,
    NoShowPolicy,
    Organisation,
    Service,
    Site,
    Ticket,
    TicketStatus,
)
from .numbering import BandCursor, band_key, label_for, next_number
from .ordering import Choice, choose_next, record_call
from .queues import WaitingLine
from .tickets import check_transition, transition


@dataclass
class Changes:
    """What one or more operations changed: to be stored in one transaction, then published."""

    events: list[Event] = field(default_factory=list)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    counters: dict[str, CounterState] = field(default_factory=dict)
    cursors: dict[str, BandCursor] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.events or self.tickets or self.counters or self.cursors)


MAX_SHARED_PURPOSES = 4096  # distinct lists of desks kept for sharing (a site has a few dozen)


class SiteQueue:
    """The authoritative live state of one site, rebuilt from the store at start-up."""

    def __init__(
        self,
        site: Site,
        tickets: Iterable[Ticket] = (),
        counters: Iterable[CounterState] = (),
        cursors: Iterable[BandCursor] = (),
    ) -> None:
        self.site = site
        self.services = {s.id: s for s in site.services}
        self.tickets: dict[int, Ticket] = {}
        self.lines: dict[str, WaitingLine] = {s.id: WaitingLine() for s in site.services}
        self.counters = {c.id: CounterState(c.id) for c in site.counters}
        self.cursors = {c.key: c for c in cursors}
        self.live_labels: set[str] = set()
        self.by_token: dict[str, int] = {}  # the phone page's key -> ticket id
        self.retired: set[str] = set()  # desks removed while running (see reconfigure)
        # Tickets share their purposes and their business day: a busy day holds tens of
        # thousands of live tickets, and a copy of each costs ~150 bytes a ticket.
        self._purposes: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._day: date | None = None
        # The newest business day numbers were given on: a clock set back across the day's
        # start must not begin a day again and give its numbers a second time.
        self._newest_day = max((c.day for c in self.cursors.values()), default=None)
        self._changes = Changes()
        self.alerts = AlertBoard(site.id)  # filled from the log by the engine (replay)
        for state in counters:
            if state.counter_id in self.counters:
                self.counters[state.counter_id] = state
        for ticket in tickets:
            self._keep_desks_of(ticket)
            self._index(ticket)

    def _keep_desks_of(self, ticket: Ticket) -> None:
        """A ticket from the store may name a desk the site no longer offers (removed since):
        it stays readable under a neutral name, but nobody can queue for that desk."""
        for service_id in (ticket.service_id, *ticket.purposes):
            if service_id not in self.services:
                self.services[service_id] = Service(
                    service_id, service_id, Organisation.CITY, sensitive=True)
                self.lines[service_id] = WaitingLine()
                self.retired.add(service_id)

    # ---- reading -------------------------------------------------------------------------

    def ticket(self, ticket_id: int) -> Ticket:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise unknown_ticket(ticket_id)
        return ticket

    def waiting(self, service_id: str) -> list[Ticket]:
        return [self.tickets[tid] for _, tid in self.lines[service_id].in_order()]

    def current_day(self, now: datetime) -> date:
        """The business day `now` falls on, or the newest day numbers were given on if the
        clock says an earlier one: business days never go back."""
        day = self.site.business_day(now)
        newest = self._newest_day
        return newest if newest is not None and newest > day else day

    def left_over_day(self, now: datetime) -> date | None:
        """The newest business day before the current one that still has live tickets: a day
        nobody closed."""
        today = self.current_day(now)
        return max((t.business_day for t in self.tickets.values()
                    if t.live and t.business_day < today), default=None)

    @property
    def has_changes(self) -> bool:
        return bool(self._changes)

    def take_changes(self) -> Changes:
        changes, self._changes = self._changes, Changes()
        return changes

    # ---- issuing -------------------------------------------------------------------------

    def issue(
        self,
        ticket_id: int,
        purposes: list[str],
        now: datetime,
        public_token: str,
        priority: bool = False,
        language: str = "ja",
        slot_at: datetime | None = None,
    ) -> Ticket:
        """Give a new visit its number and put it in the queue of its first purpose; an
        appointment's ticket (`slot_at`) waits to be called at its slot."""
        if not purposes:
            raise Invalid("Choose at least one service.", "no_services")
        if len(set(purposes)) != len(purposes):
            raise Invalid("A service was chosen twice.", "duplicate_services")
        for service_id in purposes:
            self._service(service_id)
        first = self.services[purposes[0]]
        day = self.current_day(now)
        self._newest_day = day
        key = band_key(first)
        number = next_number(first, self.cursors.get(key), day, self.live_labels)
        cursor = BandCursor(key, day, number)
        self.cursors[key] = cursor
        self._changes.cursors[key] = cursor
        ticket = Ticket(
            id=ticket_id,
            site_id=self.site.id,
            business_day=self._shared_day(day),
            number=number,
            label=label_for(first, number),
            purposes=self._shared_purposes(purposes),
            service_id=first.id,
            status=TicketStatus.WAITING,
            issued_at=now,
            rank_at=now,
            priority=priority,
            language=language,
            public_token=public_token,
            updated_at=now,
            slot_at=slot_at,
        )
        self._index(ticket)
        extra = {"slot_at": slot_at.isoformat()} if slot_at is not None else {}
        self._record(EventKind.ISSUED, ticket, now, purposes=list(purposes), **extra)
        return ticket

    # ---- calling -------------------------------------------------------------------------

    def call_next(self, counter_id: str, now: datetime, staff: str | None = None) -> Choice:
        counter, state = self._ready_counter(counter_id)
        choice = choose_next(
            counter, state, self.site.policy, self.lines, self.services, now,
            self.site.appointments, self.site.tz,
        )
        if choice is None:
            raise Conflict(
                f"Nobody is waiting for {counter.name}.", "no_waiting_tickets", counter=counter.id
            )
        if not choice.appointment:
            record_call(state, choice.priority)
        self._call(self.tickets[choice.ticket_id], counter, state, now, staff, choice)
        return choice

    def call(
        self, counter_id: str, ticket_id: int, now: datetime, staff: str | None = None
    ) -> Choice:
        """Call one particular ticket (a number the visitor shows at the window)."""
        counter, state = self._ready_counter(counter_id)
        ticket = self.ticket(ticket_id)
        if ticket.status not in (TicketStatus.WAITING, TicketStatus.PARKED):
            check_transition(ticket, TicketStatus.CALLED)
            raise Conflict(
                f"Ticket {ticket.label} is {ticket.status.value}.", "invalid_transition"
            )
        if ticket.service_id not in counter.services:
            raise Conflict(
                f"{counter.name} does not serve {self.services[ticket.service_id].name}.",
                "service_not_served",
            )
        choice = Choice(ticket.id, ticket.service_id, ticket.priority, "chosen", "called by staff")
        self._call(ticket, counter, state, now, staff, choice)
        return choice

    def recall(self, ticket_id: int, now: datetime, counter_id: str | None = None,
               staff: str | None = None) -> Ticket:
        ticket = self._held(ticket_id, counter_id, TicketStatus.CALLED)
        ticket.calls += 1
        ticket.called_at = now
        transition(ticket, TicketStatus.CALLED, now)
        self._touch(ticket)
        self._record(EventKind.RECALLED, ticket, now, staff=staff, **self._call_data(ticket))
        return ticket

    def start(self, ticket_id: int, now: datetime, counter_id: str | None = None,
              staff: str | None = None) -> Ticket:
        ticket = self._held(ticket_id, counter_id, TicketStatus.SERVING)
        transition(ticket, TicketStatus.SERVING, now)
        self._touch(ticket)
        self._record(EventKind.STARTED, ticket, now, staff=staff)
        return ticket

    def no_show(self, ticket_id: int, now: datetime, counter_id: str | None = None,
                staff: str | None = None) -> Ticket:
        """The visitor did not come: back into the queue once, or end, as the policy says."""
        ticket = self._held(ticket_id, counter_id, TicketStatus.NO_SHOW)
        self._release_counter(ticket, now)
        if self.site.policy.no_show is NoShowPolicy.REQUEUE_ONCE and ticket.requeues == 0:
            ticket.requeues += 1
            ticket.slot_at = None  # back in the queue from now, as any walk-in
            self._enqueue(ticket, ticket.service_id, now, now)
            self._record(EventKind.REQUEUED, ticket, now, staff=staff)
        else:
            self._finish_visit(ticket, TicketStatus.NO_SHOW, now)
            self._record(EventKind.NO_SHOW, ticket, now, staff=staff)
        return ticket

    def finish(self, ticket_id: int, outcome: str, now: datetime,
               counter_id: str | None = None, staff: str | None = None) -> Ticket:
        """End this stage with an outcome; the visit moves on to its next purpose, if any."""
        ticket = self.ticket(ticket_id)
        # A called ticket may be finished directly: the start is implied.
        implied_start = ticket.status is TicketStatus.CALLED
        self._held(ticket_id, counter_id,
                   TicketStatus.SERVING if implied_start else TicketStatus.DONE)
        chosen = self.site.outcome(outcome)
        if chosen is None:
            codes = ", ".join(o.code for o in self.site.outcomes)
            raise Invalid(f"Unknown outcome '{outcome}'. Use one of: {codes}.", "unknown_outcome")
        if implied_start:
            self.start(ticket_id, now, counter_id, staff)
        self._release_counter(ticket, now)
        self._record(EventKind.FINISHED, ticket, now, staff=staff, outcome=chosen.code,
                     placement=chosen.placement)
        if ticket.purpose_index + 1 < len(ticket.purposes):
            ticket.purpose_index += 1
            following = ticket.purposes[ticket.purpose_index]
            ticket.transferred_from = None
            ticket.slot_at = None  # the appointment was for the desk just finished
            self._enqueue(ticket, following, ticket.issued_at, now)
            self._record(EventKind.QUEUED, ticket, now, staff=staff)
        else:
            self._finish_visit(ticket, TicketStatus.DONE, now)
            self._record(EventKind.DONE, ticket, now, staff=staff)
        return ticket

    def transfer(self, ticket_id: int, service_id: str, now: datetime,
                 counter_id: str | None = None, staff: str | None = None,
                 note: str | None = None) -> Ticket:
        """Send the visitor to another desk with the same number and their original arrival."""
        ticket = self._held(ticket_id, counter_id, TicketStatus.WAITING)
        target = self._service(service_id)
        if target.id == ticket.service_id:
            raise Conflict(f"Ticket {ticket.label} is already for {target.name}.", "same_service")
        came_from = ticket.service_id
        from_counter = ticket.counter_id
        self._release_counter(ticket, now)
        done = ticket.purposes[:ticket.purpose_index + 1]
        remaining = list(ticket.purposes[ticket.purpose_index + 1:])
        if target.id in remaining:  # the visit goes there now, not a second time later
            remaining.remove(target.id)
        ticket.purposes = self._shared_purposes((*done, target.id, *remaining))
        ticket.purpose_index += 1
        ticket.transferred_from = came_from
        ticket.note = note
        ticket.slot_at = None
        self._enqueue(ticket, target.id, ticket.issued_at, now)
        self._record(EventKind.TRANSFERRED, ticket, now, staff=staff, from_service=came_from,
                     from_counter=from_counter, note=note)
        return ticket

    def park(self, ticket_id: int, now: datetime, staff: str | None = None) -> Ticket:
        """Set a ticket aside (the visitor went to fetch a document); it keeps its place."""
        ticket = self.ticket(ticket_id)
        check_transition(ticket, TicketStatus.PARKED)
        if ticket.status is TicketStatus.WAITING:
            self._dequeue(ticket)
        self._release_counter(ticket, now)
        transition(ticket, TicketStatus.PARKED, now)
        self._touch(ticket)
        self._record(EventKind.PARKED, ticket, now, staff=staff)
        return ticket

    def unpark(self, ticket_id: int, now: datetime, staff: str | None = None) -> Ticket:
        """Put a parked ticket back in its queue at the place it had."""
        ticket = self.ticket(ticket_id)
        if ticket.status is not TicketStatus.PARKED:
            raise Conflict(f"Ticket {ticket.label} is not parked.", "invalid_transition")
        self._enqueue(ticket, ticket.service_id, ticket.rank_at, now)
        self._record(EventKind.RETURNED, ticket, now, staff=staff)
        return ticket

    def cancel(self, ticket_id: int, now: datetime, staff: str | None = None,
               reason: str = "cancelled") -> Ticket:
        ticket = self.ticket(ticket_id)
        check_transition(ticket, TicketStatus.CANCELLED)
        if ticket.status is TicketStatus.WAITING:
            self._dequeue(ticket)
        self._release_counter(ticket, now)
        self._finish_visit(ticket, TicketStatus.CANCELLED, now)
        ticket.closed_reason = reason
        self._record(EventKind.CANCELLED, ticket, now, staff=staff, reason=reason)
        return ticket

    # ---- requests from the kiosk and the printers ----------------------------------------

    def alert_staff(self, kind: str, now: datetime, ticket_id: int | None = None,
                    source: str | None = None, where: str = "") -> Event:
        """Ask staff to come: a kiosk ("need_help", "call_staff") or a device at fault."""
        label = self.ticket(ticket_id).label if ticket_id is not None else None
        event = self.alerts.raise_alert(kind, now, self.current_day(now), source=source,
                                        where=where, ticket_id=ticket_id, label=label)
        self._changes.events.append(event)
        return event

    def take_alert(self, alert_id: str, now: datetime, staff: str,
                   counter_id: str | None = None) -> Event:
        if counter_id is not None:
            self._counter(counter_id)
        event = self.alerts.take(alert_id, now, staff, counter_id)
        self._changes.events.append(event)
        return event

    def escalate_alert(self, alert_id: str, now: datetime) -> Event | None:
        event = self.alerts.escalate(alert_id, now)
        if event is not None:
            self._changes.events.append(event)
        return event

    def clear_alert(self, alert_id: str, now: datetime, reason: str) -> Event | None:
        event = self.alerts.clear(alert_id, now, reason)
        if event is not None:
            self._changes.events.append(event)
        return event

    def record_print(self, ticket_id: int, outcome: str, now: datetime,
                     printer: str | None = None, reissue: bool = False,
                     detail: str = "") -> Event:
        """Log how printing a ticket ended; printing never changes the ticket itself."""
        ticket = self.ticket(ticket_id)
        event = Event(EventKind.PRINTED, self.site.id, now, ticket_id=ticket.id,
                      stage=ticket.stage, service_id=ticket.service_id,
                      data={"outcome": outcome, "printer": printer, "reissue": reissue,
                            "label": ticket.label, "detail": detail})
        self._changes.events.append(event)
        return event

    # ---- counters and the day ------------------------------------------------------------

    def set_counter(self, counter_id: str, status: str, now: datetime,
                    staff: str | None = None) -> CounterState:
        """Open, pause, resume or close a counter."""
        counter = self._counter(counter_id)
        state = self.counters[counter.id]
        kinds = {"open": EventKind.COUNTER_OPENED, "paused": EventKind.COUNTER_PAUSED,
                 "closed": EventKind.COUNTER_CLOSED}
        if status not in kinds:
            raise Invalid(f"Unknown counter status '{status}'.", "invalid_status")
        if status == "closed" and state.ticket_id is not None:
            held = self.tickets[state.ticket_id]
            raise Conflict(
                f"{counter.name} still has ticket {held.label}: finish or transfer it first.",
                "counter_busy",
            )
        kind = kinds[status]
        if status == "open" and state.status == "paused":
            kind = EventKind.COUNTER_RESUMED
        state.status = status
        state.staff = staff if status != "closed" else None
        state.updated_at = now
        self._changes.counters[counter.id] = state
        self._changes.events.append(
            Event(kind, self.site.id, now, counter_id=counter.id, staff=staff,
                  data={"counter_number": counter.number, "counter_name": counter.name})
        )
        return state

    def close_day(self, now: datetime, staff: str | None = None,
                  day: date | None = None) -> int:
        """End a business day (by default the current one): its live tickets, and any left
        from before it, are closed (history kept), and the counters last used on or before it
        are closed. A later day's tickets and counters are not touched."""
        today = self.current_day(now)
        closing = today if day is None else min(day, today)
        live = [t for t in self.tickets.values() if t.live and t.business_day <= closing]
        # Decided before the tickets go: cancelling a ticket releases its counter.
        idle = [counter_id for counter_id, state in self.counters.items()
                if state.status != "closed" and (state.updated_at is None or self.site
                                                 .business_day(state.updated_at) <= closing)]
        for ticket in sorted(live, key=lambda t: t.id):
            self.cancel(ticket.id, now, staff=staff, reason="day_closed")
        for counter_id in idle:
            self.set_counter(counter_id, "closed", now, staff)
        self._changes.events.extend(self.alerts.close_day(now, closing, self.site.business_day))
        self._changes.events.append(
            Event(EventKind.DAY_CLOSED, self.site.id, now, staff=staff,
                  data={"closed_tickets": len(live), "business_day": closing.isoformat()})
        )
        # Finished tickets of past days need not stay in memory.
        for ticket_id in [t.id for t in self.tickets.values()
                          if not t.live and t.business_day < today]:
            self.by_token.pop(self.tickets.pop(ticket_id).public_token, None)
        return len(live)

    # ---- reconfiguring ------------------------------------------------------------------

    def reconfigure(self, site: Site) -> None:
        """Take a changed site while running (an administrator's edit): a new desk gets an
        empty line and a new counter starts closed; a removed counter's state goes. A removed
        desk's definition stays for the tickets that name it, but nobody can queue for it."""
        self.site = site
        for service in site.services:
            self.services[service.id] = service
            self.lines.setdefault(service.id, WaitingLine())
        self.retired = set(self.services) - {s.id for s in site.services}
        wanted = {c.id for c in site.counters}
        for counter_id in [c for c in self.counters if c not in wanted]:
            del self.counters[counter_id]
        for counter_id in wanted:
            self.counters.setdefault(counter_id, CounterState(counter_id))

    # ---- internals -----------------------------------------------------------------------

    def _service(self, service_id: str) -> Service:
        service = self.services.get(service_id)
        if service is None or service_id in self.retired:
            raise unknown_service(self.site.id, service_id)
        return service

    def _counter(self, counter_id: str) -> Counter:
        counter = self.site.counter(counter_id)
        if counter is None:
            raise unknown_counter(self.site.id, counter_id)
        return counter

    def _ready_counter(self, counter_id: str) -> tuple[Counter, CounterState]:
        """A counter that may call: open, not paused, nobody in hand."""
        counter = self._counter(counter_id)
        state = self.counters[counter.id]
        if state.status == "paused":
            raise Conflict(f"{counter.name} is paused: resume it to call.", "counter_paused")
        if state.ticket_id is not None:
            held = self.tickets[state.ticket_id]
            raise Conflict(
                f"{counter.name} has ticket {held.label} in hand: finish, transfer or mark it "
                "as a no-show first.",
                "counter_busy",
                ticket=held.id,
            )
        return counter, state

    def _held(self, ticket_id: int, counter_id: str | None, to: TicketStatus) -> Ticket:
        """A ticket called to or served at a counter, checked for the move to `to`."""
        ticket = self.ticket(ticket_id)
        check_transition(ticket, to)
        if ticket.status not in AT_COUNTER:
            raise Conflict(f"Ticket {ticket.label} is not at a counter.", "invalid_transition")
        if counter_id is not None and ticket.counter_id != counter_id:
            raise Conflict(
                f"Ticket {ticket.label} is at another counter.", "not_at_this_counter"
            )
        return ticket

    def _call(self, ticket: Ticket, counter: Counter, state: CounterState, now: datetime,
              staff: str | None, choice: Choice) -> None:
        if ticket.status is TicketStatus.WAITING:
            self._dequeue(ticket)
        if state.status == "closed":  # calling opens the counter
            self.set_counter(counter.id, "open", now, staff)
        transition(ticket, TicketStatus.CALLED, now)
        ticket.counter_id = counter.id
        ticket.staff = staff
        ticket.called_at = now
        ticket.calls = 1
        state.ticket_id = ticket.id
        state.updated_at = now
        self._changes.counters[counter.id] = state
        self._touch(ticket)
        self._record(EventKind.CALLED, ticket, now, staff=staff, reason=choice.reason,
                     reason_code=choice.reason_code, **self._call_data(ticket))

    def _call_data(self, ticket: Ticket) -> dict[str, object]:
        counter = self.site.counter(ticket.counter_id or "")
        assert counter is not None
        return {"counter_number": counter.number, "counter_name": counter.name,
                "area": counter.area, "calls": ticket.calls}

    def _enqueue(self, ticket: Ticket, service_id: str, rank_at: datetime,
                 now: datetime) -> None:
        """Start a new stage: the ticket waits in `service_id`'s line, ranked at `rank_at`."""
        transition(ticket, TicketStatus.WAITING, now)
        ticket.stage += 1
        ticket.service_id = service_id
        ticket.rank_at = rank_at
        ticket.counter_id = None
        ticket.called_at = None
        self.lines[service_id].add(rank_at, ticket.id, ticket.priority, ticket.slot_at)
        self._touch(ticket)

    def _dequeue(self, ticket: Ticket) -> None:
        self.lines[ticket.service_id].remove(ticket.rank_at, ticket.id, ticket.priority,
                                             ticket.slot_at)

    def _release_counter(self, ticket: Ticket, now: datetime) -> None:
        if ticket.counter_id is None:
            return
        state = self.counters.get(ticket.counter_id)
        if state is not None and state.ticket_id == ticket.id:
            state.ticket_id = None
            state.updated_at = now
            self._changes.counters[state.counter_id] = state

    def _finish_visit(self, ticket: Ticket, status: TicketStatus, now: datetime) -> None:
        transition(ticket, status, now)
        self.live_labels.discard(ticket.label)
        self._touch(ticket)

    def _shared_purposes(self, purposes: Iterable[str]) -> tuple[str, ...]:
        """The one tuple of these desks that every ticket with them shares, made of the
        desks' own id strings (not the copies a request decoded)."""
        known = tuple(self.services[s].id if s in self.services else s for s in purposes)
        if len(self._purposes) >= MAX_SHARED_PURPOSES:
            return self._purposes.get(known, known)
        return self._purposes.setdefault(known, known)

    def _shared_day(self, day: date) -> date:
        if day != self._day:
            self._day = day
        assert self._day is not None
        return self._day

    def _index(self, ticket: Ticket) -> None:
        ticket.purposes = self._shared_purposes(ticket.purposes)
        ticket.business_day = self._shared_day(ticket.business_day)
        self.tickets[ticket.id] = ticket
        self.by_token[ticket.public_token] = ticket.id
        if ticket.status in LIVE:
            self.live_labels.add(ticket.label)
        if ticket.status is TicketStatus.WAITING:
            self.lines[ticket.service_id].add(ticket.rank_at, ticket.id, ticket.priority,
                                              ticket.slot_at)
        self._touch(ticket)

    def _touch(self, ticket: Ticket) -> None:
        self._changes.tickets[ticket.id] = ticket

    def _record(self, kind: EventKind, ticket: Ticket, now: datetime,
                staff: str | None = None, **data: object) -> None:
        data.setdefault("label", ticket.label)
        data.setdefault("priority", ticket.priority)
        self._changes.events.append(
            Event(kind, self.site.id, now, ticket_id=ticket.id, stage=ticket.stage,
                  service_id=ticket.service_id, counter_id=ticket.counter_id, staff=staff,
                  data=data)
        )


def snapshot_ticket(ticket: Ticket) -> Ticket:
    """A copy that later changes to the live ticket will not touch."""
    return dataclasses.replace(ticket)  # purposes is a tuple: shared, never changed in place
