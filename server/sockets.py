"""Socket.IO connections: who connects (a device's token, or a person's login cookie sent with
the handshake), the rooms they join, and what they missed.

A client that connects with `auth.since` first receives what it missed, in order (from the
stored log, so a server restart loses nothing), then a fresh snapshot; `sync` asks for the
events after a sequence number at any time.
"""

from __future__ import annotations

from typing import Any

from flask import request, session
from flask_socketio import ConnectionRefusedError, SocketIO, join_room

from .domain.events import Event
from .domain.model import Site
from .presenters import kiosk_event_views, public_event_view, staff_event_view
from .realtime import rooms_for
from .services import Services
from .store import repository
from .store.accounts import session_hash
from .store.devices import Device, token_hash


def register_socket_handlers(socketio: SocketIO, services: Services) -> None:
    clients: dict[str, tuple[Device, str]] = {}

    @socketio.on("connect")
    def connect(auth: Any) -> None:
        auth = auth if isinstance(auth, dict) else {}
        device, tracked = _credential(services, auth)
        wanted = auth.get("site")
        if device.role != "admin" and wanted is not None and wanted != device.site_id:
            raise ConnectionRefusedError("forbidden_site")
        site_id = device.site_id or wanted
        if site_id not in services.sites:
            raise ConnectionRefusedError("unknown_site")
        # Remembered so that revoking the token or ending the login disconnects it.
        services.auth.credentials.track(request.sid, *tracked)  # type: ignore[attr-defined]
        # Joining and catching up happen without yielding to other greenlets, so no event
        # published meanwhile can slip between the replay and the live stream.
        for room in rooms_for(device, site_id):
            join_room(room)
        clients[request.sid] = (device, site_id)  # type: ignore[attr-defined]
        _seen(services, device, connected=True)
        since = auth.get("since")
        if isinstance(since, int) and not isinstance(since, bool):
            missed = missed_events(services, device, site_id, since)
            if missed is not None:
                socketio.emit("events", {"site": site_id, "events": missed, "replay": True},
                              to=request.sid)  # type: ignore[attr-defined]
        socketio.emit("snapshot", services.snapshots.for_screen(device, site_id),
                      to=request.sid)  # type: ignore[attr-defined]

    @socketio.on("disconnect")
    def disconnect(*_: Any) -> None:
        gone = clients.pop(request.sid, None)  # type: ignore[attr-defined]
        if gone is not None:
            _seen(services, gone[0], connected=False)
        services.auth.credentials.untrack(request.sid)  # type: ignore[attr-defined]

    @socketio.on("sync")
    def sync(data: Any = None) -> dict[str, Any]:
        """Ask for the events after `since`; the answer comes as the acknowledgement."""
        device, site_id = clients[request.sid]  # type: ignore[attr-defined]
        since = data.get("since") if isinstance(data, dict) else None
        if not isinstance(since, int) or isinstance(since, bool) or since < 0:
            return {"ok": False, "error": "invalid_field", "message": "'since' must be a number"}
        published = services.engine.committed_seq
        missed = missed_events(services, device, site_id, since)
        if missed is None:
            return {"ok": True, "snapshot": services.snapshots.for_screen(device, site_id)}
        return {"ok": True, "events": missed, "seq": published}


def _seen(services: Services, device: Device, connected: bool) -> None:
    """A display's last contact, for the admin page."""
    if device.role == "display":
        services.health.contact(device.id, connected=connected)


def _credential(services: Services, auth: dict[str, Any]) -> tuple[Device, tuple[str, str]]:
    """Who is connecting: a device by `auth.token`, else a person by the login cookie (sent
    with the handshake); and the key under which the connection is tracked."""
    credentials = services.auth.credentials
    token = auth.get("token")
    if token is not None:
        device = credentials.device(token) if isinstance(token, str) else None
        if device is None:
            raise ConnectionRefusedError("unknown_device")
        return device, ("device", token_hash(token))
    session_id = session.get("sid")
    found = credentials.session(session_hash(session_id)) if isinstance(session_id, str) else None
    if found is None:
        raise ConnectionRefusedError("unauthorized")
    return found[0], ("session", found[1].id_hash)


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
    if published - since > limit * 20:
        return None
    found = repository.events_since(engine.reader, [site_id], since, limit + 1)
    found = [e for e in found if e.seq <= published]
    if len(found) > limit:
        return None
    return views_for(services.sites[site_id], device, found)


def views_for(site: Site, device: Device, events: list[Event]) -> list[dict[str, Any]]:
    """`events` as `device` may see them: in full for staff, else filtered public views."""
    if device.role in ("staff", "manager", "admin"):
        return [staff_event_view(site, e) for e in events]
    views = [v for v in (public_event_view(site, e) for e in events) if v is not None]
    if device.role == "display" and device.counter_id:
        return [v for v in views if v.get("counter") == device.counter_id]
    if device.role == "display":
        return [v for v in views if v.get("area") in (device.area or "main", None)]
    return kiosk_event_views(views)
