"""Reminders of appointments by e-mail, the day before, where a mail server is configured.

A loop of its own (never the housekeeping's, never a calling path): a slow or dead mail
server only delays reminders. Each booked appointment of tomorrow with a contact gets one
message; it is marked as reminded once the mail server took it, so a restart sends no
second one, and a failure is tried again on the next round. The message names the desk by
its public name and carries no booking code (only its hash is kept).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

import gevent

from ..domain.appointments import Booking
from ..domain.model import Site
from ..mailer import MailFailed
from ..services import Services
from .views import strings

log = logging.getLogger(__name__)


def reminder(site: Site, booking: Booking) -> tuple[str, str]:
    """The subject and body of a booking's reminder, in Japanese."""
    text = strings()
    local = booking.slot_at.astimezone(site.tz)
    desks = "、".join(d.public_label for d in (site.service(s) for s in booking.services) if d)
    values = {"site": site.name, "day": f"{local:%Y年%m月%d日}", "time": f"{local:%H:%M}",
              "desk": desks}
    return (text["reminder_subject"].format(**values), text["reminder_body"].format(**values))


def send_reminders(services: Services) -> int:
    """One round: remind every appointment of tomorrow not reminded yet. Returns how many
    messages the mail server took."""
    mailer, bookings = services.mailer, services.bookings
    if not mailer.enabled:
        return 0
    sent = 0
    for site in list(services.sites.values()):
        if not any(s.booking for s in site.services):
            continue
        tomorrow = services.clock.now().astimezone(site.tz).date() + timedelta(days=1)
        for booking in bookings.due_reminders(site.id, tomorrow):
            assert booking.contact is not None
            subject, body = reminder(site, booking)
            try:
                bookings.offload(partial(mailer.send, booking.contact, subject, body))
            except MailFailed as exc:
                log.warning("reminder of booking %s not sent: %s", booking.id, exc)
                continue
            bookings.mark_reminded(booking.id)
            sent += 1
    return sent


def remind(services: Services) -> None:
    """The reminders' loop, every `housekeeping_seconds`."""
    while True:
        gevent.sleep(services.settings.housekeeping_seconds)
        try:
            send_reminders(services)
        except Exception:
            log.exception("appointment reminders failed")
