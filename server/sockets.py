"""Socket.IO connections: who connects (a device's token, or a person's login cookie sent with
the handshake), the rooms they join, and what they missed.

A client that connects with `auth.since` first receives what it missed, in order (from the
stored log, so a server restart loses nothing), then a fresh snapshot; `sync` asks for the
events after a sequence number at any time.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import request, session
from flask_socketio import ConnectionRefusedError, SocketIO, join_room

from .catchup import catch_up, missed_events, to_client, views_for
from .realtime import rooms_for
from .services import Services
from .store import repository
from .store.accounts import session_hash
from .store.devices import Device, token_hash

STAFF_ROLES = ("staff", "manager", "admin")


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
        device = _working_at(services, device, site_id, auth.get("counter"))
        # Remembered so that revoking the token or ending the login disconnects it.
        services.auth.credentials.track(request.sid, *tracked)  # type: ignore[attr-defined]
        since = auth.get("since")
        if not isinstance(since, int) or isinstance(since, bool):
            since = None
        if services.cluster is not None and not services.engine.owns(site_id):
            from .cluster.join import connect_elsewhere

            connect_elsewhere(services, services.cluster, request.sid,  # type: ignore[attr-defined]
                              device, site_id, since)
        else:
            _connect_here(socketio, services, request.sid,  # type: ignore[attr-defined]
                          device, site_id, since)
        clients[request.sid] = (device, site_id)  # type: ignore[attr-defined]
        _seen(services, device, connected=True)

    @socketio.on("disconnect")
    def disconnect(*_: Any) -> None:
        gone = clients.pop(request.sid, None)  # type: ignore[attr-defined]
        if gone is not None:
            _seen(services, gone[0], connected=False)
        services.auth.credentials.untrack(request.sid)  # type: ignore[attr-defined]
        _forget(socketio, services, request.sid)  # type: ignore[attr-defined]

    @socketio.on("sync")
    def sync(data: Any = None) -> dict[str, Any]:
        """Ask for the events after `since`; the answer comes as the acknowledgement."""
        device, site_id = clients[request.sid]  # type: ignore[attr-defined]
        since = data.get("since") if isinstance(data, dict) else None
        if not isinstance(since, int) or isinstance(since, bool) or since < 0:
            return {"ok": False, "error": "invalid_field", "message": "'since' must be a number"}
        if not services.engine.owns(site_id):  # a cluster's, owned by another process
            events = repository.events_since(services.engine.reader, [site_id], since,
                                             services.settings.resync_limit)
            return {"ok": True, "events": views_for(services.sites[site_id], device, events),
                    "seq": events[-1].seq if events else since}
        published = services.engine.committed_seq
        missed = missed_events(services, device, site_id, since)
        if missed is None:
            return {"ok": True, "snapshot": services.snapshots.for_screen(device, site_id)}
        return {"ok": True, "events": missed, "seq": published}


def _working_at(services: Services, device: Device, site_id: str, counter: Any) -> Device:
    """A person's console says which counter it works (`auth.counter`): they see its desks'
    part in a visit too (presenters.hidden_desks). A device bound to a counter keeps its own."""
    if counter is None or device.counter_id is not None or device.role not in STAFF_ROLES:
        return device
    if not isinstance(counter, str) or services.sites[site_id].counter(counter) is None:
        raise ConnectionRefusedError("unknown_counter")
    return dataclasses.replace(device, counter_id=counter)


def _seen(services: Services, device: Device, connected: bool) -> None:
    """A display's last contact, for the admin page."""
    if device.role == "display":
        services.health.contact(device.id, connected=connected)


def _forget(socketio: SocketIO, services: Services, sid: str) -> None:
    """A client gone: what was held for it, and its floor in a cluster."""
    socketio.server.manager.forget_hold(sid)
    if services.cluster is not None and services.cluster.manager is not None:
        services.cluster.manager.forget(sid)


def _connect_here(socketio: SocketIO, services: Services, sid: str, device: Device,
                  site_id: str, since: int | None) -> None:
    """A client of a site this process serves: what it missed, then the snapshot, then the
    rooms' pushes held meanwhile that are newer than the snapshot (server/holds.py)."""
    manager = socketio.server.manager
    manager.hold(sid)
    seq = 0
    try:
        for room in rooms_for(device, site_id):
            join_room(room)
        missed = catch_up(services, device, site_id, since) if since is not None else None
        snapshot = services.snapshots.for_screen(device, site_id)
        seq = int(snapshot["seq"])
        # From here nothing yields: replay, snapshot and what was held go out in this order.
        if missed:
            to_client(socketio, sid, "events",
                      {"site": site_id, "events": missed, "replay": True})
        to_client(socketio, sid, "snapshot", snapshot)
    finally:
        manager.release(sid, seq)


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
