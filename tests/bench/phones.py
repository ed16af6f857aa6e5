"""Benchmark: many phones at once. 2,000 phone pages and 50 displays on one server process,
counters calling about 20 times a second, a quarter of the phones notified by Web Push.

Run from the repository root after the setup command:

    .venv/bin/python tests/bench/phones.py [--phones 2000] [--displays 50] [--counters 20]
                                           [--seconds 20] [--push-every 4] [--json-only]

It starts a real server (`madoguchi init`, then `serve`) with the bench site of
tests/bench/server.py, connection caps off (`max_connections_per_address = 0`: every client
here shares 127.0.0.1), and the push-service stand-in of the tests (tests/fakes/push_service.py,
over TLS, checking VAPID and decrypting every payload) allowed by `push_hosts`. Then:

1. a kiosk issues `--phones` tickets over the desks in turn; every `--push-every`-th ticket's
   page turns on Web Push with a stand-in subscription;
2. `--phones` python-socketio clients follow one ticket each on the /phone namespace (in
   `--phone-procs` gevent-patched processes, as the displays of server.py), and `--displays`
   displays listen;
3. `--counters` counters call-next then finish, pausing `--call-pause` s on average (about 20
   calls a second), for `--warmup` + `--seconds`.

Figures (the warm-up left out): call -> phone (the ticket's own phone receives status
"called"), call -> display, call -> push request at the stand-in (the request has left the
server: same machine, loopback), each from just before call-next was sent; the server's peak
RSS (VmHWM) and CPU; and the CPU probe before and after. `server_side` gives the same calls
seen from inside the server (tests/bench/phones_trace.py): when their frames left it, how
long each listener held the writer, and the event loop's lag. One JSON object goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.bench.machine import DiskProbe, cpu_probe_ms  # noqa: E402
from tests.bench.server import peak_rss_mb, site_toml, start_server  # noqa: E402
from tests.bench.server_load import (  # noqa: E402
    KIOSK,
    OUTCOME,
    SITE,
    Client,
    Displays,
    cpu_seconds,
    desk_ids,
    pct,
    spread,
)
from tests.fakes.push_service import push_service  # noqa: E402
from tests.fakes.tls import make_certificates  # noqa: E402
from tests.harness import ServerProcess  # noqa: E402

PHONE_LAUNCHER = """
from gevent import monkey
monkey.patch_all()
import os, sys
os.nice(int(sys.argv[2]))
sys.path.insert(0, sys.argv[1])
from tests.bench.phones import phone_worker
phone_worker(sys.argv[3], sys.argv[4:])
"""


SERVER_LAUNCHER = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import server.cli  # gevent patches the standard library on this import
from tests.bench import phones_trace
phones_trace.install()
sys.argv[0] = "madoguchi"
server.cli.main()
"""

CONNECTING = 20  # connections a phone process opens at once


def phone_worker(url: str, tokens: list[str]) -> None:
    """In a gevent-patched process: one /phone client per token; notes when each is called.
    Prints [connected, errors] when ready, waits for a line on stdin, then prints
    [receipts, messages, cpu seconds]."""
    import gevent
    import gevent.event
    import socketio  # type: ignore[import-untyped]

    receipts: list[tuple[str, float]] = []
    messages = [0]

    def connect_one(token: str) -> Any:
        client = socketio.Client(reconnection=False,
                                 websocket_extra_options={"skip_utf8_validation": True})
        first = gevent.event.Event()
        called = [False]

        def on_status(view: dict[str, Any]) -> None:
            arrived = time.monotonic()
            messages[0] += 1
            first.set()
            if view.get("status") == "called" and not called[0]:
                called[0] = True
                receipts.append((view["label"], arrived))

        client.on("status", on_status, namespace="/phone")
        try:
            client.connect(url, namespaces=["/phone"], transports=["websocket"],
                           auth={"ticket": token}, wait_timeout=60)
        except Exception:
            return None
        return client if first.wait(60) else None

    import gevent.pool

    # A few at a time, as phones come in: 250 handshakes at once time out on a loaded machine.
    live = [c for c in gevent.pool.Pool(CONNECTING).imap_unordered(connect_one, tokens)
            if c is not None]
    print(json.dumps([len(live), len(tokens) - len(live)]), flush=True)
    gevent.get_hub().threadpool.apply(sys.stdin.readline)
    print(json.dumps([receipts, messages[0], time.process_time()]), flush=True)
    os._exit(0)


