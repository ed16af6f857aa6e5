"""The staff alert channel's moving parts: alerts escalate when nobody takes them in time,
printers at fault raise (and clear) alerts of their own, and the kiosk that asked for staff
hears when someone takes its alert.

The board of open alerts is the domain's (domain/alerts.py); this listens to the stored events
and to the printers, and changes the board only through the engine, never from inside an
engine listener (that would wait on the commit that is publishing): each change runs in a
greenlet of its own.
"""

from __future__ import annotations

import logging
from typing import Any

import gevent
from flask_socketio import SocketIO

from .domain.events import Event, EventKind
from .domain.model import Site
from .engine import Engine
from .printer_events import PrinterEvent

log = logging.getLogger(__name__)


def device_room(device_id: str) -> str:
    """The Socket.IO room of one device (a kiosk told its alert was taken, a display asked
    for a sound test)."""
    return f"device:{device_id}"


class AlertChannel:
    def __init__(self, engine: Engine, sites: dict[str, Site], socketio: SocketIO) -> None:
        self.engine = engine
        self.sites = sites
        self.socketio = socketio
        self._timers: dict[tuple[str, str], gevent.Greenlet] = {}

    def start(self) -> None:
        """Escalations for the alerts left open before a restart."""
        now = self.engine.clock.now()
        for site_id, queue in self.engine.queues.items():
            for alert in list(queue.alerts.open.values()):
                if not alert.escalated:
                    waited = (now - alert.raised_at).total_seconds()
                    self._schedule(site_id, alert.id, self._delay(site_id) - waited)

    def stop(self) -> None:
        for timer in self._timers.values():
            timer.kill(block=False)
        self._timers.clear()

    # ---- stored events ---------------------------------------------------------------------

    def __call__(self, events: list[Event]) -> None:
        for event in events:
            alert_id = str(event.data.get("id") or "")
            if not alert_id:
                continue
            if event.kind is EventKind.STAFF_ALERT:
                self._schedule(event.site_id, alert_id, self._delay(event.site_id))
            elif event.kind in (EventKind.ALERT_TAKEN, EventKind.ALERT_CLEARED):
                timer = self._timers.pop((event.site_id, alert_id), None)
                if timer is not None:
                    timer.kill(block=False)
            if event.kind is EventKind.ALERT_TAKEN and event.data.get("source"):
                # Only the kiosk that asked: the alert's kind and that someone is coming,
                # never who nor from which counter.
                self.socketio.emit(
                    "alert",
                    {"id": alert_id, "state": "taken", "alert": event.data.get("alert")},
                    to=device_room(str(event.data["source"])),
                )

    def _delay(self, site_id: str) -> float:
        site = self.sites.get(site_id)
        return float(site.policy.alert_escalate_s) if site else 120.0

    def _schedule(self, site_id: str, alert_id: str, delay: float) -> None:
        self._timers[(site_id, alert_id)] = gevent.spawn_later(
            max(0.0, delay), self._escalate, site_id, alert_id
        )

    def _escalate(self, site_id: str, alert_id: str) -> None:
        self._timers.pop((site_id, alert_id), None)
        self._change(site_id, lambda q, now: q.escalate_alert(alert_id, now))

    # ---- devices -------------------------------------------------------------------------

    def printer_changed(self, event: PrinterEvent) -> None:
        """A printer at fault raises an alert (one at a time); back in order, it clears it.
        A ticket that did not print raises its own alert (printer_failed, with the number),
        so an outcome only clears."""
        if event.kind == "outcome" and event.fault:
            return
        gevent.spawn(
            self._printer_alert,
            event.site_id,
            event.printer_id,
            str(event.view.get("name") or event.printer_id),
            str(event.view.get("label") or ""),
            event.fault,
        )

    def _printer_alert(
        self, site_id: str, printer_id: str, name: str, label: str, fault: bool
    ) -> None:
        def change(queue: Any, now: Any) -> Any:
            open_alert = queue.alerts.find("printer_fault", printer_id)
            if fault and open_alert is None:
                where = f"{name}（{label}）" if label else name
                return queue.alert_staff("printer_fault", now, None, printer_id, where)
            if not fault and open_alert is not None:
                return queue.clear_alert(open_alert.id, now, "recovered")
            return None

        self._change(site_id, change)

    def device_sound(self, site_id: str, device_id: str, name: str, silent: bool) -> None:
        """A display says whether it can play sound: one that cannot raises an alert, and
        clears it once it can."""

        def change(queue: Any, now: Any) -> Any:
            open_alert = queue.alerts.find("display_silent", device_id)
            if silent and open_alert is None:
                return queue.alert_staff("display_silent", now, None, device_id, name)
            if not silent and open_alert is not None:
                return queue.clear_alert(open_alert.id, now, "sound_allowed")
            return None

        gevent.spawn(self._change, site_id, change)

    def _change(self, site_id: str, operation: Any) -> None:
        try:
            self.engine.run(site_id, operation, lambda _: (200, {}))
        except Exception:  # the next change of state tries again
            log.exception("staff alert change failed at site %s", site_id)
