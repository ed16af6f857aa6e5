"""The HTTP JSON API: thin handlers that check input, run one operation, and answer."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, request

from ..desk_words import visitor_words
from ..domain.away import check_no_show
from ..domain.clock import SimulatedClock
from ..domain.errors import Conflict, Invalid, NotFound, unknown_counter, unknown_ticket
from ..domain.events import QUEUE_ENTRIES, Event, EventKind
from ..domain.model import LIVE, Ticket
from ..domain.site_queue import SiteQueue
from ..estimates import estimate_view
from ..phone.views import status_url
from ..presenters import (
    counter_view,
    hidden_desks,
    public_site_view,
    staff_event_view,
    ticket_view,
    visitor_ticket_view,
)
from ..services import services
from ..store import repository
from ..store.devices import Device
from ..web.endpoints import STAFF_ROLES, Denied, EndpointSpec, endpoint, idempotency
from ..web.validation import array, boolean, integer, obj, string

bp = Blueprint("api", __name__)
TICKET_ERRORS = ("unknown_ticket", "invalid_transition", "not_at_this_counter")




def _run(device: Device, body: dict[str, Any], site_id: str, operation: Any, render: Any,
         after: Any = None) -> tuple[int, dict[str, Any]]:
    key, digest = idempotency(device, body)
    return services().engine.run(  # type: ignore[no-any-return]
        site_id, operation, render, key=key, request_hash=digest, after=after)


def _site_of_ticket(ticket_id: int, device: Device) -> str:
    for site_id, queue in services().engine.queues.items():
        if ticket_id in queue.tickets:
            if device.role != "admin" and device.site_id != site_id:
                raise Denied("This ticket belongs to another site.", "forbidden_site")
            return site_id  # type: ignore[no-any-return]
    services().engine.elsewhere(ticket_id)  # a cluster's: it may be another process's
    raise unknown_ticket(ticket_id)


def _staff_name(device: Device) -> str:
    return device.id


def _hidden(device: Device, queue: SiteQueue, counter_id: str | None = None) -> frozenset[str]:
    """The desks whose part in a visit this caller does not see: another organisation's, but
    for those of the counter it works (`counter_id`: the one acted at, else the `counter` of
    the query a console sends, else a device's own)."""
    counter_id = counter_id or _queried_counter(queue) or device.counter_id
    return hidden_desks(queue.site, device.organisations, counter_id)


def _queried_counter(queue: SiteQueue) -> str | None:
    """`?counter=`: the counter a person's console works (their account is not bound to one)."""
    counter_id = request.args.get("counter")
    if counter_id is not None and queue.site.counter(counter_id) is None:
        raise unknown_counter(queue.site.id, counter_id)
    return counter_id


def _working(device: Device, queue: SiteQueue) -> Device:
    """The caller as working the counter of `?counter=` (a device bound to one keeps it)."""
    counter_id = _queried_counter(queue)
    if counter_id is None or device.counter_id is not None or device.role not in STAFF_ROLES:
        return device
    return replace(device, counter_id=counter_id)


# What a console names to be shown its counter's desks (a person's login is not bound to one).
COUNTER_QUERY = {"counter": string(64)}


# ---- reading --------------------------------------------------------------------------------

@endpoint(bp, EndpointSpec("GET", "/health", "Liveness and the newest event number", None,
                           tag="system"))
def health(device: None, body: dict[str, Any]) -> dict[str, Any]:
    engine = services().engine
    return {"ok": True, "seq": engine.committed_seq}


@endpoint(bp, EndpointSpec("GET", "/me", "Who this credential is: role, site, area, counter",
                           ("kiosk", "display", *STAFF_ROLES), tag="system"))
def me(device: Device, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": device.id, "role": device.role, "site": device.site_id, "name": device.name,
            "area": device.area, "counter": device.counter_id}


@endpoint(bp, EndpointSpec("GET", "/sites", "Sites this credential may see",
                           ("kiosk", "display", *STAFF_ROLES), tag="sites"))
def list_sites(device: Device, body: dict[str, Any]) -> dict[str, Any]:
    sites = services().sites
    visible = [s for s in sites.values() if device.role == "admin" or s.id == device.site_id]
    return {"sites": [site_summary(s.id, device) for s in visible]}


def site_summary(site_id: str, device: Device) -> dict[str, Any]:
    server = services()
    site = server.sites[site_id]
    if device.role not in STAFF_ROLES:
        return public_site_view(site, server.is_open(site))
    return {
        "id": site.id, "name": site.name, "ward": site.ward, "timezone": site.timezone,
        "open": server.is_open(site), "areas": list(site.areas),
        "services": [{"id": s.id, "name": s.name, "public_label": s.public_label,
                      "description": s.description, "translations": s.translated(),
                      "visitor": visitor_words(s), "sensitive": s.sensitive,
                      "organisation": s.organisation.value,
                      "target_wait_min": s.target_wait_min,
                      "bookable": s.booking is not None} for s in site.services],
        "counters": [{"id": c.id, "name": c.name, "number": c.number, "area": c.area,
                      "services": list(c.services)} for c in site.counters],
        "outcomes": [{"code": o.code, "label": o.label, "placement": o.placement}
                     for o in site.outcomes],
        # Whether a booking may give an e-mail address for a reminder (a mail server, and
        # the site asks for one).
        "appointment_contact": site.appointments.contact and server.mailer.enabled,
    }


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}", "One site's desks, counters, outcomes; "
                           "kiosks and displays get the desks as the public sees them",
                           ("kiosk", "display", *STAFF_ROLES), errors=("unknown_site",),
                           tag="sites"))
