"""Serving over gevent's WSGI server, with TCP_NODELAY, clean shutdown and housekeeping."""

from __future__ import annotations

import gc
import logging
import select
import signal
import socket
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import gevent
from flask import Flask
from gevent import monkey, pywsgi
from gevent.event import Event
from gevent.hub import Waiter, get_hub
from gevent.timeout import Timeout

from .booking.reminders import remind
from .connlimits import FILES_KEPT, GuardedServer, TimedInput, raise_open_files_limit
from .domain.site_queue import SiteQueue
from .requestheaders import RequestHeaders
from .services import services_of

log = logging.getLogger(__name__)
_POLL = monkey.get_original("select", "poll")
# On SQLite the group commit runs in a worker thread; the sqlite3 module lets go of the
# interpreter lock around every statement step and must win it back from the event loop each
# time. With Python's default of 5 ms per hand-over, a 2 ms commit took 10 ms under load; the
# calls and kiosk answers wait for it.
SWITCH_INTERVAL = 0.0005
# Young-generation collections every 10000 allocations rather than 700: fewer, not longer,
# pauses (most request garbage dies young anyway).
GC_THRESHOLDS = (10_000, 20, 10)


def loop_wait(gen: Any, fileno: int, interval: float = 0.0, timeout: float | None = None) -> Any:
    """psycopg's wait for the event loop's thread: a libev watcher on the connection's socket
    (one for each kind of readiness asked, made once for the statement), waited on by the
    greenlet. psycopg's own cooperative wait goes through gevent's emulation of
    `select.poll`, which builds and tears down a poll object and its watchers for every wait;
    that cost a quarter of the event loop's time under load. A wait to send asks the socket
    first without waiting (it is nearly always writable), which saves a trip through the
    loop for each statement psycopg sends: 0.48 against 0.57 ms of CPU a pipelined commit.
    `interval` is psycopg's time to look at interruptions, which the loop delivers anyway;
    `timeout` is kept."""
    hub = get_hub()
    watchers: dict[int, Any] = {}
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        wanted = next(gen)
        while True:
            if wanted & 2:  # to send: the socket is nearly always writable, so ask at once
                ready = _ready_now(fileno, wanted)
                if ready:
                    wanted = gen.send(ready)
                    continue
            watcher = watchers.get(wanted)
            if watcher is None:  # psycopg's Wait R/W/RW are libev's READ/WRITE bits
                watcher = watchers[wanted] = hub.loop.io(fileno, int(wanted))
            waiter = Waiter(hub)
            watcher.start(waiter.switch, pass_events=True)
            try:
                if deadline is None:
                    ready = waiter.get()
                else:
                    with Timeout(max(0.0, deadline - time.monotonic())):
                        ready = waiter.get()
            except Timeout:
                from psycopg import errors
                raise errors._WaitTimeout("wait timeout expired") from None  # noqa: SLF001
            finally:
                watcher.stop()
            wanted = gen.send(ready & 3)  # psycopg's Ready R/W/RW
    except StopIteration as done:
        return done.value
    finally:
        for watcher in watchers.values():
            watcher.close()


def _ready_now(fileno: int, wanted: int) -> int:
    """Which of `wanted` (psycopg's Wait bits: 1 read, 2 write) the socket is ready for now,
    by one poll(2) that does not wait (the select module's own, not gevent's; poll, as a
    server with thousands of connections has descriptors past select's 1024)."""
    poller = _POLL()
    poller.register(fileno, (select.POLLIN if wanted & 1 else 0)
                    | (select.POLLOUT if wanted & 2 else 0))
    ready = 0
    for _, events in poller.poll(0):
        ready |= (1 if events & select.POLLIN else 0) | (2 if events & select.POLLOUT else 0)
    return ready


def blocking_waits_off_the_loop() -> None:
    """PostgreSQL: psycopg waits for the server cooperatively once gevent has patched
    `select`, by polling through a gevent hub; in a worker thread (work handed to gevent's
    thread pool: logins, bookings, reports) that is a hub of the thread's own, run for every
    wait of every statement, holding the interpreter lock the event loop needs. There,
    psycopg's C wait (a plain poll(2) that lets go of the lock) is what a thread should use.
    On the event loop's thread (the group commit, reads, leases) the waits stay cooperative,
    through `loop_wait`."""
    try:
        from psycopg import waiting
    except ImportError:  # SQLite only
        return
    blocking = getattr(waiting, "wait_c", None)
    if blocking is None or waiting.wait is blocking or getattr(waiting.wait, "by_thread", False):
        return  # not patched by gevent (nothing cooperative to do), or done already
    cooperative = loop_wait
    ident = monkey.get_original("_thread", "get_ident")
    loop_thread = ident()

    def wait(gen: Any, fileno: int, interval: float = 0.0, timeout: float | None = None) -> Any:
        chosen = cooperative if ident() == loop_thread else blocking
        return chosen(gen, fileno, interval=interval, timeout=timeout)

    wait.by_thread = True  # type: ignore[attr-defined]
    waiting.wait = wait


