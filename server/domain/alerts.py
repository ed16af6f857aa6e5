"""Staff alerts: a visitor at a kiosk asks for a person, a ticket did not print, a device is at
fault. One board per site holds the alerts nobody has taken yet.

An alert is raised, then ends in one of two ways: a member of staff takes it (「対応します」:
it leaves every console, and the kiosk that asked is told someone is coming), or the device
that raised it recovers by itself (a printer given paper: cleared). Not taken within the
site's `alert_escalate_s`, it escalates once (louder, and on the managers' dashboard). Every
step is an event in the log, so the board is rebuilt from the log after a restart and the
reports count alerts and the time taken to take them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from .errors import Conflict, Invalid, NotFound
from .events import Event, EventKind

# Asked for by a kiosk (the API takes only these) …
VISITOR_ALERTS = ("need_help", "call_staff")
# … raised by the server itself: a ticket no printer printed, a printer at fault, a display
# that cannot play sound.
DEVICE_ALERTS = ("printer_failed", "printer_fault", "display_silent")
ALERT_KINDS = VISITOR_ALERTS + DEVICE_ALERTS
ALERT_EVENTS = frozenset(
    {
        EventKind.STAFF_ALERT,
        EventKind.ALERT_TAKEN,
        EventKind.ALERT_ESCALATED,
        EventKind.ALERT_CLEARED,
    }
)
_TAKEN_KEPT = 256  # taken alerts remembered, to tell a late second taker who took it


@dataclass
class Alert:
    """One alert nobody has taken yet."""

    id: str
    kind: str
    raised_at: datetime
    source: str | None  # the device(s) that raised it: a kiosk's id, printers' ids
    where: str  # what staff read as its place: the kiosk's or printer's name
    ticket_id: int | None = None
    label: str | None = None  # the visitor's number, when there is a ticket
    escalated: bool = False


@dataclass
class AlertBoard:
    """The open alerts of one site, in the order they were raised."""

    site_id: str
    open: dict[str, Alert] = field(default_factory=dict)
    taken: OrderedDict[str, str] = field(default_factory=OrderedDict)  # id -> who took it
    _serial: dict[date, int] = field(default_factory=dict)  # the day's last id number

    def raise_alert(
        self,
        kind: str,
        now: datetime,
        day: date,
        *,
        source: str | None,
        where: str = "",
        ticket_id: int | None = None,
        label: str | None = None,
    ) -> Event:
        if kind not in ALERT_KINDS:
            raise Invalid(f"Unknown alert '{kind}'.", "invalid_alert")
        serial = self._serial.get(day, 0) + 1
        self._serial = {day: serial}  # ids restart each business day, prefixed with it
        alert = Alert(
            f"{day:%Y%m%d}-{serial}", kind, now, source, where or source or "", ticket_id, label
        )
        self.open[alert.id] = alert
        return Event(
            EventKind.STAFF_ALERT,
            self.site_id,
            now,
            ticket_id=ticket_id,
            staff=source,
            data={"alert": kind, "label": label, "id": alert.id, "where": alert.where},
        )

    def take(
        self, alert_id: str, now: datetime, staff: str, counter_id: str | None = None
    ) -> Event:
        """One member of staff takes the alert; a second one is told who did."""
        alert = self.open.get(alert_id)
        if alert is None:
            if alert_id in self.taken:
                raise Conflict(
                    f"Alert {alert_id} was already taken by {self.taken[alert_id]}.",
                    "alert_taken",
                    alert=alert_id,
                    staff=self.taken[alert_id],
                )
            raise NotFound(f"There is no open alert '{alert_id}'.", "unknown_alert", alert=alert_id)
        del self.open[alert_id]
        self._remember_taken(alert_id, staff)
        seconds = max(0, round((now - alert.raised_at).total_seconds()))
        return Event(
            EventKind.ALERT_TAKEN,
            self.site_id,
            now,
            ticket_id=alert.ticket_id,
            counter_id=counter_id,
            staff=staff,
            data={
                "id": alert.id,
                "alert": alert.kind,
                "label": alert.label,
                "source": alert.source,
                "seconds": seconds,
                "escalated": alert.escalated,
            },
        )

    def escalate(self, alert_id: str, now: datetime) -> Event | None:
        """The alert waited too long: once, and only while still open."""
        alert = self.open.get(alert_id)
        if alert is None or alert.escalated:
            return None
        alert.escalated = True
        return Event(
            EventKind.ALERT_ESCALATED,
            self.site_id,
            now,
            ticket_id=alert.ticket_id,
            data={"id": alert.id, "alert": alert.kind, "label": alert.label, "where": alert.where},
        )

    def clear(self, alert_id: str, now: datetime, reason: str) -> Event | None:
        """The device recovered (or the alert no longer stands): it ends without a taker."""
        alert = self.open.pop(alert_id, None)
        if alert is None:
            return None
        return Event(
            EventKind.ALERT_CLEARED,
            self.site_id,
            now,
            ticket_id=alert.ticket_id,
            data={"id": alert.id, "alert": alert.kind, "reason": reason, "source": alert.source},
        )

    def close_day(
        self, now: datetime, closing: date, day_of: Callable[[datetime], date]
    ) -> list[Event]:
        """The day's close ends the visitors' alerts of that day and before (the visitor has
        gone home); a device still at fault keeps its alert."""
        stale = [
            a.id
            for a in self.open.values()
            if a.kind not in ("printer_fault", "display_silent") and day_of(a.raised_at) <= closing
        ]
        return [e for e in (self.clear(i, now, "day_closed") for i in stale) if e is not None]

    def find(self, kind: str, source: str | None) -> Alert | None:
        return next((a for a in self.open.values() if a.kind == kind and a.source == source), None)

    def replay(
        self, events: Iterable[Event], day_of: Callable[[datetime], date], today: date
    ) -> None:
        """Rebuild the board from the log's alert events, oldest first. Alerts of an earlier
        business day are not shown again (a device still at fault raises a new one)."""
        for e in events:
            alert_id = str(e.data.get("id") or "")
            if not alert_id:
                continue  # an alert from before alerts could be taken: nothing to show
            if e.kind is EventKind.STAFF_ALERT and day_of(e.at) < today:
                continue
            if e.kind is EventKind.STAFF_ALERT:
                self.open[alert_id] = Alert(
                    alert_id,
                    str(e.data.get("alert")),
                    e.at,
                    e.staff,
                    str(e.data.get("where") or e.staff or ""),
                    e.ticket_id,
                    e.data.get("label"),
                )
                day = day_of(e.at)
                serial = int(alert_id.rsplit("-", 1)[-1]) if "-" in alert_id else 0
                if serial > self._serial.get(day, 0):
                    self._serial = {day: serial}
            elif e.kind is EventKind.ALERT_TAKEN:
                self.open.pop(alert_id, None)
                self._remember_taken(alert_id, e.staff or "")
            elif e.kind is EventKind.ALERT_CLEARED:
                self.open.pop(alert_id, None)
            elif e.kind is EventKind.ALERT_ESCALATED and alert_id in self.open:
                self.open[alert_id].escalated = True

    def _remember_taken(self, alert_id: str, staff: str) -> None:
        self.taken[alert_id] = staff
        while len(self.taken) > _TAKEN_KEPT:
            self.taken.popitem(last=False)