def get_site(device: Device, body: dict[str, Any], site_id: str) -> dict[str, Any]:
    services().engine.queue(site_id)
    return site_summary(site_id, device)


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}/snapshot",
                           "Everything live at a site: staff get the staff view (another "
                           "organisation's part of a visit as 'other', but for the desks of "
                           "`counter`), displays and kiosks the public one",
                           ("kiosk", "display", *STAFF_ROLES), query=COUNTER_QUERY,
                           errors=("unknown_site", "unknown_counter")))
def snapshot(device: Device, body: dict[str, Any], site_id: str) -> dict[str, Any]:
    queue = services().engine.queue(site_id)
    return services().snapshots.of(_working(device, queue), site_id)


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}/queues", "Who is waiting, per desk (of "
                           "another organisation's desks, but for `counter`'s, only how many)",
                           STAFF_ROLES, query=COUNTER_QUERY,
                           errors=("unknown_site", "unknown_counter")))
def queues(device: Device, body: dict[str, Any], site_id: str) -> dict[str, Any]:
    queue = services().engine.queue(site_id)
    hidden = _hidden(device, queue)
    return {"site": site_id, "queues": [
        {"service": s.id, "name": s.name, "waiting_count": len(queue.lines[s.id]),
         "waiting": [] if s.id in hidden else
         [ticket_view(queue, t, hidden) for t in queue.waiting(s.id)]}
        for s in queue.site.services]}


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}/counters", "Counters and whom they serve",
                           STAFF_ROLES, query=COUNTER_QUERY,
                           errors=("unknown_site", "unknown_counter")))
def counters(device: Device, body: dict[str, Any], site_id: str) -> dict[str, Any]:
    queue = services().engine.queue(site_id)
    hidden = _hidden(device, queue)
    return {"site": site_id,
            "counters": [counter_view(queue, c.id, hidden) for c in queue.site.counters]}


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}/counters/{counter_id}/today",
                           "This counter's figures for the business day: calls, finished, "
                           "transfers, no-shows, average wait and service time",
                           STAFF_ROLES, errors=("unknown_site", "unknown_counter"),
                           tag="counters"))