def settle_memory() -> None:
    """Once started: what is loaded by now (modules, the day's queues) lives as long as the
    process, so move it out of the garbage collector's way. A full collection walked all of
    it, up to 80 ms with the event loop stopped; now it walks only what came later."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class NoDelayHandler(pywsgi.WSGIHandler):  # type: ignore[misc]
    """gevent writes headers and body separately; without TCP_NODELAY, Nagle's algorithm and
    the client's delayed ACK stall every kept-alive response by about 40 ms.

    It also sends a response's headers and the start of its body in one send() (gevent
    makes two system calls, and with TCP_NODELAY two packets).

    It reads each request's headers without the email package (requestheaders.py).

    It also ends the connection when a WebSocket session ends: the session spoke the
    WebSocket protocol on the raw socket, so what follows is WebSocket frames (the peer's
    close frame), never another HTTP request to parse."""

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not a TCP socket (unix socket in tests)
            pass
        super().__init__(sock, *args, **kwargs)

    _held: bytearray | None = None  # the headers, while they wait for the body
    JOIN_UP_TO = 256 * 1024  # a larger body goes in a send of its own (no big copy)

    def _write_with_headers(self, data: bytes) -> None:
        self._held = bytearray()
        try:
            super()._write_with_headers(data)
        finally:
            held, self._held = self._held, None
            if held:  # no body came (an empty one)
                super()._sendall(held)

    def _sendall(self, data: bytes) -> None:
        held = self._held
        if held is None:
            super()._sendall(data)
        elif not held:  # the headers: keep them for the body
            held += data
        else:
            self._held = None
            if len(data) <= self.JOIN_UP_TO:
                held += data
                super()._sendall(held)
            else:
                super()._sendall(held)
                super()._sendall(data)

    def MessageClass(self, rfile: Any, *_: Any) -> RequestHeaders:  # noqa: N802 - gevent's
        """The request's headers, read without the email package (requestheaders.py)."""
        return RequestHeaders.read(rfile)

    def log_request(self) -> None:
        """No access log (the server is made with log=None): gevent would still format a
        line per request, with the date, only to throw it away."""

    # Read deadlines (connlimits.py), set by run_server from the settings.
    header_seconds: float = 20.0
    body_seconds: float = 30.0
    _header_timer: gevent.Timeout | None = None

    def handle_one_request(self) -> Any:
        """The request line and headers must come within header_seconds (also the idle wait
        of a kept-alive connection); else the connection is closed."""
        timer = self._header_timer = gevent.Timeout(self.header_seconds)
        timer.start()
        try:
            return super().handle_one_request()
        except gevent.Timeout as fired:
            if fired is not timer:
                raise
            return None  # the handler closes the connection
        finally:
            timer.cancel()

    def read_request(self, raw_requestline: str) -> Any:
        try:
            return super().read_request(raw_requestline)
        finally:
            if self._header_timer is not None:
                self._header_timer.cancel()  # the headers are in: the application's time

    def get_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environ()
        if environ["wsgi.input"] is self.wsgi_input:  # not a WebSocket: it has a body
            given = self.wsgi_input
            timed = TimedInput(self.rfile, self.content_length, socket=given.socket,
                               chunked_input=given.chunked_input)
            timed.deadline = time.monotonic() + self.body_seconds
            timed.handler = self
            self.wsgi_input = environ["wsgi.input"] = timed
        # gevent's input ends by itself at the end of a chunked body; saying so lets werkzeug
        # read it (and apply the body size limit) instead of treating it as empty.
        environ["wsgi.input_terminated"] = True
        return environ

    def run_application(self) -> None:
        websocket = self.environ.get("HTTP_UPGRADE", "").lower() == "websocket"
        try:
            super().run_application()
        except OSError as exc:
            # engine.io reports a peer that went away mid-session as a bare OSError(),
            # which gevent's own handling cannot read (it indexes exc.args).
            if not (websocket and not exc.args):
                raise
        finally:
            if websocket:
                self.close_connection = True


def housekeeping(app: Flask) -> None:
    """Close business days left open past the day's start; forget old idempotency keys, the
    contacts of bookings whose day is over and pairing codes past their time."""
    services = services_of(app)
    engine = services.engine
    while True:
        gevent.sleep(services.settings.housekeeping_seconds)
        try:
            now = services.clock.now()
            for site_id, queue in engine.queues.items():
                # Only the day left open: today's tickets and counters are not touched.
                day = queue.left_over_day(now)
                if day is not None:
                    engine.run(site_id, _close(day), lambda n: (200, {"closed_tickets": n}))
                    log.info("closed business day %s at %s", day, site_id)
            engine.purge_commands()
            services.bookings.forget_contacts()
            services.reports.housekeeping()
            services.auth.pairings.purge(now)
        except Exception:
            log.exception("housekeeping failed")


def _close(day: date) -> Callable[[SiteQueue, datetime], int]:
    """The automatic close of `day` (only that business day)."""
    return lambda queue, at: queue.close_day(at, "auto", day=day)


def run_server(app: Flask, host: str, port: int) -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
    blocking_waits_off_the_loop()
    settle_memory()
    settings = services_of(app).settings
    files = raise_open_files_limit()
    most = max(16, files - FILES_KEPT)
    log.info("open files allowed: %d; connections at most %d in all, %s per address", files,
             most, settings.max_connections_per_address or "no cap")
    handler = type("Handler", (NoDelayHandler,), {
        "header_seconds": settings.request_header_seconds,
        "body_seconds": settings.request_body_seconds})
    server = GuardedServer((host, port), app, handler_class=handler, log=None,
                           per_address=settings.max_connections_per_address, most=most)
    server.start()
    bound_host, bound_port = server.address[:2]
    print(f"madoguchi listening on http://{bound_host}:{bound_port}", flush=True)
    keeper = gevent.spawn(housekeeping, app)
    reminding = gevent.spawn(remind, services_of(app))
    stopping = Event()

    def stop(*_: Any) -> None:
        stopping.set()

    gevent.signal_handler(signal.SIGTERM, stop)
    gevent.signal_handler(signal.SIGINT, stop)
    stopping.wait()
    log.info("shutting down")
    server.stop(timeout=5)
    keeper.kill()
    reminding.kill()
    services = services_of(app)
    services.engine.stop()
    if services.cluster is not None:  # the others take its sites at once
        services.cluster.member.stop()
