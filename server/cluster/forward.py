"""Requests for a site another process owns are passed to that process, and its answer back.

A handler that needs a site's live queue meets `Elsewhere` before it changes anything; the
app answers it by forwarding the request, unchanged (method, path, body, credentials,
idempotency key), to the owner's address from the site's lease. A site between owners (handed
over, or its owner stopped) is waited for, up to TIMEOUT; a request whose owner loses the site
while it is asked is asked of the next owner, or run here if the site came here (see
`Forwarder.forward` for when that is safe). A request that was forwarded already is never
forwarded again: it is answered 503 `site_moving`, and the forwarding process asks again.

Connections to the other processes are kept alive, a few per owner, over gevent's sockets.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import re
import select
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import gevent
from flask import Request, Response
from gevent import monkey
from sqlalchemy import Engine
from werkzeug.wrappers import Request as WsgiRequest

from ..dbwait import within
from ..store import leases as lease_store
from .wire import Link

log = logging.getLogger(__name__)
FORWARDED = "X-Madoguchi-Forwarded"  # set on a forwarded request: never forwarded again
KEPT = 8  # idle connections kept per owner
TIMEOUT = 10.0  # an owner this slow is stuck (or frozen): the client tries again
OWNERS_FRESH = 0.5  # seconds a look at the leases is trusted
# Hop-by-hop headers, and those the WSGI server sets again.
DROPPED = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host",
           "content-length", "proxy-connection", "trailer"}
DROPPED_ENVIRON = {"HTTP_" + name.upper().replace("-", "_") for name in DROPPED}


_POLL = monkey.get_original("select", "poll")
CLIENT = "X-Madoguchi-Client"  # the address the forwarding process was asked from
CLIENT_SIGNATURE = "X-Madoguchi-Client-Signature"
CLIENT_TIME = "X-Madoguchi-Client-Time"  # when the forwarding process signed the address
CLIENT_SLACK = 300  # seconds a signed address is good for, either way (the machines' clocks)
SITE_CHANGE = re.compile(r"/api/(?:public/)?sites/([^/]+)/")
PASSED_ON = "madoguchi.passed_on"  # in the WSGI environ: forwarding was tried, none answered
HERE = object()  # forward's answer when the site came to this process meanwhile: run it here
WATCH = 0.1  # seconds between looks at whether the site moved while its owner is asked
LOOK_SECONDS = 2.0  # a look at the leases not answered in this long has failed
LOOK_AGAIN = 2.0  # seconds after a failed look before the next is tried


class Forwarder:
    """Finds a site's owner and passes it requests."""

    def __init__(self, reader: Engine, me: str, address: str,
                 owns: Callable[[str], bool] = lambda site_id: False) -> None:
        self.reader = reader
        self.me = me
        self.address = address
        self.owns = owns  # whether this process serves the site now
        self.key = b""  # the login key all the processes share: signs the client's address
        self._owners: dict[str, str] = {}
        self._known: list[str] = []  # the other processes serving sites at the last look
        self._looked = 0.0
        self._looking = False
        self._lost_until = 0.0  # a look failed: none is tried again before this
        self._idle: dict[str, list[Link]] = defaultdict(list)

    def owner_of(self, site_id: str, fresh: bool = False) -> str | None:
        """The address of the process holding the site's live lease, or None. Raises if the
        leases cannot be read (within LOOK_SECONDS; after a failure, not before LOOK_AGAIN)."""
        now = time.monotonic()
        if fresh or (now - self._looked > OWNERS_FRESH and not self._looking):
            if now < self._lost_until:
                raise TimeoutError("the database was out of reach at the last look")
            self._looking = True  # one look at a time; the others use the last one meanwhile
            try:
                with within(self.reader, LOOK_SECONDS, "looking up the sites' owners"):
                    self.learn(lease_store.leases(self.reader))
            except Exception:
                self._lost_until = time.monotonic() + LOOK_AGAIN
                raise
            finally:
                self._looking = False
        return self._owners.get(site_id)

    def learn(self, leases: list[lease_store.Lease], alive: list[str] | None = None) -> None:
        """The leases as read just now (here, or by the lease round, with the addresses of
        the live processes: those asked if the leases cannot be read)."""
        self._owners = {lease.site_id: lease.address for lease in leases
                        if lease.live and lease.owner}
        if alive is not None:
            self._known = sorted(set(alive) - {self.address})
            self._lost_until = 0.0  # the lease round reached the database: so may a look
        self._looked = time.monotonic()

    def unreachable(self) -> None:
        """The lease round could not reach the database: no look is tried (each would wait
        LOOK_SECONDS) before a round reaches it again; the last look is used, then the other
        processes asked."""
        self._lost_until = float("inf")

    def forget(self, site_id: str = "") -> None:
        """A site came to or left this process: the next look reads the leases again."""
        self._looked = 0.0

    def forward(self, request: Request, site_id: str) -> Response | object | None:
        """The owner's answer to `request`; HERE if the site came to this process meanwhile
        (run the request here); or None if it cannot be had (no owner within TIMEOUT, or the
        owner did not answer a request that may not be sent twice): the caller answers 503.

        A request sent to an owner that loses the site while it is asked (it was frozen or
        cut off past its lease) is given up and sent to the next owner, if it may be sent
        twice: a GET, or a change with an Idempotency-Key (the owner that lost the lease
        could not store it after that, and if it stored it before, the next owner finds the
        first answer under the key)."""
        if request.headers.get(FORWARDED):
            return None
        again = request.method in ("GET", "HEAD") or bool(request.headers.get("Idempotency-Key"))
        deadline = time.monotonic() + TIMEOUT
        asked = False
        while time.monotonic() < deadline:
            try:
                address = self.owner_of(site_id, fresh=asked)
            except Exception:  # the database is out of reach, from here at least
                log.warning("the owner of site %s cannot be looked up; asking the others",
                            site_id)
                return None if asked and not again else self._ask_around(
                    request, site_id, again, deadline)
            if address == self.address and self.owns(site_id):
                return HERE
            if address is None or address == self.address:
                gevent.sleep(WATCH)  # between owners (or being handed over from here)
                continue
            if asked and not again:
                return None  # it may have been done: only the client may try again
            asked = True
            real = getattr(request, "_get_current_object", lambda: request)()
            answer = self._ask(address, real, site_id, deadline)
            if answer is not None and not (again and moving(answer)):
                return answer
        return None

    def _ask_around(self, request: Request, site_id: str, again: bool,
                    deadline: float) -> Response | None:
        """The owner cannot be looked up (the database is out of reach from this process,
        which may be the only one cut off): the processes that served sites at the last look
        are asked in turn. One that does not serve the site answers 503 site_moving having
        done nothing (a forwarded request is never forwarded again), and the next is asked.
        None if none answered."""
        real = getattr(request, "_get_current_object", lambda: request)()
        for address in self._known:
            answer = self._ask(address, real, site_id, deadline, watch=False)
            if answer is None and not again:
                return None  # it may have been done: only the client may try again
            if answer is not None and not moving(answer):
                return answer
        return None

    def _ask(self, address: str, request: Request, site_id: str,
             deadline: float, watch: bool = True) -> Response | None:
        """The answer of `address`, or None if it failed or (`watch`) the site left it
        meanwhile."""
        sending = gevent.spawn(self._send, address, request)
        while not sending.ready():
            sending.join(WATCH)
            if sending.ready():
                break
            try:
                moved = watch and self.owner_of(site_id) != address
            except Exception:
                moved = False
            if moved or time.monotonic() > deadline:
                sending.kill()  # its connection is closed, not given back
                log.warning("site %s left %s while it was asked; asking again", site_id,
                            address)
                return None
        if sending.successful():
            return sending.value  # type: ignore[no-any-return]
        log.warning("forwarding to %s (site %s) failed: %s", address, site_id,
                    sending.exception)
        return None

    def _send(self, address: str, request: Request) -> Response:
        environ = request.environ
        headers = [(key[5:].replace("_", "-").lower(), value) for key, value in environ.items()
                   if key.startswith("HTTP_") and key not in DROPPED_ENVIRON]
        if environ.get("CONTENT_TYPE"):
            headers.append(("content-type", environ["CONTENT_TYPE"]))
        headers.append((FORWARDED, self.me))
        body = request.get_data()
        headers.extend(client_headers(self.key, request.remote_addr or "", request.method,
                                      request.path, body).items())
        path = request.full_path if request.query_string else request.path
        link = self._connection(address)
        try:
            status, found, data = link.ask(request.method, path, headers, body)
        except BaseException:
            link.close()
            raise
        self._give_back(address, link)
        return Response(data, status=status, headers=[
            (name, value) for name, value in found
            if name.lower() not in DROPPED and name.lower() != "date"])

    def _connection(self, address: str) -> Link:
        idle = self._idle[address]
        while idle:
            link = idle.pop()
            if not closed_by_peer(link.sock):
                return link
            link.close()  # closed by the owner while idle (request_header_seconds): sent
            # on, a request would fail, and one that may not be sent twice get 503
        return Link(address, TIMEOUT)

    def _give_back(self, address: str, link: Link) -> None:
        idle = self._idle[address]
        if link.reusable and len(idle) < KEPT:
            idle.append(link)
        else:
            link.close()