def counter_today(device: Device, body: dict[str, Any], site_id: str,
                  counter_id: str) -> dict[str, Any]:
    server = services()
    queue = server.engine.queue(site_id)
    if queue.site.counter(counter_id) is None:
        raise unknown_counter(site_id, counter_id)
    day = queue.site.business_day(server.clock.now())
    today = {t.id for t in queue.tickets.values() if t.business_day == day}
    found: list[Event] = []
    if today:
        # Ticket ids and event numbers both grow: the day's events start with the issue of
        # its first ticket.
        reader = server.engine.reader
        first = repository.ticket_events(reader, min(today))
        since = first[0].seq - 1 if first else 0
        while True:
            batch = repository.events_since(reader, [site_id], since, 5000)
            found.extend(e for e in batch if e.ticket_id in today)
            if len(batch) < 5000:
                break
            since = batch[-1].seq
    return {"site": site_id, "counter": counter_id, "business_day": day.isoformat(),
            **counter_figures(found, counter_id)}


def counter_figures(events: list[Event], counter_id: str) -> dict[str, Any]:
    """What one counter did, from the events of the day's tickets in order.

    `called` counts first calls (not recalls); `finished` stages ended with an outcome
    (`placements` of them a job); `transferred` and `no_shows` visitors sent on or not come
    (sent back into the queue or ended). A wait runs from joining this desk's queue to the
    call; a service from the start to the finish.
    """
    tally = _Tally()
    held_by: dict[int | None, str | None] = {}  # ticket -> the counter that called it
    for event in events:
        if event.kind in QUEUE_ENTRIES:
            tally.joined[(event.ticket_id, event.stage)] = event.at
        if event.kind is EventKind.CALLED:
            held_by[event.ticket_id] = event.counter_id
        if held_by.get(event.ticket_id) == counter_id:
            tally.count(event)
            if event.kind in _LEAVES_COUNTER:
                del held_by[event.ticket_id]
    return {**tally.counts, "average_wait_seconds": _mean(tally.waits),
            "average_service_seconds": _mean(tally.services)}


_LEAVES_COUNTER = frozenset({EventKind.FINISHED, EventKind.TRANSFERRED, EventKind.NO_SHOW,
                             EventKind.REQUEUED, EventKind.PARKED, EventKind.CANCELLED})


