"""The appointments API: staff book for a visitor, visitors book on the public page if the site
allows, anyone holding a code changes or cancels it, and the kiosk or staff check it in."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, request

from ..calendars import desks_of, feed_path
from ..domain.appointments import Booking, shown_code
from ..domain.errors import Conflict, Invalid, unknown_counter, unknown_service
from ..domain.model import Site, Ticket
from ..domain.site_queue import SiteQueue
from ..mailer import checked_address
from ..phone.views import public_base, status_url
from ..presenters import local_iso, ticket_view, visitor_ticket_view
from ..reports.appointments import HEADER as REPORT_HEADER
from ..reports.appointments import csv_rows
from ..reports.appointments import report as appointment_report
from ..reports.csvout import csv_response
from ..services import services
from ..web.endpoints import STAFF_ROLES, EndpointSpec, endpoint, idempotency
from ..web.validation import array, obj, string

bp = Blueprint("bookings", __name__)
BOOK_ERRORS = ("unknown_site", "unknown_service", "not_bookable", "slot_full", "slot_past",
               "slot_too_far", "booking_day_closed", "invalid_slot", "invalid_field",
               "duplicate_services", "email_invalid", "email_too_long")
CODE_ERRORS = ("unknown_booking", "too_many_attempts")

BOOK_BODY = obj({
    "services": array(string(64), min_items=1, max_items=3),
    "slot": string(40),
    "contact": string(254),
}, required=("services", "slot"))
CHANGE_BODY = obj({"slot": string(40)}, required=("slot",))
CHECK_IN_BODY = obj({"code": string(200)}, required=("code",))


def _moment(text: str, site: Site) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("'slot' must be a time like 2026-12-07T10:30+09:00.", "invalid_field",
                      field="body.slot") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=site.tz)


def _day(site: Site) -> date:
    raw = request.args.get("day")
    today = services().clock.now().astimezone(site.tz).date()
    if raw is None:
        return today
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid("'day' must be a date like 2026-12-07.", "invalid_field",
                      field="day") from None


def _contact(body: dict[str, Any]) -> str | None:
    """The e-mail address for a reminder, checked; none is kept where no mail server is
    configured (it could never be used)."""
    contact = body.get("contact")
    if contact is None:
        return None
    checked = checked_address(contact)
    return checked if services().mailer.enabled else None


def booking_view(booking: Booking, public: bool) -> dict[str, Any]:
    """A booking as its holder (public) or staff see it; a sensitive desk keeps its public
    name on the public view."""
    site = services().sites[booking.site_id]
    desks = [site.service(s) for s in booking.services]
    view: dict[str, Any] = {
        "site": site.id, "site_name": site.name, "status": booking.status.value,
        "slot_at": local_iso(site, booking.slot_at),
        "services": [{"id": d.id if d else sid,
                      "label": (d.public_label if public else d.name) if d else sid}
                     for d, sid in zip(desks, booking.services, strict=True)],
    }
    if not public:
        view.update({"id": booking.id, "created_by": booking.created_by,
                     "contact_given": booking.contact is not None,
                     "reminded": booking.reminded_at is not None,
                     "ticket": booking.ticket_id, "late": booking.late,
                     "checked_in_at": local_iso(site, booking.checked_in_at)})
    return view


def _booked(site_id: str, body: dict[str, Any], by: str, public: bool) -> tuple[int, Any]:
    server = services()
    site = server.bookings.site(site_id)
    made = server.bookings.book(site_id, list(body["services"]), _moment(body["slot"], site),
                                _contact(body), by, public=public)
    return 201, {"code": shown_code(made.code), **booking_view(made.booking, public),
                 "manage_url": f"{public_base(server.settings)}/b/{made.code}",
                 "qr_svg_url": f"/b/{made.code}/qr.svg"}


def _client() -> str:
    return f"address:{request.remote_addr or '?'}"


def _once(site_id: str, device: Any, body: dict[str, Any],
          make: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    """Run `make` once per Idempotency-Key: a repeat gets the first answer back (a double tap
    books once). The answer is kept with the engine's, for its time to live."""
    engine = services().engine
    if device is not None:
        key, digest = idempotency(device, body)
    else:
        raw = request.headers.get("Idempotency-Key")
        key = f"public:{raw}" if raw and len(raw) <= 100 else None
        digest = hashlib.sha256(json.dumps([request.method, request.path, body],
                                           sort_keys=True).encode()).hexdigest()
    if key is not None:
        earlier = engine.earlier_answer(key, digest)
        if earlier is not None:
            return earlier
    status, view = make()
    if key is None:
        return status, view
    return engine.run(site_id, lambda queue, now: None,  # type: ignore[no-any-return]
                      lambda _: (status, view), key=key, request_hash=digest)


