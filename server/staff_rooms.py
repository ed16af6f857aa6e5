"""The rooms staff screens get a site's events in: one per way of seeing the site.

Staff of one organisation see another's part of a visit only as 「他の窓口」
(presenters.hidden_desks), so an event cannot go to every console alike. A console joins the
room of its organisations and of the counter it works (`staff-view:<site>:<orgs>:<counter>`);
the publisher makes each event's view once per set of hidden desks and sends it to the rooms
that see the site that way. Accounts of both organisations and the site file's credentials
see everything, whatever their counter: they share one room.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

import socketio

from .domain.model import Organisation, Site
from .presenters import hidden_desks

PREFIX = "staff-view:"
EVERY_ORGANISATION = frozenset(o.value for o in Organisation)


def view_room(site_id: str, organisations: Collection[str], counter_id: str | None) -> str:
    """The room of a staff screen of `organisations` working `counter_id` (or none)."""
    orgs = frozenset(organisations)
    if orgs >= EVERY_ORGANISATION:
        counter_id = None  # nothing is hidden from them, at any counter
    return f"{PREFIX}{site_id}:{'+'.join(sorted(orgs))}:{counter_id or ''}"


def _viewer(site_id: str, room: object) -> tuple[tuple[str, ...], str | None] | None:
    """The organisations and counter a room of the site is for, or None if not such a room."""
    head = f"{PREFIX}{site_id}:"
    if not isinstance(room, str) or not room.startswith(head):
        return None
    orgs, _, counter = room[len(head) :].partition(":")
    return tuple(o for o in orgs.split("+") if o), counter or None


def every_room(site: Site) -> list[str]:
    """Every room a staff screen of `site` can be in (for a cluster's message queue, which
    cannot tell which rooms have listeners in other processes)."""
    orgs: list[tuple[str, ...]] = [(), *((o,) for o in sorted(EVERY_ORGANISATION))]
    counters: list[str | None] = [None, *(c.id for c in site.counters)]
    rooms = [view_room(site.id, o, c) for o in orgs for c in counters]
    return [*rooms, view_room(site.id, EVERY_ORGANISATION, None)]


def rooms_by_view(site: Site, rooms: Iterable[object]) -> dict[frozenset[str], list[str]]:
    """Of `rooms`, those of `site`'s staff, grouped by the desks hidden from them."""
    grouped: dict[frozenset[str], list[str]] = defaultdict(list)
    for room in rooms:
        viewer = _viewer(site.id, room)
        if viewer is not None and isinstance(room, str):
            grouped[hidden_desks(site, *viewer)].append(room)
    return grouped


def staff_views(server: Any, site: Site) -> dict[frozenset[str], list[str]]:
    """The rooms of `site`'s staff screens, by the desks hidden from them: in one process
    those with someone in them; through a cluster's message queue every one that can be.
    (`server`: the python-socketio server.)"""
    manager = server.manager
    if isinstance(manager, socketio.PubSubManager):
        return rooms_by_view(site, every_room(site))
    return rooms_by_view(site, list(manager.rooms.get("/", {})))


def rooms_seeing(server: Any, site: Site, service_id: str | None) -> list[str]:
    """The staff rooms that see a visit's stage at `service_id` (None: every staff room)."""
    return [room for hidden, rooms in staff_views(server, site).items()
            if service_id not in hidden for room in rooms]