@dataclass
class _Tally:
    """The running figures of one counter (see `counter_figures`)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("called", "finished", "placements", "transferred", "no_shows"), 0))
    joined: dict[tuple[int | None, int | None], datetime] = field(default_factory=dict)
    started: dict[tuple[int | None, int | None], datetime] = field(default_factory=dict)
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)

    def count(self, event: Event) -> None:
        """An event of a ticket while this counter had it in hand."""
        stage = (event.ticket_id, event.stage)
        if event.kind is EventKind.CALLED:
            self.counts["called"] += 1
            if stage in self.joined:
                self.waits.append((event.at - self.joined[stage]).total_seconds())
        elif event.kind is EventKind.STARTED:
            self.started[stage] = event.at
        elif event.kind is EventKind.FINISHED:
            self.counts["finished"] += 1
            self.counts["placements"] += bool(event.data.get("placement"))
            if stage in self.started:
                self.services.append((event.at - self.started[stage]).total_seconds())
        elif event.kind is EventKind.TRANSFERRED:
            self.counts["transferred"] += 1
        elif event.kind in (EventKind.NO_SHOW, EventKind.REQUEUED):
            self.counts["no_shows"] += 1


def _mean(seconds: list[float]) -> int | None:
    return round(sum(seconds) / len(seconds)) if seconds else None


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}/events",
                           "The event log after a sequence number (what a client missed)",
                           STAFF_ROLES, query={"since": integer(), "limit": integer(1, 5000),
                                               **COUNTER_QUERY},
                           errors=("unknown_site", "invalid_field", "unknown_counter")))
def events(device: Device, body: dict[str, Any], site_id: str) -> dict[str, Any]:
    server = services()
    queue = server.engine.queue(site_id)
    since = _query_int("since", 0, 0, 2**53)
    limit = _query_int("limit", 1000, 1, 5000)
    found = repository.events_since(server.engine.reader, [site_id], since, limit)
    hidden = _hidden(device, queue)
    return {"site": site_id, "events": [staff_event_view(queue.site, e, hidden) for e in found],
            "seq": server.engine.committed_seq}


def _query_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"'{name}' must be a whole number.", "invalid_field", field=name) from None
    if not low <= value <= high:
        raise Invalid(f"'{name}' must be between {low} and {high}.", "invalid_field", field=name)
    return value


@endpoint(bp, EndpointSpec("GET", "/tickets/{ticket_id}", "A ticket and its journey so far",
                           STAFF_ROLES, query=COUNTER_QUERY,
                           errors=("unknown_ticket", "unknown_counter"), tag="tickets"))
def get_ticket(device: Device, body: dict[str, Any], ticket_id: int) -> dict[str, Any]:
    server = services()
    engine = server.engine
    try:
        site_id = _site_of_ticket(ticket_id, device)
        found = engine.queue(site_id).ticket(ticket_id)
    except NotFound:
        # A ticket of a closed day is no longer held in memory: read it from the store.
        stored = repository.find_ticket(engine.reader, ticket_id)
        if stored is None or stored.site_id not in engine.queues:
            raise
        if device.role != "admin" and device.site_id != stored.site_id:
            raise Denied("This ticket belongs to another site.", "forbidden_site") from None
        site_id, found = stored.site_id, stored
    queue = engine.queue(site_id)
    hidden = _hidden(device, queue)
    if all(p in hidden for p in found.purposes):  # a visit wholly another organisation's
        raise unknown_ticket(ticket_id)
    journey = repository.ticket_events(engine.reader, ticket_id)
    return {"ticket": ticket_view(queue, found, hidden),
            "journey": [staff_event_view(queue.site, e, hidden) for e in journey]}


# ---- issuing --------------------------------------------------------------------------------

ISSUE_BODY = obj({
    "services": array(string(64), min_items=1, max_items=6),
    "priority": boolean(),
    "language": string(16),
}, required=("services",))


@endpoint(bp, EndpointSpec("POST", "/sites/{site_id}/tickets",
                           "Issue a ticket for one or more desks (send an Idempotency-Key)",
                           ("kiosk", *STAFF_ROLES), body=ISSUE_BODY, idempotent=True,
                           ok_status=201, tag="tickets",
                           errors=("unknown_site", "unknown_service", "site_closed",
                                   "duplicate_services", "numbers_exhausted")))
def issue(device: Device, body: dict[str, Any], site_id: str) -> tuple[int, dict[str, Any]]:
    server = services()
    engine = server.engine

    def operation(queue: SiteQueue, now: datetime) -> Ticket:
        # Checked here, after the idempotency key: a retry just after closing time gets
        # the ticket it was given before closing, not a refusal.
        if not server.is_open(queue.site):
            raise Conflict(f"{queue.site.name} is closed now: tickets are issued in business "
                           "hours.", "site_closed")
        return queue.issue(engine.new_ticket_id(), list(body["services"]), now,
                           engine.new_public_token(), priority=body.get("priority", False),
                           language=body.get("language", "ja"))

    shown: dict[str, Any] = {}  # the estimate the kiosk shows goes on the paper too

    def render(ticket: Ticket) -> tuple[int, dict[str, Any]]:
        # The answer kept under the idempotency key: the ticket, not yet its estimate.
        queue = engine.queue(site_id)
        view = visitor_ticket_view(queue, ticket)
        view["status_url"] = status_url(ticket.public_token)
        view["qr_svg_url"] = f"/t/{ticket.public_token}/qr.svg"
        view["print"] = {"state": server.printing.state_for(device)}
        if device.role != "kiosk":
            view = {**view, "ticket": ticket_view(queue, ticket)}
        return 201, view

    def estimate(ticket_id: int) -> Any:
        # Once the ticket is stored: kiosks tapping at once share one forecast of the queue
        # with all of their tickets in it, rather than one forecast each before storing.
        if "estimate" not in shown:
            ticket = engine.queue(site_id).tickets.get(ticket_id)
            shown["estimate"] = (server.estimator.estimate(site_id, ticket)
                                 if ticket is not None else None)
        return shown["estimate"]

    def print_it(ticket: Ticket) -> None:
        server.printing.print_for_kiosk(device.id, site_id, ticket.id,
                                          status_url(ticket.public_token), estimate(ticket.id))

    status, view = _run(device, body, site_id, operation, render, after=print_it)
    if status != 201:
        return status, view
    # A repeat of the request gets the ticket it was given, with its estimate as of now.
    return status, {**view, "estimate": estimate_view(estimate(int(view["id"])))}


# ---- counters -------------------------------------------------------------------------------

def _called(choice: Any, queue: SiteQueue, device: Device) -> tuple[int, dict[str, Any]]:
    ticket = queue.ticket(choice.ticket_id)
    return 200, {"ticket": ticket_view(queue, ticket, _hidden(device, queue, ticket.counter_id)),
                 "reason": choice.reason,
                 "reason_code": choice.reason_code}


@endpoint(bp, EndpointSpec("POST", "/sites/{site_id}/counters/{counter_id}/call-next",
                           "Call the next visitor for this counter, with the reason",
                           STAFF_ROLES, body=obj({}), idempotent=True, tag="counters",
                           errors=("unknown_counter", "no_waiting_tickets", "counter_paused",
                                   "counter_busy")))
def call_next(device: Device, body: dict[str, Any], site_id: str,
              counter_id: str) -> tuple[int, dict[str, Any]]:
    return _run(device, body, site_id,
                lambda q, now: q.call_next(counter_id, now, _staff_name(device)),
                lambda choice: _called(choice, services().engine.queue(site_id), device))


CALL_BODY = obj({"ticket": integer(1), "label": string(32)})


@endpoint(bp, EndpointSpec("POST", "/sites/{site_id}/counters/{counter_id}/call",
                           "Call one particular ticket, by id or by the number on it",
                           STAFF_ROLES, body=CALL_BODY, idempotent=True, tag="counters",
                           errors=("unknown_counter", "unknown_ticket", "invalid_transition",
                                   "service_not_served", "counter_busy", "counter_paused")))
def call_one(device: Device, body: dict[str, Any], site_id: str,
             counter_id: str) -> tuple[int, dict[str, Any]]:
    queue = services().engine.queue(site_id)
    if "ticket" not in body and "label" not in body:
        raise Invalid("Give the ticket's id or its number ('ticket' or 'label').",
                      "invalid_field", field="body.ticket")

    def operation(q: SiteQueue, now: datetime) -> Any:
        # The number is looked up after the idempotency key: a retry gets the first answer
        # even if that ticket has been finished since.
        ticket_id = body.get("ticket") or _live_ticket_by_label(q, body["label"])
        return q.call(counter_id, ticket_id, now, _staff_name(device))

    return _run(device, body, site_id, operation, lambda choice: _called(choice, queue, device))


def _live_ticket_by_label(queue: SiteQueue, label: str) -> int:
    for ticket in queue.tickets.values():
        if ticket.label == label and ticket.status in LIVE:
            return ticket.id
    raise NotFound(f"No live ticket has the number {label}.", "unknown_ticket")


def _counter_status(name: str, status: str, summary: str) -> None:
    @endpoint(bp, EndpointSpec("POST", f"/sites/{{site_id}}/counters/{{counter_id}}/{name}",
                               summary, STAFF_ROLES, body=obj({}), idempotent=True,
                               tag="counters", errors=("unknown_counter", "counter_busy")))
    def change(device: Device, body: dict[str, Any], site_id: str,
               counter_id: str) -> tuple[int, dict[str, Any]]:
        queue = services().engine.queue(site_id)
        return _run(device, body, site_id,
                    lambda q, now: q.set_counter(counter_id, status, now, _staff_name(device)),
                    lambda state: (200, counter_view(queue, counter_id,
                                                     _hidden(device, queue, counter_id))))

    change.__name__ = f"counter_{name}"


for _name, _status, _summary in (
    ("open", "open", "Open a counter (calling also opens it)"),
    ("pause", "paused", "Pause a counter: it calls nobody until resumed"),
    ("resume", "open", "Resume a paused counter"),
    ("close", "closed", "Close a counter (it must have nobody in hand)"),
):
    _counter_status(_name, _status, _summary)


# ---- tickets at a counter -------------------------------------------------------------------

AT_COUNTER_BODY = obj({"counter": string(64)})
FINISH_BODY = obj({"counter": string(64), "outcome": string(64)}, required=("outcome",))
TRANSFER_BODY = obj({"counter": string(64), "service": string(64), "note": string(200)},
                    required=("service",))
CANCEL_BODY = obj({"reason": string(64)})


def _ticket_action(name: str, summary: str, body_schema: Any, action: Any,
                   errors: tuple[str, ...] = ()) -> None:
    @endpoint(bp, EndpointSpec("POST", f"/tickets/{{ticket_id}}/{name}", summary, STAFF_ROLES,
                               body=body_schema, idempotent=True, tag="tickets",
                               errors=TICKET_ERRORS + errors))
    def act(device: Device, body: dict[str, Any], ticket_id: int) -> tuple[int, dict[str, Any]]:
        site_id = _site_of_ticket(ticket_id, device)
        queue = services().engine.queue(site_id)
        staff = _staff_name(device)
        return _run(device, body, site_id,
                    lambda q, now: action(q, ticket_id, now, body, staff),
                    lambda ticket: (200, {"ticket": ticket_view(
                        queue, ticket, _hidden(device, queue, body.get("counter")))}))

    act.__name__ = f"ticket_{name.replace('-', '_')}"


_ticket_action("recall", "Call the ticket again", AT_COUNTER_BODY,
               lambda q, t, now, b, s: q.recall(t, now, b.get("counter"), s))
_ticket_action("start", "Start serving the called visitor", AT_COUNTER_BODY,
               lambda q, t, now, b, s: q.start(t, now, b.get("counter"), s))
def _no_show(q: SiteQueue, ticket_id: int, now: datetime, body: dict[str, Any],
             staff: str | None) -> Any:
    """A notified visitor may be away: 不在 waits the site's grace time after the call."""
    notified = services().notifier.is_notified(q.site.id, ticket_id)
    check_no_show(q.site.policy, q.ticket(ticket_id), now, notified)
    return q.no_show(ticket_id, now, body.get("counter"), staff)


