"""What a Socket.IO client missed: the stored events after its sequence number, as its
device may see them, read up to what is published; and sending to one client of this
process."""

from __future__ import annotations

from typing import Any

from flask_socketio import SocketIO

from .domain.events import Event
from .domain.model import Site
from .presenters import kiosk_event_views, public_event_view, staff_event_view
from .services import Services
from .snapshots import hidden_for
from .store import repository
from .store.devices import Device

CATCH_UP_ROUNDS = 20


def to_client(socketio: SocketIO, sid: str, event: str, data: Any) -> None:
    """Send to one client of this process, at once and only here: through a cluster's
    message queue the send would yield, and a push could come between two of them."""
    socketio.server.emit(event, data, to=sid, namespace="/", ignore_queue=True)


def catch_up(services: Services, device: Device, site_id: str,
             since: int) -> list[dict[str, Any]] | None:
    """The events after `since` this device may see, up to what is published when this
    returns, or None if too many to replay (the snapshot then stands alone).

    Reading PostgreSQL yields to other greenlets (SQLite's reads do not), and the writer may
    publish more meanwhile: the reading goes on until a read ends at what is published. The
    caller must then join the rooms without yielding.
    """
    engine = services.engine
    found: list[dict[str, Any]] = []
    upto = since
    for _ in range(CATCH_UP_ROUNDS):
        published = engine.committed_seq
        more = missed_events(services, device, site_id, upto)  # those up to `published`
        if more is None:
            return None
        found.extend(more)
        upto = published
        if engine.committed_seq == published:  # nothing was published during the read
            return found
    return None  # the writer keeps ahead of the reads: a snapshot alone


def missed_events(services: Services, device: Device, site_id: str,
                  since: int) -> list[dict[str, Any]] | None:
    """The events after `since` this device may see, or None if too many to replay.

    Only events already published count: the group commit writes from a worker thread, so
    the store may hold a batch whose events are about to be pushed to the rooms this client
    has just joined; replaying them too would deliver them twice.
    """
    engine = services.engine
    published = engine.committed_seq
    limit = services.settings.resync_limit
    # A quick no without reading (a cluster's numbers jump at each change of owner: there
    # the read's limit alone decides).
    if published - since > limit * 20 and engine.owned is None:
        return None
    found = repository.events_since(engine.reader, [site_id], since, limit + 1)
    found = [e for e in found if e.seq <= published]
    if len(found) > limit:
        return None
    return views_for(services.sites[site_id], device, found)


def views_for(site: Site, device: Device, events: list[Event]) -> list[dict[str, Any]]:
    """`events` as `device` may see them: staff as their organisations and counter see them
    (presenters.staff_event_view), others as filtered public views."""
    if device.role in ("staff", "manager", "admin"):
        hidden = hidden_for(site, device)
        return [staff_event_view(site, e, hidden) for e in events]
    views = [v for v in (public_event_view(site, e) for e in events) if v is not None]
    if device.role == "display" and device.counter_id:
        return [v for v in views if v.get("counter") == device.counter_id]
    if device.role == "display":
        return [v for v in views if v.get("area") in (device.area or "main", None)]
    return kiosk_event_views(views)
