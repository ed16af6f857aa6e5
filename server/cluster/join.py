"""A Socket.IO client connected to a process that does not own its site.

Its snapshot can only come from the owner's live queue. The client joins its rooms at once,
its pushes held (server/holds.py); the process asks the owner (`POST /internal/join`, signed
with the login key all the processes share, and good for CLIENT_SLACK after it was signed)
for the replay and the snapshot, as the owner would send them to a client of its own, and
reads the events stored after that snapshot.
Then, without yielding, the client is sent replay, snapshot and the rest, and what was held
that is newer; relayed pushes it has read already are left out from then on (fanout.floors).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import http.client
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import gevent
from flask import Blueprint, abort, current_app, request

from ..catchup import catch_up, to_client, views_for
from ..services import Services, services
from ..store import repository
from ..store.devices import Device
from .forward import CLIENT_SLACK, FORWARDED, signed_lately

bp = Blueprint("cluster_internal", __name__)
log = logging.getLogger(__name__)
SIGNATURE = "X-Madoguchi-Signature"
ROUNDS = 20


def _signature(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


@bp.post("/internal/join")
def join() -> Any:
    """The owner's side: what a client of `site` connecting with `since` is sent first."""
    body = request.get_data()
    if not hmac.compare_digest(_signature(_key(), body), request.headers.get(SIGNATURE, "")):
        abort(403)
    server = services()
    asked = json.loads(body)
    if not signed_lately(asked.get("at")):
        log.warning("a display's snapshot was asked with a signature more than %d s old "
                    "(a copy, or a clock that is off): refused", CLIENT_SLACK)
        abort(403)
    device = Device(**{**asked["device"], "organisations": tuple(
        asked["device"].get("organisations", ()))})
    site_id = asked["site"]
    server.engine.queue(site_id)  # Elsewhere (503) if this process no longer owns it
    since = asked.get("since")
    missed = catch_up(server, device, site_id, since) if isinstance(since, int) else None
    snapshot = server.snapshots.for_screen(device, site_id)
    return {"replay": missed, "snapshot": snapshot}


@bp.post("/internal/nudge")
def nudge() -> Any:
    """Another process gave a site up: look at the leases now rather than at the next
    round."""
    body = request.get_data()
    if not hmac.compare_digest(_signature(_key(), body), request.headers.get(SIGNATURE, "")):
        abort(403)
    cluster = services().cluster
    if cluster is not None:
        cluster.member.nudge()
    return {"ok": True}


def _key() -> bytes:
    key = current_app.secret_key
    assert isinstance(key, str | bytes)
    return key.encode() if isinstance(key, str) else key


def tell(key: str | bytes, me: str, addresses: list[str]) -> None:
    """Nudge the processes at `addresses` (each in a greenlet of its own: one that does not
    answer delays nobody)."""
    body = json.dumps({"from": me}).encode()
    signature = _signature(key.encode() if isinstance(key, str) else key, body)

    def one(address: str) -> None:
        parts = urlsplit(address)
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=2)
        try:
            conn.request("POST", "/internal/nudge", body=body, headers={
                "Content-Type": "application/json", SIGNATURE: signature, FORWARDED: "nudge"})
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            pass  # it looks by itself at its next round
        finally:
            conn.close()

    for address in addresses:
        gevent.spawn(one, address)


def ask_owner(server: Services, address: str, device: Device, site_id: str,
              since: int | None) -> dict[str, Any] | None:
    """The owner's replay and snapshot for this client, or None if it cannot be asked."""
    body = json.dumps({"device": dataclasses.asdict(device), "site": site_id,
                       "since": since, "at": time.time()}).encode()
    key = current_app.secret_key
    key_bytes = key.encode() if isinstance(key, str) else key
    assert isinstance(key_bytes, bytes)
    parts = urlsplit(address)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("POST", "/internal/join", body=body, headers={
            "Content-Type": "application/json", SIGNATURE: _signature(key_bytes, body),
            FORWARDED: "join"})
        answer = conn.getresponse()
        data = answer.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()
    if answer.status != 200:
        return None
    found: dict[str, Any] = json.loads(data)
    return found


def read_after(server: Services, device: Device, site_id: str, seq: int,
               relayed: Any) -> tuple[list[dict[str, Any]], int] | None:
    """The events after `seq` stored for the site as `device` may see them, read until no
    push of the site came during a read; and the newest number read. None if it never
    settles."""
    found: list[dict[str, Any]] = []
    upto = seq
    for _ in range(ROUNDS):
        before = relayed[site_id]
        events = repository.events_since(server.engine.reader, [site_id], upto,
                                         server.settings.resync_limit)
        if events:
            upto = events[-1].seq
            found.extend(views_for(server.sites[site_id], device, events))
        if relayed[site_id] == before and len(events) < server.settings.resync_limit:
            return found, upto
    return None


def connect_elsewhere(server: Services, cluster: Any, sid: str, device: Device, site_id: str,
                      since: int | None) -> None:
    """The connect handler's part for a site another process owns (see the module's
    docstring); refuses the connection (`site_moving`) if the owner cannot be asked."""
    from flask_socketio import ConnectionRefusedError, join_room

    from ..realtime import rooms_for

    manager = cluster.manager
    if manager is None:
        raise ConnectionRefusedError("site_moving")
    manager.hold(sid)
    upto = 0
    try:
        for room in rooms_for(device, site_id):
            join_room(room)
        answer = None
        for fresh in (False, True):
            try:
                address = cluster.forwarder.owner_of(site_id, fresh=fresh)
            except Exception:  # the database is lost: the client tries again later
                break
            if address is not None and address != cluster.forwarder.address:
                answer = ask_owner(server, address, device, site_id, since)
            if answer is not None:
                break
        if answer is None:
            raise ConnectionRefusedError("site_moving")
        snapshot = answer["snapshot"]
        after = read_after(server, device, site_id, int(snapshot["seq"]), manager.relayed)
        if after is None:
            raise ConnectionRefusedError("site_moving")
        rest, upto = after
        # Nothing yields from here: replay, snapshot, the rest read, then what was held that
        # is newer; relayed pushes read already are left out from now on (the floor).
        manager.floors[sid] = upto
        socketio = server.socketio
        if answer.get("replay"):
            to_client(socketio, sid, "events",
                      {"site": site_id, "events": answer["replay"], "replay": True})
        to_client(socketio, sid, "snapshot", snapshot)
        if rest:
            to_client(socketio, sid, "events", {"site": site_id, "events": rest,
                                                "replay": True})
    finally:
        manager.release(sid, upto)