def closed_by_peer(sock: Any) -> bool:
    """Whether the other end closed an idle connection (or sent something unasked): one
    poll(2) that does not wait (the select module's own, not gevent's)."""
    poller = _POLL()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def moving(answer: Response) -> bool:
    """Whether the owner asked answered that the site is moving (it has just lost it)."""
    return answer.status_code == 503 and b'"site_moving"' in answer.get_data()


class PassOn:
    """WSGI middleware: a change under /api/sites/<site>/ (or /api/public/sites/<site>/: a
    booking, whose owner's wait estimates must know it at once) for a site another process owns is
    passed to the owner before the app parses it (its owner authenticates, checks and audits
    it, as for any forwarded request): the hop then costs the forwarding process little more
    than the HTTP. Anything else, or a change no owner answered, goes to the app."""

    def __init__(self, app: Any, forwarder: Forwarder, sites: Any, limit: int) -> None:
        self.app = app
        self.forwarder = forwarder
        self.sites = sites
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        take_client_address(environ, self.forwarder.key, self.limit)
        found = SITE_CHANGE.match(environ.get("PATH_INFO", ""))
        if (found is not None and environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
                and found.group(1) in self.sites and not self.forwarder.owns(found.group(1))
                and "HTTP_X_MADOGUCHI_FORWARDED" not in environ):
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if 0 <= length <= self.limit:
                body = environ["wsgi.input"].read(length) if length else b""
                environ["wsgi.input"] = io.BytesIO(body)  # the app may read it after all
                answer = self.forwarder.forward(WsgiRequest(environ), found.group(1))
                environ["wsgi.input"] = io.BytesIO(body)
                if isinstance(answer, Response):
                    return answer(environ, start_response)
                if answer is None:
                    environ[PASSED_ON] = True
        return self.app(environ, start_response)