# ---- staff ----------------------------------------------------------------------------------

@endpoint(bp, EndpointSpec("POST", "/sites/{site_id}/appointments",
                           "Book an appointment for a visitor; the answer carries its code, "
                           "shown this once", STAFF_ROLES, body=BOOK_BODY, ok_status=201,
                           idempotent=True, tag="appointments", errors=BOOK_ERRORS))
def book(device: Any, body: dict[str, Any], site_id: str) -> tuple[int, Any]:
    return _once(site_id, device, body, lambda: _booked(site_id, body, device.id, public=False))


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}/appointments",
                           "The day's appointments (`day`, today by default)", STAFF_ROLES,
                           tag="appointments", errors=("unknown_site", "invalid_field")))
def day_list(device: Any, body: dict[str, Any], site_id: str) -> dict[str, Any]:
    server = services()
    site = server.bookings.site(site_id)
    day = _day(site)
    found = server.bookings.between(site_id, day, day)
    return {"site": site_id, "day": day.isoformat(),
            "appointments": [booking_view(b, public=False) for b in found]}


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}/appointments/slots",
                           "Free slots of a bookable desk on a day (`service`, `day`)",
                           STAFF_ROLES, tag="appointments",
                           errors=("unknown_site", "unknown_service", "not_bookable",
                                   "invalid_field")))
def staff_slots(device: Any, body: dict[str, Any], site_id: str) -> dict[str, Any]:
    return _slots(site_id, public=False)


def _slots(site_id: str, public: bool) -> dict[str, Any]:
    server = services()
    site = server.bookings.site(site_id)
    service_id = request.args.get("service", "")
    desk = site.service(service_id)
    if public and (desk is None or desk.sensitive or not site.appointments.public):
        raise Conflict("This desk takes no appointments here.", "not_bookable")
    day = _day(site)
    return {"site": site_id, "service": service_id, "day": day.isoformat(),
            "slots": server.bookings.free_slots(site_id, service_id, day)}


@endpoint(bp, EndpointSpec("POST", "/sites/{site_id}/appointments/check-in",
                           "Check a visitor in by their booking code: a ticket for the visit, "
                           "called at its slot (send an Idempotency-Key)",
                           ("kiosk", *STAFF_ROLES), body=CHECK_IN_BODY, idempotent=True,
                           ok_status=201, tag="appointments",
                           errors=(*CODE_ERRORS, "unknown_site", "already_checked_in",
                                   "booking_expired", "booking_other_site", "booking_not_yet",
                                   "site_closed")))
