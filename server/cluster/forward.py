"""Requests for a site another process owns are passed to that process, and its answer back.

A handler that needs a site's live queue meets `Elsewhere` before it changes anything; the
app answers it by forwarding the request, unchanged (method, path, body, credentials,
idempotency key), to the owner's address from the site's lease. A request that was forwarded
already is never forwarded again: a site between owners is answered 503 `site_moving`, and
the client retries (with the same idempotency key, so a retry never makes a second ticket).

Connections to the other processes are kept alive, a few per owner, over gevent's sockets.
"""

from __future__ import annotations

import http.client
import logging
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from flask import Request, Response
from sqlalchemy import Engine

from ..store import leases as lease_store

log = logging.getLogger(__name__)
FORWARDED = "X-Madoguchi-Forwarded"  # set on a forwarded request: never forwarded again
KEPT = 8  # idle connections kept per owner
TIMEOUT = 10.0  # an owner this slow is stuck (or frozen): the client tries again
OWNERS_FRESH = 0.5  # seconds a look at the leases is trusted
# Hop-by-hop headers, and those the WSGI server sets again.
DROPPED = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host",
           "content-length", "proxy-connection", "trailer"}


class Forwarder:
    """Finds a site's owner and passes it requests."""

    def __init__(self, reader: Engine, me: str, address: str) -> None:
        self.reader = reader
        self.me = me
        self.address = address
        self._owners: dict[str, str] = {}
        self._looked = 0.0
        self._idle: dict[str, list[http.client.HTTPConnection]] = defaultdict(list)

    def owner_of(self, site_id: str, fresh: bool = False) -> str | None:
        """The address of the process holding the site's live lease, or None."""
        if fresh or time.monotonic() - self._looked > OWNERS_FRESH:
            self._owners = {lease.site_id: lease.address
                            for lease in lease_store.leases(self.reader)
                            if lease.live and lease.owner}
            self._looked = time.monotonic()
        return self._owners.get(site_id)

    def forward(self, request: Request, site_id: str) -> Response | None:
        """The owner's answer to `request`, or None if it cannot be had (no owner, or the
        owner is this process or did not answer): the caller answers 503 then."""
        if request.headers.get(FORWARDED):
            return None
        for attempt in range(2):
            try:
                address = self.owner_of(site_id, fresh=attempt > 0)
            except Exception:  # the database is lost too: the caller answers 503
                log.warning("the owner of site %s cannot be looked up", site_id)
                return None
            if address is None or address == self.address:
                continue
            try:
                return self._send(address, request)
            except (OSError, http.client.HTTPException) as exc:
                log.warning("forwarding to %s (site %s) failed: %s", address, site_id, exc)
                if request.method != "GET" and not request.headers.get("Idempotency-Key"):
                    return None  # it may have been done: only the client may try again
        return None

    def _send(self, address: str, request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in DROPPED}
        headers[FORWARDED] = self.me
        peer = request.remote_addr or ""
        given = request.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{given}, {peer}" if given else peer
        body = request.get_data()
        path = request.full_path if request.query_string else request.path
        conn = self._connection(address)
        try:
            conn.request(request.method, path, body=body or None, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
        except BaseException:
            conn.close()
            raise
        if answer.will_close:
            conn.close()
        else:
            self._give_back(address, conn)
        response = Response(data, status=answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in DROPPED and name.lower() != "date":
                response.headers.add(name, value)
        return response

    def _connection(self, address: str) -> http.client.HTTPConnection:
        idle = self._idle[address]
        if idle:
            return idle.pop()
        parts = urlsplit(address)
        kind: Any = (http.client.HTTPSConnection if parts.scheme == "https"
                     else http.client.HTTPConnection)
        return kind(parts.hostname, parts.port, timeout=TIMEOUT)  # type: ignore[no-any-return]

    def _give_back(self, address: str, conn: http.client.HTTPConnection) -> None:
        idle = self._idle[address]
        if len(idle) < KEPT:
            idle.append(conn)
        else:
            conn.close()