def _client_signature(key: bytes, address: str, method: str, path: str, at: str,
                      body: bytes) -> str:
    said = f"{address}\n{method}\n{path}\n{at}\n".encode() + hashlib.sha256(body).digest()
    return hmac.new(key, said, hashlib.sha256).hexdigest()


def client_headers(key: bytes, address: str, method: str, path: str,
                   body: bytes) -> dict[str, str]:
    """The headers that carry the client's address to the owner, signed with the key only
    the processes hold (a client cannot make them), with the request and the time: a copy
    seen on the network is good for that request only, and only for CLIENT_SLACK."""
    at = str(int(time.time()))
    return {CLIENT: address, CLIENT_TIME: at,
            CLIENT_SIGNATURE: _client_signature(key, address, method, path, at, body)}


def signed_lately(at: object) -> bool:
    """Whether a time one process put in what it signed for another (seconds since the
    epoch, a number or its text) is within CLIENT_SLACK of now, either way."""
    try:
        return abs(time.time() - float(at)) <= CLIENT_SLACK  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def take_client_address(environ: dict[str, Any], key: bytes, limit: int) -> None:
    """A request forwarded by another process of the cluster: its client's address, if the
    signature is good (this request, signed within CLIENT_SLACK), becomes this request's
    (throttling and the audit log see the visitor, not the forwarding process). The headers
    are removed either way: anything else has only the address it came from. The body is
    read here to check it (`limit` at most; it is put back for the app)."""
    address = environ.pop("HTTP_X_MADOGUCHI_CLIENT", None)
    signature = environ.pop("HTTP_X_MADOGUCHI_CLIENT_SIGNATURE", None)
    at = environ.pop("HTTP_X_MADOGUCHI_CLIENT_TIME", None)
    if address is None or signature is None or at is None or not key:
        return
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if not 0 <= length <= limit:
        return
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    good = _client_signature(key, address, environ.get("REQUEST_METHOD", ""),
                             environ.get("PATH_INFO", ""), at, body)
    if hmac.compare_digest(good, signature) and signed_lately(at):
        environ["REMOTE_ADDR"] = address
    else:
        log.warning("a request came with a client address not signed by this cluster just "
                    "now (a copy, or a clock more than %d s off)", CLIENT_SLACK)