def check_in(device: Any, body: dict[str, Any], site_id: str) -> tuple[int, Any]:
    server = services()
    engine = server.engine
    key, digest = idempotency(device, body)
    if key is not None:
        earlier = engine.earlier_answer(key, digest)
        if earlier is not None:
            return earlier
    booking = server.bookings.by_code(body["code"], f"device:{device.id}")
    answer: dict[str, Any] = {}

    def issue(slot_at: datetime | None) -> Ticket:
        def operation(queue: SiteQueue, now: datetime) -> Ticket:
            answer["ticket"] = queue.issue(engine.new_ticket_id(), list(booking.services),
                                           now, engine.new_public_token(), slot_at=slot_at)
            return answer["ticket"]  # type: ignore[no-any-return]

        def render(ticket: Ticket) -> tuple[int, dict[str, Any]]:
            queue = engine.queue(site_id)
            view = visitor_ticket_view(queue, ticket)
            view["status_url"] = status_url(ticket.public_token)
            view["qr_svg_url"] = f"/t/{ticket.public_token}/qr.svg"
            view["print"] = {"state": server.printing.state_for(device)}
            view["appointment"] = {"slot_at": local_iso(queue.site, booking.slot_at),
                                   "kept": slot_at is not None}
            if device.role != "kiosk":
                view = {**view, "ticket": ticket_view(queue, ticket)}
            return 201, view

        def print_it(ticket: Ticket) -> None:
            estimate = server.estimator.estimate(site_id, ticket)
            server.printing.print_for_kiosk(device.id, site_id, ticket.id,
                                            status_url(ticket.public_token), estimate)

        answer["reply"] = engine.run(site_id, operation, render, key=key, request_hash=digest,
                                     after=print_it if device.role == "kiosk" else None)
        return answer["ticket"]  # type: ignore[no-any-return]

    _, came = server.bookings.check_in(booking, site_id, issue)
    server.bookings.throttle.succeeded(f"device:{device.id}")
    status, view = answer["reply"]
    return status, {**view, "arrival": came.value}


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}/appointments/calendar",
                           "This member of staff's secret iCalendar address for a counter's "
                           "(`counter`) or a desk's (`service`) appointments",
                           STAFF_ROLES, tag="appointments",
                           errors=("unknown_site", "unknown_counter", "unknown_service",
                                   "invalid_field")))
def calendar_address(device: Any, body: dict[str, Any], site_id: str) -> dict[str, Any]:
    server = services()
    site = server.bookings.site(site_id)
    counter, service = request.args.get("counter"), request.args.get("service")
    if bool(counter) == bool(service):
        raise Invalid("Give either 'counter' or 'service'.", "invalid_field", field="counter")
    kind, scope = ("counter", counter) if counter else ("desk", service)
    assert scope is not None
    if desks_of(site, kind, scope) is None:
        if kind == "counter":
            raise unknown_counter(site_id, scope)
        raise unknown_service(site_id, scope)
    who = re.sub(r"[^A-Za-z0-9_-]", "_", f"{device.kind}-{device.id}")
    return {"url": f"{public_base(server.settings)}{feed_path(site_id, kind, scope, who)}"}


REPORT_QUERY = {"from": string(10), "to": string(10), "format": string(8, enum=["json", "csv"])}


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}/appointments/report",
                           "Appointments by day and desk: bookings, check-ins, lateness, "
                           "no-shows, booked and walk-in waits, slot use (`from`, `to`, "
                           "`format=csv`)", ("manager", "admin"), query=REPORT_QUERY,
                           tag="appointments", errors=("unknown_site", "invalid_field")))
def appointments_report(device: Any, body: dict[str, Any], site_id: str) -> Any:
    server = services()
    site = server.bookings.site(site_id)
    today = server.clock.now().astimezone(site.tz).date()
    first = _date_arg("from", today - timedelta(days=30))
    last = _date_arg("to", today)
    if first > last or (last - first).days > 366:
        raise Invalid("'from' must come before 'to', at most a year apart.", "invalid_field",
                      field="from")
    found = server.bookings.offload(
        lambda: appointment_report(server.engine.reader, site, first, last, today))
    if request.args.get("format") == "csv":
        return csv_response(f"appointments_{site.id}_{first}_{last}", REPORT_HEADER,
                            csv_rows(found))
    return found


def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"'{name}' must be a date like 2026-12-07.", "invalid_field",
                      field=name) from None


