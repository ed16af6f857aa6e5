"""One commit's changes to a site, as the screens are told them (realtime.Publisher).

After each commit the site's owner makes a `SitePush`: the events, the waiting counts and
the displays' last estimates. `show` turns it into the messages of each room: staff screens
by the desks hidden from them, kiosks, each area's displays, each counter's screen. In a
cluster the owner sends all of them to the other processes in one Redis message
(server/cluster/fanout.py), rather than one message for every room that could have a client
in some process (a dozen a commit for a ward's site), each read by every process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .domain.events import Event
from .domain.model import Site
from .presenters import kiosk_event_views, public_event_view, staff_event_view

Emit = Callable[[str, dict[str, Any], Any], None]  # event, data, room(s)


@dataclass
class SitePush:
    site_id: str
    events: list[Event]
    waiting: dict[str, int]  # as staff see them
    public_waiting: dict[str, int]  # of the desks that are not sensitive
    estimates: dict[str, Any] | None  # the displays' last, if any


def show(site: Site, push: SitePush, staff: dict[frozenset[str], list[str]],
         emit: Emit) -> list[dict[str, Any]]:
    """Send `push` to the rooms: `staff` are the staff rooms to tell, by the desks hidden
    from them. The events as the public may see them."""
    for hidden, rooms in staff.items():
        views = [staff_event_view(site, e, hidden) for e in push.events]
        emit("events", {"site": site.id, "events": views, "waiting": push.waiting}, rooms)
    public = [v for v in (public_event_view(site, e) for e in push.events) if v is not None]
    if not public:
        return public
    kiosks = kiosk_event_views(public)
    if kiosks:
        emit("events", {"site": site.id, "events": kiosks}, f"public:{site.id}")
    for area in site.areas:
        mine = [v for v in public if v.get("area") in (area, None)]
        if mine:
            message = {"site": site.id, "events": mine, "waiting": push.public_waiting}
            if push.estimates is not None:
                message["estimates"] = push.estimates
            emit("events", message, f"display:{site.id}:{area}")
    by_counter: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for view in public:
        if view.get("counter"):
            by_counter[view["counter"]].append(view)
    for counter_id, views in by_counter.items():
        emit("events", {"site": site.id, "events": views}, f"counter:{site.id}:{counter_id}")
    return public
