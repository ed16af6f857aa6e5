"""What a screen is shown of a site right now: staff the whole of it, kiosks and displays the
public view with the last calls and, on displays, each desk's estimated wait (and on a welfare
corner's display, its sensitive desks' figures: server/corner_displays.py)."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from .corner_displays import corner_row, shown_sensitive
from .domain.clock import Clock
from .domain.events import PUBLIC_CALLS
from .domain.model import Site
from .engine import Engine
from .estimates import estimate_view
from .forecasting import Forecasting
from .presenters import hidden_desks, public_event_view, public_snapshot, staff_snapshot
from .printing import PrintService
from .store import repository
from .store.devices import Device

RECENT_CALLS = 12


class RecentCalls:
    """The last calls of each site, newest first, as the displays list them; the Publisher
    adds each call as it goes out."""

    def __init__(self) -> None:
        self.by_site: dict[str, deque[dict[str, Any]]] = defaultdict(
            lambda: deque(maxlen=RECENT_CALLS))

    def __getitem__(self, site_id: str) -> deque[dict[str, Any]]:
        return self.by_site[site_id]

    def load(self, engine: Engine, sites: dict[str, Site]) -> None:
        """From the log, so a restart keeps the displays' history."""
        for site_id, site in sites.items():
            since = max(0, engine.committed_seq - 5000)
            for event in repository.events_since(engine.reader, [site_id], since, 5000):
                if event.kind in PUBLIC_CALLS:
                    view = public_event_view(site, event)
                    if view is not None:
                        self.by_site[site_id].appendleft(view)


def hidden_for(site: Site, device: Device) -> frozenset[str]:
    """The desks whose part in a visit `device` does not see: those of the organisations it is
    not of, but for its counter's (presenters.hidden_desks)."""
    return hidden_desks(site, device.organisations, device.counter_id)


class Snapshots:
    """Builds the snapshot each kind of screen is sent, from the live queues."""

    def __init__(self, engine: Engine, clock: Clock, enforce_hours: bool,
                 printing: PrintService, recent: RecentCalls, estimator: Forecasting) -> None:
        self.engine = engine
        self.clock = clock
        self.enforce_hours = enforce_hours
        self.printing = printing
        self.recent = recent
        self.estimator = estimator
        # Tickets whose visitor is told of the call on their phone (may be away): the notifier's
        self.notified: Callable[[str], list[int]] = lambda site_id: []

    def is_open(self, site: Site) -> bool:
        """Whether the site takes visitors now (always, unless opening hours are enforced)."""
        if not self.enforce_hours:
            return True
        return site.hours.is_open(self.clock.now().astimezone(site.tz))

    def of(self, device: Device, site_id: str) -> dict[str, Any]:
        """What `device` may see of the site: everything for staff, else the public view."""
        queue = self.engine.queue(site_id)
        site = queue.site
        if device.role in ("staff", "manager", "admin"):
            return self.staff(site_id, hidden_for(site, device))
        now = self.clock.now()
        seq = self.engine.committed_seq
        recent = list(self.recent[site_id])
        area = device.area or "main" if device.role == "display" else None
        snap = public_snapshot(queue, seq, now, self.is_open(site), recent, area)
        if device.role == "kiosk":
            # A kiosk's screen shows no calls: it is not told where any counter is.
            snap["counters"], snap["recent_calls"] = [], []
        if device.role == "display" and device.counter_id:
            snap["counters"] = [c for c in snap["counters"] if c["counter"] == device.counter_id]
        if device.role == "display":
            snap["corner_desks"] = [corner_row(queue.services[d], len(queue.lines[d]), None)
                                    for d in shown_sensitive(site, device)]
        return snap

    def staff(self, site_id: str, hidden: frozenset[str]) -> dict[str, Any]:
        """The staff snapshot, the `hidden` desks' part in each visit left out."""
        queue = self.engine.queue(site_id)
        snap = staff_snapshot(queue, self.engine.committed_seq, self.clock.now(),
                              self.is_open(queue.site), hidden)
        snap["printers"] = self.printing.site_printers(site_id)
        snap["notified"] = self.notified(site_id)
        return snap

    def for_screen(self, device: Device, site_id: str) -> dict[str, Any]:
        """The snapshot pushed to `device`; a display's also carries each desk's estimated
        wait."""
        snapshot = self.of(device, site_id)
        if device.role == "display":
            estimates = self.estimates(site_id, shown_sensitive(self.engine.queue(site_id).site,
                                                                device))
            for entry in [*snapshot.get("services", []), *snapshot.get("corner_desks", [])]:
                entry["estimate"] = estimates.get(entry["id"])
        return snapshot

    def estimates(self, site_id: str, corner: tuple[str, ...] = ()
                  ) -> dict[str, dict[str, Any] | None]:
        """Per public desk (and the `corner` display's sensitive ones), the wait a visitor
        taking a number now would be told."""
        site = self.engine.queue(site_id).site
        return {s.id: estimate_view(self.estimator.newcomer(site_id, s.id))
                for s in site.services if not s.sensitive or s.id in corner}