# ---- anyone holding the code ----------------------------------------------------------------

@endpoint(bp, EndpointSpec("GET", "/appointments/{code}", "A booking, by its code (no "
                           "credential: the code is one)", None, tag="appointments",
                           errors=CODE_ERRORS))
def by_code(device: None, body: dict[str, Any], code: str) -> dict[str, Any]:
    booking = services().bookings.by_code(code, _client())
    return booking_view(booking, public=True)


@endpoint(bp, EndpointSpec("POST", "/appointments/{code}/change",
                           "Move a booking to another slot of its desk", None, body=CHANGE_BODY,
                           idempotent=True, tag="appointments",
                           errors=(*CODE_ERRORS, *BOOK_ERRORS, "booking_expired")))
def change(device: None, body: dict[str, Any], code: str) -> tuple[int, Any]:
    server = services()
    booking = server.bookings.by_code(code, _client())
    site = server.bookings.site(booking.site_id)

    def move() -> tuple[int, Any]:
        moved = server.bookings.change(booking, _moment(body["slot"], site))
        return 200, booking_view(moved, public=True)

    return _once(site.id, None, body, move)


@endpoint(bp, EndpointSpec("POST", "/appointments/{code}/cancel", "Cancel a booking", None,
                           body=obj({}), idempotent=True, tag="appointments",
                           errors=(*CODE_ERRORS, "booking_expired")))
def cancel(device: None, body: dict[str, Any], code: str) -> tuple[int, Any]:
    server = services()
    booking = server.bookings.by_code(code, _client())

    def cancel_it() -> tuple[int, Any]:
        server.bookings.cancel(booking)
        return 200, {"status": "cancelled"}

    return _once(booking.site_id, None, body, cancel_it)


# ---- the public booking page's calls --------------------------------------------------------

@endpoint(bp, EndpointSpec("GET", "/public/sites/{site_id}/appointments",
                           "What a visitor may book at a site: its bookable public desks",
                           None, tag="appointments", errors=("unknown_site",
                                                             "booking_not_public")))
def public_desks(device: None, body: dict[str, Any], site_id: str) -> dict[str, Any]:
    server = services()
    site = server.bookings.site(site_id)
    if not site.appointments.public:
        raise Conflict("This site takes appointments by telephone or at the counter only.",
                       "booking_not_public")
    desks = [site.service(s) for s in server.bookings.bookable(site, public=True)]
    today = server.clock.now().astimezone(site.tz).date()
    return {"site": site.id, "name": site.name,
            "contact": site.appointments.contact and server.mailer.enabled,
            "today": today.isoformat(),
            "desks": [{"id": d.id, "label": d.public_label, "description": d.description,
                       "slot_minutes": d.booking.slot_minutes,
                       "last_day": (today + timedelta(days=d.booking.days_ahead)).isoformat()}
                      for d in desks if d is not None and d.booking is not None]}


@endpoint(bp, EndpointSpec("GET", "/public/sites/{site_id}/appointments/slots",
                           "Free slots of a public bookable desk on a day (`service`, `day`): "
                           "free places only, never who booked", None, tag="appointments",
                           errors=("unknown_site", "not_bookable", "invalid_field")))
def public_slots(device: None, body: dict[str, Any], site_id: str) -> dict[str, Any]:
    return _slots(site_id, public=True)


@endpoint(bp, EndpointSpec("POST", "/public/sites/{site_id}/appointments",
                           "A visitor books an appointment (if the site allows it)", None,
                           body=BOOK_BODY, ok_status=201, idempotent=True, tag="appointments",
                           errors=(*BOOK_ERRORS, "booking_not_public")))
def public_book(device: None, body: dict[str, Any], site_id: str) -> tuple[int, Any]:
    services().bookings.site(site_id)
    return _once(site_id, None, body, lambda: _booked(site_id, body, "public", public=True))
