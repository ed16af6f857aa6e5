"""Displays in a welfare corner: the waiting figures of the sensitive desks each may show.

Public screens never show a sensitive desk (生活・福祉の相談, 住居確保給付金): a figure beside
its name would tell the main hall that someone came for welfare. A display placed in the
welfare corner itself may show its own desks' figures, people waiting and the estimated wait,
when its setting names them (`show_sensitive`, site file or admin page; rules in
server/sitedevices.py). Only figures: calls at those desks' counters stay as every display
shows them, a number and a counter.

Such a display joins one extra room per desk it shows, `sensitive:<site>:<desk>`, and only
there are that desk's figures sent; the main hall's display, and any display without the
setting, is never in one of these rooms and never gets them. Each message carries whole rows
(`corner_desks`: id, label, waiting, estimate), sent when a figure changes and after every
change to the site (whose snapshot for displays in general has none).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_socketio import SocketIO

from .desk_words import plain
from .domain.model import Service, Site
from .estimates import estimate_view
from .forecasting import Forecasting, NotReady
from .store.devices import Device

Row = dict[str, Any]


def sensitive_room(site_id: str, desk_id: str) -> str:
    return f"sensitive:{site_id}:{desk_id}"


def shown_sensitive(site: Site, device: Device) -> tuple[str, ...]:
    """The sensitive desks of `site` whose figures `device` shows: those its setting names
    that are still the site's sensitive desks, and only on a display of an area."""
    if device.role != "display" or device.counter_id or device.site_id != site.id:
        return ()
    return tuple(d for d in device.show_sensitive
                 if (s := site.service(d)) is not None and s.sensitive)


def corner_label(service: Service) -> str:
    """How the corner's display names a desk of its own: as the visitor chose it at the
    kiosk, in Japanese (暮らし・お金の相談), else by the staff's name; never by its public
    name, 「相談窓口」, the same for every sensitive desk, which would tell them apart by
    nothing."""
    words = {lang: label for lang, label, _ in service.translations}
    return plain(words["ja"]) if "ja" in words else service.name


def corner_row(service: Service, waiting: int, estimate: dict[str, Any] | None) -> Row:
    return {"id": service.id, "label": corner_label(service), "waiting": waiting,
            "estimate": estimate}


class CornerFigures:
    """Pushes each sensitive desk's figures to its room when they change; remembers what it
    last sent, per site and desk."""

    def __init__(self, socketio: SocketIO, queue_of: Callable[[str], Any],
                 estimator: Forecasting) -> None:
        self.socketio = socketio
        self.queue_of = queue_of
        self.estimator = estimator
        self.sent: dict[tuple[str, str], Row] = {}

    def _row(self, site: Site, service: Service, estimate: dict[str, Any] | None) -> Row:
        return corner_row(service, len(self.queue_of(site.id).lines[service.id]), estimate)

    def _send(self, site: Site, row: Row) -> None:
        self.sent[(site.id, row["id"])] = row
        self.socketio.emit("events", {"site": site.id, "events": [],
                                      "waiting": {row["id"]: row["waiting"]},
                                      "corner_desks": [row]},
                           to=sensitive_room(site.id, row["id"]))

    def _last_estimate(self, site: Site, service: Service) -> dict[str, Any] | None:
        last = self.sent.get((site.id, service.id))
        return last["estimate"] if last else None

    def push_counts(self, site: Site) -> bool:
        """After the site's events are stored: the desks whose count changed. True if any
        did (their estimates are then due)."""
        changed = False
        for service in site.services:
            if not service.sensitive:
                continue
            row = self._row(site, service, self._last_estimate(site, service))
            if row != self.sent.get((site.id, service.id)):
                self._send(site, row)
                changed = True
        return changed

    def push_estimates(self, site: Site) -> bool:
        """After the displays' forecast (Forecasting.prepare): the desks whose estimate
        changed. False if the forecast could not answer for every desk."""
        complete = True
        for service in site.services:
            if not service.sensitive:
                continue
            try:
                estimate = estimate_view(self.estimator.shown_newcomer(site.id, service.id))
            except NotReady:
                complete = False
                continue
            row = self._row(site, service, estimate)
            if row != self.sent.get((site.id, service.id)):
                self._send(site, row)
        return complete

    def push_all(self, site: Site) -> None:
        """After a change to the site: every sensitive desk's row, to the displays whose
        fresh snapshot (the one every display of the area gets) has none."""
        for service in site.services:
            if service.sensitive:
                self._send(site, self._row(site, service, self._last_estimate(site, service)))
