"""Socket.IO push: every stored event to the rooms that may see it, the displays' wait
estimates, and the snapshot a device is shown.

Rooms: `staff:<site>` (every console and manager: what is the same for all staff: prints,
printers, notices, settings), `staff-view:<site>:…` (consoles and managers by organisation and
counter: the events, each organisation's part of a visit in full and the other's as
「他の窓口」, server/staff_rooms.py), `public:<site>` (kiosks:
the close of a day and their tickets' printing, nothing of the calls),
`display:<site>:<area>` (waiting-room displays of one area) and `counter:<site>:<counter>`
(the small screen above one window). Every event carries the global sequence number `seq`.
Who joins which room, and the catch-up of a client that reconnects, are in sockets.py.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

import gevent
from flask_socketio import SocketIO

from .alerts import device_room
from .corner_displays import CornerFigures, sensitive_room
from .domain.events import Event
from .domain.model import Site
from .engine import Engine
from .estimates import estimate_view
from .forecasting import Forecasting, NotReady
from .presenters import waiting_counts
from .site_push import SitePush, show
from .snapshots import RecentCalls, Snapshots
from .staff_rooms import staff_views, view_room
from .store.devices import Device

log = logging.getLogger(__name__)
ESTIMATES_EVERY = 1.0  # seconds: displays' wait estimates are refreshed at most this often


class Relay(Protocol):
    """Pushes across a cluster's processes (server/cluster/fanout.ClusterManager)."""

    on_site_push: Callable[[dict[str, Any]], None]  # delivers another process's site messages

    def publish_site(self, message: dict[str, Any]) -> None:
        """Send a site's messages ({"site", "messages": [(event, data, rooms)]}) to the
        other processes."""

    def deliver(self, event: str, data: dict[str, Any], to: Any) -> None:
        """Send a message to this process's own clients in `to`."""