class Phones:
    def __init__(self, url: str, tokens: list[str], procs: int, nice: int) -> None:
        shares = [tokens[i::procs] for i in range(procs)]
        self.workers = [subprocess.Popen(
            [sys.executable, "-c", PHONE_LAUNCHER, str(ROOT), str(nice), url, *share],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
            for share in shares if share]
        self.connected = self.errors = 0
        for worker in self.workers:
            assert worker.stdout is not None
            line = worker.stdout.readline()
            if line:
                connected, errors = json.loads(line)
                self.connected += connected
                self.errors += errors

    def finish(self) -> tuple[list[tuple[str, float]], int, float]:
        receipts: list[tuple[str, float]] = []
        messages, cpu = 0, 0.0
        for worker in self.workers:
            assert worker.stdin is not None
            worker.stdin.write("stop\n")
            worker.stdin.flush()
        for worker in self.workers:
            assert worker.stdout is not None
            line = worker.stdout.readline()
            if line:
                got, count, used = json.loads(line)
                receipts += [(label, at) for label, at in got]
                messages += count
                cpu += used
            worker.wait(timeout=30)
        return receipts, messages, cpu


def issue_tickets(port: int, count: int, desks: int) -> list[dict[str, Any]]:
    ids = desk_ids(desks)
    client = Client(port, KIOSK)
    tickets = []
    try:
        while len(tickets) < count:
            status, data, _, _ = client.post(f"/api/sites/{SITE}/tickets",
                                             {"services": [ids[len(tickets) % len(ids)]]})
            if status == 201:
                tickets.append(json.loads(data))
    finally:
        client.close()
    return tickets


def counters_calling(args: argparse.Namespace, port: int, pid: int) -> dict[str, Any]:
    sends: dict[str, float] = {}
    end = [0.0]
    start_line = threading.Barrier(args.counters + 1)
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def counter(index: int) -> None:
        counter_id = f"{SITE}-c{index + 1}"
        client = Client(port, f"token-{SITE}-staff{index + 1}")
        pacer = random.Random(index)
        start_line.wait(timeout=60)
        try:
            while time.monotonic() < end[0]:
                status, data, sent, _ = client.post(
                    f"/api/sites/{SITE}/counters/{counter_id}/call-next", {})
                with lock:
                    seen[f"call {status}"] += 1
                if status != 200:
                    time.sleep(0.05)
                    continue
                ticket = json.loads(data)["ticket"]
                sends[ticket["label"]] = sent
                status, _, _, _ = client.post(f"/api/tickets/{ticket['id']}/finish",
                                              {"outcome": OUTCOME, "counter": counter_id})
                with lock:
                    seen[f"finish {status}"] += 1
                time.sleep(pacer.uniform(0, 2 * args.call_pause))
        finally:
            client.close()

    threads = [threading.Thread(target=counter, args=(i,), daemon=True)
               for i in range(args.counters)]
    for thread in threads:
        thread.start()
    begin = time.monotonic()
    window = (begin + args.warmup, begin + args.warmup + args.seconds)
    end[0] = window[1]
    start_line.wait(timeout=60)
    time.sleep(max(0.0, window[0] - time.monotonic()))
    cpu = cpu_seconds(pid)
    time.sleep(max(0.0, window[1] - time.monotonic()))
    server_cpu = (cpu_seconds(pid) - cpu) / args.seconds
    for thread in threads:
        thread.join(timeout=30)
    return {"sends": sends, "window": window, "server_cpu": server_cpu, "statuses": seen}


def deltas(receipts: list[tuple[str, float]], sends: dict[str, float],
           window: tuple[float, float]) -> list[float]:
    found = []
    for label, arrived in receipts:
        sent = sends.get(label)
        if sent is not None and window[0] <= sent < window[1]:
            found.append((arrived - sent) * 1000)
    return found


def lag_figures(lags: list[tuple[float, float]]) -> dict[str, Any]:
    """The loop's lag, and of the late wake-ups (over 10 ms) how many had the loop's thread
    busy most of the time (its own work) or mostly off the CPU (waiting for a core)."""
    late = [(ms, cpu) for ms, cpu in lags if ms > 10]
    busy = sum(cpu > 0.7 * (ms + 5) for ms, cpu in late)
    return {**spread([ms for ms, _ in lags]), "over_10": len(late),
            "over_25": sum(ms > 25 for ms, _ in late), "over_10_loop_busy": busy,
            "over_10_waiting_for_cpu": len(late) - busy}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--displays", type=int, default=50)
    parser.add_argument("--counters", type=int, default=20)
    parser.add_argument("--desks", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--call-pause", type=float, default=1.0)
    parser.add_argument("--push-every", type=int, default=4)
    parser.add_argument("--phone-procs", type=int, default=8)
    parser.add_argument("--display-procs", type=int, default=2)
    parser.add_argument("--phone-nice", type=int, default=0,
                        help="the phone processes' niceness (0 to 19): how far behind the "
                             "server and the displays they come for a core")
    parser.add_argument("--trace-out", type=Path,
                        help="write the sends, receipts and the server's trace here (JSON)")
    parser.add_argument("--json-only", action="store_true")
    return parser.parse_args()


def say(args: argparse.Namespace, text: str) -> None:
    if not args.json_only:
        print(text, file=sys.stderr, flush=True)


def main() -> int:
    args = parse_args()
    cpu_before = cpu_probe_ms()
    work = Path(tempfile.mkdtemp(prefix="madoguchi-phones-"))
    certificates = make_certificates(work / "tls")
    probe = DiskProbe(work).start()  # a durable write beside the server: the disk's stalls
    load_before = os.getloadavg()[0]
    with push_service(certificates) as stand_in:
        proc = ServerProcess(work, [], sites_text=site_toml(args.counters, args.desks), env={
            "MADOGUCHI_MAX_CONNECTIONS_PER_ADDRESS": "0",
            "MADOGUCHI_PUSH_HOSTS": "localhost",
            "MADOGUCHI_PUSH_CA_FILE": str(certificates.ca_file)})
        try:
            proc.init()
            trace_file = work / "trace.json"
            pid = start_server(proc, False, work / "commits.json", SERVER_LAUNCHER,
                               {"MADOGUCHI_BENCH_TRACE": str(trace_file)})
            say(args, f"server pid {pid}; issuing {args.phones} tickets")
            tickets = issue_tickets(proc.port, args.phones, args.desks)
            subscribed = 0
            with requests.Session() as http:
                for ticket in tickets[::args.push_every]:
                    answer = http.post(f"{proc.url}/t/{ticket['public_token']}/notify/push",
                                       json=stand_in.subscribe().json(), timeout=30)
                    subscribed += answer.status_code == 201
            say(args, f"{subscribed} push subscriptions; connecting phones and displays")
            phones = Phones(proc.url, [t["public_token"] for t in tickets], args.phone_procs,
                            args.phone_nice)
            displays = Displays(args, proc.port)
            displays.start()
            rss_idle = peak_rss_mb(pid)
            say(args, f"{phones.connected} phones, {displays.connected} displays; calling")
            pushes_before = len(stand_in.received)
            called = counters_calling(args, proc.port, pid)
            time.sleep(3.0)  # the last pushes and messages arrive
            phone_receipts, phone_messages, phone_cpu = phones.finish()
            display_receipts, display_messages, display_cpu = displays.finish()
            rss = peak_rss_mb(pid)
        finally:
            proc.stop()
            probe.stop()
        pushes = [(r.payload["label"], r.at) for r in stand_in.received[pushes_before:]
                  if r.payload.get("kind") == "called"]
        refused = len(stand_in.refused)
    sends, window = called["sends"], called["window"]
    calls_in_window = sum(window[0] <= s < window[1] for s in sends.values())
    to_phone = deltas(phone_receipts, sends, window)
    to_display = deltas([(label, at) for _, label, at in display_receipts], sends, window)
    to_push = deltas(pushes, sends, window)
    trace = json.loads(trace_file.read_text()) if trace_file.is_file() else {}
    left_display = deltas(trace.get("frames", []), sends, window)
    left_phone = deltas(trace.get("phone_frames", []), sends, window)
    lags = [(ms, cpu) for at, ms, cpu in trace.get("lag", []) if window[0] <= at < window[1]]
    published = [(labels, at, spent) for labels, at, spent in trace.get("published", [])
                 if window[0] <= at < window[1]]
    to_publish = deltas([(label, at) for labels, at, _ in published for label in labels],
                        sends, window)
    flushes = [(a, b) for a, b in trace.get("flushes", []) if window[0] <= a < window[1]]

    def flushing(label: str) -> bool:
        sent = sends.get(label, 0.0)
        return any(a - 0.05 <= sent <= b for a, b in flushes)

    display_in_flush = deltas([f for f in trace.get("frames", []) if flushing(f[0])],
                              sends, window)
    listeners: dict[str, list[float]] = {}
    for _, _, spent in published:
        for name, ms in spent:
            listeners.setdefault(name, []).append(ms)
    result = {
        "call_to_phone_p50_ms": pct(to_phone, 50), "call_to_phone_p99_ms": pct(to_phone, 99),
        "call_to_display_p50_ms": pct(to_display, 50),
        "call_to_display_p99_ms": pct(to_display, 99),
        "call_to_push_p50_ms": pct(to_push, 50), "call_to_push_p99_ms": pct(to_push, 99),
        "rss_mb": rss, "rss_mb_before_calls": rss_idle,
        "calls_per_s": round(calls_in_window / args.seconds, 1),
        "server_cpu_share_of_one_core": round(called["server_cpu"], 2),
        "targets": {"call_to_phone_p99_ms": 100, "call_to_display_p99_ms": 50,
                    "rss_mb": 300, "call_to_push_p99_ms": 200},
        "phones": {"connected": phones.connected, "errors": phones.errors,
                   "messages": phone_messages, "client_cpu_s": round(phone_cpu, 1),
                   "call_to_phone_ms": spread(to_phone)},
        "displays": {"connected": displays.connected, "errors": displays.errors,
                     "messages": display_messages,
                     "client_cpu_s": round(display_cpu, 1),
                     "call_to_display_ms": spread(to_display)},
        "server_side": {
            "what": "from the same sends: when the frame left the server (handed to the "
                    "kernel, tests/bench/phones_trace.py), and the server's event-loop lag "
                    "(a greenlet sleeping 5 ms: how much later it woke)",
            "call_to_publish_ms": spread(to_publish),
            "call_to_display_frame_ms": spread(left_display),
            "call_to_phone_frame_ms": spread(left_phone),
            "call_to_display_frame_ms_calls_during_place_refresh": spread(display_in_flush),
            "place_refresh_ms": spread([(b - a) * 1000 for a, b in flushes]),
            "listener_ms": {name: spread(ms) for name, ms in listeners.items()},
            "event_loop_lag_ms": lag_figures(lags)},
        "push": {"subscribed": subscribed, "called_pushes": len(pushes),
                 "refused_by_stand_in": refused, "call_to_push_ms": spread(to_push)},
        "statuses": dict(called["statuses"]),
        "nproc": os.cpu_count(),
        "cpu_probe_ms": {"before": cpu_before, "after": cpu_probe_ms(),
                         "probe": "the best of 3 runs of a fixed pure-Python loop (2 million "
                                  "additions): the machine's speed at the time"},
        "disk_fdatasync_ms": {"probe": "a 4 kB overwrite + fdatasync beside the server every "
                                       "50 ms (tests/bench/machine.py)",
                              "calls": probe.figures(*window)},
        "loadavg_1min": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "setup": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                  if k != "json_only"},
    }
    if args.trace_out is not None:
        args.trace_out.write_text(json.dumps({
            "sends": sends, "window": window, "phones": phone_receipts,
            "displays": display_receipts, "pushes": pushes, "server": trace}))
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json_only else 2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())
