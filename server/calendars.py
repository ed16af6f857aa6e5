"""Staff's calendar feeds: a counter's or a desk's appointments as iCalendar (RFC 5545).

Read-only, and opened by a secret address rather than a login (calendar programs cannot log
in): the address carries an HMAC, made with the server's secret key, of the site, the counter
or desk, and the member of staff it was made for; a changed key ends every address. The
feed names no visitor (madoguchi keeps no names) and a sensitive desk only as 「相談」 unless
the site allows its name (`appointments.names_in_calendar`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app

from .domain.appointments import Booking, BookingStatus
from .domain.model import Site
from .services import services

bp = Blueprint("calendar", __name__)
PAST_DAYS = 7
_STATUS = {BookingStatus.BOOKED: "CONFIRMED", BookingStatus.CHECKED_IN: "CONFIRMED",
           BookingStatus.CANCELLED: "CANCELLED", BookingStatus.NO_SHOW: "CONFIRMED"}


def signature(site_id: str, kind: str, scope: str, who: str) -> str:
    key = current_app.secret_key
    assert isinstance(key, bytes | str)
    secret = key.encode() if isinstance(key, str) else key
    message = f"calendar:{site_id}:{kind}:{scope}:{who}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def feed_path(site_id: str, kind: str, scope: str, who: str) -> str:
    return f"/cal/{site_id}/{kind}/{scope}/{who}/{signature(site_id, kind, scope, who)}.ics"


def desks_of(site: Site, kind: str, scope: str) -> tuple[str, ...] | None:
    if kind == "desk":
        return (scope,) if site.service(scope) is not None else None
    counter = site.counter(scope) if kind == "counter" else None
    return counter.services if counter is not None else None


@bp.get("/cal/<site_id>/<kind>/<scope>/<who>/<sig>.ics")
def feed(site_id: str, kind: str, scope: str, who: str, sig: str) -> Response:
    server = services()
    site = server.sites.get(site_id)
    desks = desks_of(site, kind, scope) if site is not None else None
    if site is None or desks is None or not hmac.compare_digest(
            sig, signature(site_id, kind, scope, who)):
        abort(404)
    today = server.clock.now().astimezone(site.tz).date()
    ahead = max((s.booking.days_ahead for s in site.services if s.booking), default=0)
    found = server.bookings.between(site_id, today - timedelta(days=PAST_DAYS),
                                    today + timedelta(days=ahead))
    body = calendar(site, [b for b in found if b.service_id in desks], server.clock.now())
    return Response(body, mimetype="text/calendar",
                    headers={"Cache-Control": "private, max-age=300"})


def calendar(site: Site, bookings: list[Booking], now: datetime) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//madoguchi//appointments//JA",
             "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{_text(site.name)} 予約"]
    stamp = _utc(now)
    for booking in bookings:
        lines += _event(site, booking, stamp)
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _event(site: Site, booking: Booking, stamp: str) -> list[str]:
    desk = site.service(booking.service_id)
    length = desk.booking.slot_minutes if desk and desk.booking else 30
    if desk is None:
        name = "相談"
    elif desk.sensitive and not site.appointments.names_in_calendar:
        name = "相談"
    else:
        name = desk.name
    state = {"checked_in": "（受付済）", "cancelled": "（取消）"}.get(booking.status.value, "")
    return ["BEGIN:VEVENT", f"UID:booking-{booking.id}@madoguchi", f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(booking.slot_at)}",
            f"DTEND:{_utc(booking.slot_at + timedelta(minutes=length))}",
            f"SUMMARY:{_text(f'予約 {name}{state}')}", f"STATUS:{_STATUS[booking.status]}",
            "TRANSP:OPAQUE", "END:VEVENT"]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: Any) -> str:
    text = str(value)
    for old, new in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        text = text.replace(old, new)
    return text


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space (RFC 5545 3.1)."""
    out, current = [], b""
    for ch in line:
        encoded = ch.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)