class Publisher:
    """Turns stored events into pushes; keeps the last calls of each site for displays.

    Events go out as soon as they are stored, with the waiting counts. The displays' wait
    estimates follow in a message of their own ({"events": [], "waiting", "estimates"}),
    made by a background greenlet whose forecast runs in a worker thread (`offload`): a
    call never waits for a forecast, and a busy site is forecast at most once every
    ESTIMATES_EVERY seconds for its displays, the last time for the state it came to rest in.

    In a cluster, a commit's messages for every room go to the other processes together, in
    one message (`show`), which each delivers to the rooms of its own clients
    (`show_relayed`).
    """

    def __init__(self, socketio: SocketIO, sites: dict[str, Site], engine: Engine,
                 estimator: Forecasting, snapshots: Snapshots, recent: RecentCalls,
                 offload: Callable[[Callable[[], Any]], Any] | None = None,
                 relay: Relay | None = None) -> None:
        self.socketio = socketio
        self.relay = relay  # in a cluster: the other processes' pushes are shown here too
        if relay is not None:
            relay.on_site_push = self.show_relayed
        self.sites = sites
        self.engine = engine
        self.estimator = estimator
        self.snapshots = snapshots
        self.recent = recent
        self.offload = offload or (lambda fn: fn())
        self.estimates: dict[str, dict[str, dict[str, Any] | None]] = {}  # last pushed
        self._refreshing: dict[str, gevent.Greenlet] = {}
        self._stale: set[str] = set()
        self.corners = CornerFigures(socketio, engine.queue, estimator)

    def __call__(self, events: list[Event]) -> None:
        by_site: dict[str, list[Event]] = defaultdict(list)
        for event in events:
            by_site[event.site_id].append(event)
        for site_id, site_events in by_site.items():
            refreshing = site_id in self._refreshing
            self._push_site(site_id, site_events)
            # A sensitive desk's figures, to the corner displays that show it; its estimate
            # follows with the displays' (a refresh the public pushes may have started).
            started = not refreshing and site_id in self._refreshing
            if self.corners.push_counts(self.sites[site_id]) and not started:
                self._refresh_later(site_id)

    def _push_site(self, site_id: str, events: list[Event]) -> None:
        queue = self.engine.queue(site_id)
        push = SitePush(site_id, events, waiting_counts(queue, public=False),
                        waiting_counts(queue, public=True), self.estimates.get(site_id))
        public = self.show(push)
        if not public:
            return
        for view in public:
            if view["kind"] in ("called", "recalled"):
                self.recent[site_id].appendleft(view)
        self._refresh_later(site_id)

    def show(self, push: SitePush) -> list[dict[str, Any]]:
        """Send a site's push to its rooms (site_push.show). In a cluster, to those of this
        process's clients, and to the other processes as one message with every room's
        message made here: the owner's copy of the site's configuration is the one that is
        current (an administrator's change reaches the others only when they take the site),
        so no other process decides what a room may see."""
        site = self.sites[push.site_id]
        if self.relay is None:
            return show(site, push, staff_views(self.socketio.server, site),
                        lambda event, data, to: self.socketio.emit(event, data, to=to))
        messages: list[tuple[str, dict[str, Any], Any]] = []
        public = show(site, push, staff_views(self.socketio.server, site),
                      lambda event, data, to: messages.append((event, data, to)))
        for event, data, to in messages:
            self.relay.deliver(event, data, to)
        self.relay.publish_site({"site": site.id, "messages": messages})
        return public

    def show_relayed(self, push: dict[str, Any]) -> None:
        """A push another process published (Relay.publish_site): its messages, to the rooms
        of this process's clients."""
        assert self.relay is not None
        for event, data, to in push["messages"]:
            self.relay.deliver(event, data, to)

    def _refresh_later(self, site_id: str) -> None:
        if site_id in self._refreshing:
            self._stale.add(site_id)  # the running refresh goes round once more
            return
        self._refreshing[site_id] = gevent.spawn(self._refresh_estimates, site_id)

    def _refresh_estimates(self, site_id: str) -> None:
        """Forecast the site (off the loop), push the displays' estimates if they changed;
        again after ESTIMATES_EVERY while the queue keeps changing."""
        try:
            while True:
                self._stale.discard(site_id)
                if not self.engine.owns(site_id):  # a cluster's: its new owner does this
                    return
                try:
                    self.estimator.prepare(site_id, self.offload)
                    estimates, complete = shown_estimates(
                        self.estimator, self.sites[site_id], self.estimates.get(site_id) or {})
                    if not self.corners.push_estimates(self.sites[site_id]):
                        complete = False
                    if not complete:  # the queue moved on during the forecast
                        self._stale.add(site_id)
                except Exception:  # the next change tries again
                    log.exception("display estimates failed for site %s", site_id)
                    estimates = None
                if estimates is not None and estimates != self.estimates.get(site_id):
                    self.estimates[site_id] = estimates
                    site = self.sites[site_id]
                    counts = waiting_counts(self.engine.queue(site_id), public=True)
                    for area in site.areas:
                        self.socketio.emit("events", {"site": site_id, "events": [],
                                                      "waiting": counts,
                                                      "estimates": estimates},
                                           to=f"display:{site_id}:{area}")
                gevent.sleep(ESTIMATES_EVERY)
                if site_id not in self._stale:
                    return
        finally:
            self._refreshing.pop(site_id, None)

    def site_changed(self, site_id: str, settings: dict[str, Any]) -> None:
        """The site itself was changed (its desks, counters, hours…): every screen of it gets
        a fresh snapshot at once, and the staff screens the site's settings (`settings`)."""
        site = self.sites[site_id]
        for hidden, rooms in staff_views(self.socketio.server, site).items():
            self.socketio.emit("snapshot", self.snapshots.staff(site_id, hidden), to=rooms)
        screens = [Device("site", "kiosk", site_id, "")]
        screens += [Device("site", "display", site_id, "", area=area) for area in site.areas]
        screens += [Device("site", "display", site_id, "", area=c.area, counter_id=c.id)
                    for c in site.counters]
        for screen in screens:
            snapshot = self.snapshots.for_screen(screen, site_id)
            self.socketio.emit("snapshot", snapshot, to=rooms_for(screen, site_id)[0])
        self.socketio.emit("config", {"site": site_id, **settings}, to=f"staff:{site_id}")
        self.corners.push_all(site)

    def reset(self) -> None:
        """After a failed commit the state was reloaded: every client should fetch it again."""
        self.socketio.emit("resync", {"reason": "state reloaded"})


def shown_estimates(estimator: Forecasting, site: Site,
                    before: dict[str, dict[str, Any] | None]
                    ) -> tuple[dict[str, dict[str, Any] | None], bool]:
    """Snapshots.estimates from the displays' forecast only (Forecasting.shown_newcomer); a
    desk it cannot answer for keeps its estimate of `before`. Also: whether every desk was
    answered."""
    found: dict[str, dict[str, Any] | None] = {}
    complete = True
    for service in site.services:
        if service.sensitive:
            continue
        try:
            found[service.id] = estimate_view(
                estimator.shown_newcomer(site.id, service.id))
        except NotReady:
            found[service.id] = before.get(service.id)
            complete = False
    return found, complete


def rooms_for(device: Device, site_id: str) -> list[str]:
    """The rooms a device joins: its audience's first, then its own (device_room)."""
    own = device_room(device.id)
    if device.role == "kiosk":
        return [f"public:{site_id}", own]
    if device.role == "display":
        corner = [sensitive_room(site_id, d) for d in device.show_sensitive]
        if corner and not device.counter_id:  # a welfare corner's: its desks' figures too
            return [f"display:{site_id}:{device.area or 'main'}", *corner, own]
        if device.counter_id:
            return [f"counter:{site_id}:{device.counter_id}", own]
        return [f"display:{site_id}:{device.area or 'main'}", own]
    return [f"staff:{site_id}", view_room(site_id, device.organisations, device.counter_id)]