_ticket_action("no-show", "The visitor did not come (back in the queue once, or ended); a "
               "visitor notified on their phone only after the site's away_grace_minutes",
               AT_COUNTER_BODY, _no_show, ("no_show_too_soon",))
_ticket_action("finish", "Finish this stage with an outcome; the next purpose is queued",
               FINISH_BODY,
               lambda q, t, now, b, s: q.finish(t, b["outcome"], now, b.get("counter"), s),
               ("unknown_outcome",))
_ticket_action("transfer", "Send the visitor to another desk, same number, same place in time",
               TRANSFER_BODY,
               lambda q, t, now, b, s: q.transfer(t, b["service"], now, b.get("counter"), s,
                                                  b.get("note")),
               ("unknown_service", "same_service"))
_ticket_action("park", "Set the ticket aside; it keeps its place", obj({}),
               lambda q, t, now, b, s: q.park(t, now, s))
_ticket_action("return", "Put a parked ticket back in its queue", obj({}),
               lambda q, t, now, b, s: q.unpark(t, now, s))
_ticket_action("cancel", "Cancel the visit", CANCEL_BODY,
               lambda q, t, now, b, s: q.cancel(t, now, s, b.get("reason", "cancelled")))


REPRINT_BODY = obj({"printer": string(64)})


