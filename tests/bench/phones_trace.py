"""Inside the server of tests/bench/phones.py: when each call's messages leave, and how late the
event loop runs, so that a slow call -> display can be laid at the server's door or the clients'.

Installed by the bench's launcher before `server.cli.main()`; written out as JSON at exit (the
bench stops the server with SIGTERM). Its records, all on `time.monotonic()` (one clock for
every process of the machine, as the bench's own):

- `frames`: (label, at) each time a websocket frame carrying a display's "called" event, or a
  phone's status "called", is handed to the kernel (simple_websocket's `send`, after wsproto
  framed it): the moment the message has left the server;
- `phone_frames`: the same for the phones' "called" status;
- `published`: (labels called, at, [(listener, ms)]) for each group commit's events handed to
  the engine's listeners (displays' Publisher first, then the phones' and the notifier's):
  when, and how long each listener held the loop;
- `flushes`: (start, end) of each refresh of the other phones' places (PhonePusher._flush,
  every PLACE_REFRESH_SECONDS while the queue moves), so that calls made during one can be
  told apart;
- `lag`: (at, ms, cpu ms) for each wake-up of a greenlet that sleeps LAG_PERIOD: how much
  later than asked it ran, which is how long anything else (a call, a display's send) would
  have waited for the loop then; and the CPU the loop's thread used meanwhile. A late wake-up
  with the CPU busy all along is the server's own work; one with little CPU used is the
  process waiting for a core (the machine's other processes: the bench's clients, or others').

The cost is a substring test per frame, json.loads per distinct called message (a few dozen a
second) and LAG_PERIOD wake-ups: small next to the load it watches.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import time
from typing import Any

LAG_PERIOD = 0.005  # seconds

frames: list[tuple[str, float]] = []
phone_frames: list[tuple[str, float]] = []
lag: list[tuple[float, float, float]] = []
published: list[tuple[list[str], float, list[tuple[str, float]]]] = []
flushes: list[tuple[float, float]] = []
_labels: dict[str, list[str]] = {}  # a display message's text -> the labels it calls


def _called_labels(text: str) -> list[str]:
    found = _labels.get(text)
    if found is None:
        try:
            _, data = json.loads(text[2:])
            found = [e["label"] for e in data.get("events", [])
                     if e.get("kind") == "called" and e.get("label")]
        except (ValueError, TypeError, KeyError):
            found = []
        if len(_labels) > 256:
            _labels.clear()
        _labels[text] = found
    return found


def install() -> None:
    _trace_frames()
    _trace_listeners()
    _trace_flushes()
    import gevent

    gevent.spawn(_probe_lag)

    @atexit.register
    def dump() -> None:
        with open(os.environ["MADOGUCHI_BENCH_TRACE"], "w") as out:
            json.dump({"frames": frames, "phone_frames": phone_frames, "lag": lag,
                       "published": published, "flushes": flushes}, out)


def _trace_frames() -> None:
    import simple_websocket.ws as ws

    send = ws.Base.send

    def traced_send(self: Any, data: Any) -> None:
        send(self, data)
        if not isinstance(data, str) or '"called"' not in data:
            return
        now = time.monotonic()
        if data.startswith('42["events"'):
            frames.extend((label, now) for label in _called_labels(data))
        elif data.startswith('42/phone,["status"') and '"status":"called"' in data:
            try:
                phone_frames.append((json.loads(data[data.index("["):])[1]["label"], now))
            except (ValueError, KeyError, IndexError):
                pass

    ws.Base.send = traced_send


def _trace_listeners() -> None:
    from server.domain.events import EventKind
    from server.engine import Engine

    log = logging.getLogger("server.engine")

    def traced_publish(self: Any, events: list[Any]) -> None:
        if not events:
            return
        labels = [str(e.data.get("label")) for e in events if e.kind is EventKind.CALLED]
        started = time.monotonic()
        spent = []
        for listener in self._listeners:
            before = time.monotonic()
            try:
                listener(events)
            except Exception:
                log.exception("event listener failed")
            spent.append((type(listener).__name__, (time.monotonic() - before) * 1000))
        published.append((labels, started, spent))

    Engine._publish = traced_publish


def _trace_flushes() -> None:
    from server.phone.views import PhonePusher

    flush = PhonePusher._flush

    def traced_flush(self: Any) -> None:
        started = time.monotonic()
        try:
            flush(self)
        finally:
            flushes.append((started, time.monotonic()))

    PhonePusher._flush = traced_flush


def _probe_lag() -> None:
    import gevent

    while True:
        asked, cpu = time.monotonic(), time.thread_time()
        gevent.sleep(LAG_PERIOD)
        woke = time.monotonic()
        lag.append((asked, (woke - asked - LAG_PERIOD) * 1000,
                    (time.thread_time() - cpu) * 1000))