@endpoint(bp, EndpointSpec("POST", "/tickets/{ticket_id}/reprint",
                           "Print the ticket again, marked 再発行 (the outcome is pushed as "
                           "'print')", STAFF_ROLES, body=REPRINT_BODY, idempotent=True,
                           ok_status=202, tag="tickets",
                           errors=("unknown_ticket", "unknown_printer")))
def reprint(device: Device, body: dict[str, Any], ticket_id: int) -> tuple[int, dict[str, Any]]:
    server = services()
    site_id = _site_of_ticket(ticket_id, device)
    printer = body.get("printer")
    if printer is not None and server.printing.site_of.get(printer) != site_id:
        raise NotFound(f"Site '{site_id}' has no printer '{printer}'.", "unknown_printer")

    def start(ticket: Ticket) -> None:
        server.printing.reprint(site_id, ticket.id, status_url(ticket.public_token), printer)

    return _run(device, body, site_id, lambda q, now: q.ticket(ticket_id),
                lambda ticket: (202, {"ticket": ticket.id, "print": {"state": "queued"}}),
                after=start)


# ---- the day and the clock ------------------------------------------------------------------

@endpoint(bp, EndpointSpec("POST", "/sites/{site_id}/close-day",
                           "End the day: live tickets are closed, history is kept",
                           ("manager", "admin"), body=obj({}), idempotent=True, tag="sites",
                           errors=("unknown_site",)))
def close_day(device: Device, body: dict[str, Any], site_id: str) -> tuple[int, dict[str, Any]]:
    return _run(device, body, site_id,
                lambda q, now: q.close_day(now, _staff_name(device)),
                lambda closed: (200, {"site": site_id, "closed_tickets": closed}))


CLOCK_BODY = obj({"set": string(40), "advance_seconds": integer(0, 10**8)})
# Far enough either way for any demo or replay, near enough that date arithmetic on
# "now" (business days, the day before, wait times) cannot leave datetime's range.
CLOCK_RANGE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@endpoint(bp, EndpointSpec("POST", "/clock", "Move the simulated clock (simulated mode only)",
                           ("admin",), body=CLOCK_BODY, tag="system",
                           errors=("clock_not_simulated", "invalid_field")))
def move_clock(device: Device, body: dict[str, Any]) -> dict[str, Any]:
    clock = services().clock
    if not isinstance(clock, SimulatedClock):
        raise Conflict("The server runs on the system clock.", "clock_not_simulated")
    moment = clock.now()
    if "set" in body:
        try:
            moment = datetime.fromisoformat(body["set"])
        except ValueError:
            raise Invalid("'set' must be an ISO 8601 time with an offset.",
                          "invalid_field", field="body.set") from None
        if moment.tzinfo is None:
            raise Invalid("'set' needs a UTC offset, for example +09:00.", "invalid_field",
                          field="body.set")
    try:
        moment = moment + timedelta(seconds=body.get("advance_seconds", 0))
        in_range = CLOCK_RANGE[0] <= moment < CLOCK_RANGE[1]
    except OverflowError:
        in_range = False
    if not in_range:
        raise Invalid("The clock can only be set between 2000 and 2100.", "invalid_field",
                      field="body.set" if "set" in body else "body.advance_seconds")
    clock.set(moment)
    return {"now": clock.now().isoformat()}
