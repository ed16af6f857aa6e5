"""Load for tests/bench/server.py: kiosks issuing, counters calling, displays listening.

Every client keeps one HTTP/1.1 connection alive with TCP_NODELAY set after connect, as a
browser does, and times a request from just before it is sent to its last body byte. All
times come from `time.monotonic()`: on Linux that is CLOCK_MONOTONIC, one clock for every
process of the machine, so a display process's receipt can be set against a counter thread's
press of the button.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SITE = "bench"
KIOSK = f"token-{SITE}-kiosk"
DISPLAY = f"token-{SITE}-display"
OUTCOME = "consult_only"
HTTP_TIMEOUT = 10.0


def desk_ids(desks: int) -> list[str]:
    return [f"desk{chr(ord('a') + i)}" for i in range(desks)]


class Client:
    """One kept-alive HTTP/1.1 connection with TCP_NODELAY, as a browser holds one."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn: http.client.HTTPConnection | None = None

    def connect(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        self.conn.connect()
        assert self.conn.sock is not None
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes, float, float]:
        """(status, body, sent, done), times from time.monotonic(); status 0 when the
        connection failed (it is opened again on the next request)."""
        if self.conn is None:
            self.connect()
        assert self.conn is not None
        payload = json.dumps(body).encode()  # http.client sends headers and body in one go
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
        sent = time.monotonic()
        try:
            self.conn.request("POST", path, payload, headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, b"", sent, time.monotonic()
        done = time.monotonic()
        if response.will_close:
            self.close()
        return response.status, data, sent, done

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile, rounded to 0.01."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)], 2)


def spread(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50": pct(values, 50), "p90": pct(values, 90),
            "p99": pct(values, 99), "max": pct(values, 100)}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Window:
    """The measured part of a phase, and the CPU the server and this process used in it."""

    start: float
    end: float
    server_cpu: float = 0.0  # share of one core
    client_cpu: float = 0.0

    def holds(self, sent: float) -> bool:
        return self.start <= sent < self.end


def run_timed(count: int, client: Callable[[int, float], Any], args: argparse.Namespace,
              pid: int) -> tuple[list[Any], Window]:
    """Run `client(index, end)` in `count` threads from one start line; each returns its
    results. The first `args.warmup` seconds are not part of the returned window."""
    start_line = threading.Barrier(count + 1)
    results: list[Any] = []
    lock = threading.Lock()
    end = [0.0]

    def thread(index: int) -> None:
        start_line.wait(timeout=60)
        found = client(index, end[0])
        with lock:
            results.append(found)

    threads = [threading.Thread(target=thread, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    begin = time.monotonic()
    window = Window(begin + args.warmup, begin + args.warmup + args.seconds)
    end[0] = window.end
    start_line.wait(timeout=60)
    time.sleep(max(0.0, window.start - time.monotonic()))
    cpu, own = cpu_seconds(pid), time.process_time()
    time.sleep(max(0.0, window.end - time.monotonic()))
    window.server_cpu = (cpu_seconds(pid) - cpu) / args.seconds
    window.client_cpu = (time.process_time() - own) / args.seconds
    for t in threads:
        t.join(timeout=HTTP_TIMEOUT + 5)
    return results, window


# ---- issuing ---------------------------------------------------------------------------------

def issue_phase(args: argparse.Namespace, port: int, pid: int) -> dict[str, Any]:
    """`args.clients` kiosks issue tickets back to back, for the desks in turn."""
    desks = desk_ids(args.desks)

    def kiosk(index: int, end: float) -> tuple[list[tuple[float, float]], dict[int, str],
                                              Counter[int]]:
        client = Client(port, KIOSK)
        timed: list[tuple[float, float]] = []  # (sent, ms)
        issued: dict[int, str] = {}
        seen: Counter[int] = Counter()
        try:
            while time.monotonic() < end:
                index += 1
                status, data, sent, done = client.post(
                    f"/api/sites/{SITE}/tickets", {"services": [desks[index % len(desks)]]})
                seen[status] += 1
                if status == 201:
                    timed.append((sent, (done - sent) * 1000))
                    body = json.loads(data)
                    issued[body["id"]] = body["label"]
                elif status == 0:
                    time.sleep(0.05)
        finally:
            client.close()
        return timed, issued, seen

    results, window = run_timed(args.clients, kiosk, args, pid)
    latencies = [ms for timed, _, _ in results for sent, ms in timed if window.holds(sent)]
    tickets = {tid: label for _, issued, _ in results for tid, label in issued.items()}
    return {"latencies": latencies, "tickets": tickets, "window": window,
            "statuses": sum((seen for _, _, seen in results), Counter()),
            "per_s": len(latencies) / args.seconds}


# ---- calls and displays ----------------------------------------------------------------------

DISPLAY_LAUNCHER = """
from gevent import monkey
monkey.patch_all()  # first: the clients' threads become greenlets of one OS thread
import sys
sys.path.insert(0, sys.argv[1])
from tests.bench.server_load import display_worker
display_worker(sys.argv[2], int(sys.argv[3]))
"""


def display_worker(url: str, count: int) -> None:
    """In a process of its own, patched by gevent (DISPLAY_LAUNCHER): `count` real
    python-socketio clients that note when each call arrives.

    The clients used 16-26 CPU-seconds in a 20 s phase, more than one of the two cores the
    server is measured on. Nearly all of it was websocket-client checking every text frame's
    UTF-8 in pure Python (see connect_one). The sync client also starts a thread for every
    message: patched, these are greenlets of one OS thread per process. Talks to the bench
    over stdin/stdout: prints one JSON line [connected, errors] when ready, waits for a line
    on stdin, then prints one JSON line [receipts, messages, cpu seconds]."""
    import gevent
    import gevent.event
    import socketio  # type: ignore[import-untyped]

    receipts: list[tuple[str, str, float]] = []  # (counter, label, arrived)
    messages = [0]

    def on_events(data: dict[str, Any]) -> None:
        arrived = time.monotonic()
        messages[0] += 1
        for event in data.get("events", []):
            if event.get("kind") == "called":
                receipts.append((event["counter"], event["label"], arrived))

    def connect_one() -> Any:
        # websocket-client checks each text frame's UTF-8 in pure Python (~1 ms for a 3 kB
        # message): a browser does it in native code. json.loads still decodes every byte.
        client = socketio.Client(reconnection=False,
                                 websocket_extra_options={"skip_utf8_validation": True})
        snapshot = gevent.event.Event()
        client.on("events", on_events)
        client.on("snapshot", lambda _data, ev=snapshot: ev.set())
        try:
            client.connect(url, transports=["websocket"], auth={"token": DISPLAY},
                           wait_timeout=15)
        except Exception:
            return None
        return client if snapshot.wait(15) else None

    clients = [connect_one() for _ in range(count)]
    errors = sum(1 for c in clients if c is None)
    live = [c for c in clients if c is not None]
    print(json.dumps([len(live), errors]), flush=True)
    gevent.get_hub().threadpool.apply(sys.stdin.readline)  # the bench says stop
    for client in live:
        try:
            client.disconnect()
        except Exception:
            pass
    print(json.dumps([receipts, messages[0], time.process_time()]), flush=True)
    sys.stdout.flush()
    os._exit(0)  # the clients' greenlets need no orderly end


class Displays:
    """`args.displays` Socket.IO clients spread over `args.display_procs` processes."""

    def __init__(self, args: argparse.Namespace, port: int) -> None:
        procs = max(1, min(args.display_procs, args.displays))
        shares = [args.displays // procs + (i < args.displays % procs) for i in range(procs)]
        self.url = f"http://127.0.0.1:{port}"
        self.shares = [n for n in shares if n > 0]
        self.workers: list[subprocess.Popen[str]] = []
        self.connected = self.errors = 0

    def start(self) -> None:
        root = str(Path(__file__).resolve().parents[2])
        for n in self.shares:
            self.workers.append(subprocess.Popen(
                [sys.executable, "-c", DISPLAY_LAUNCHER, root, self.url, str(n)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root))
        for w in self.workers:
            assert w.stdout is not None
            line = w.stdout.readline()
            if not line:
                continue
            connected, errors = json.loads(line)
            self.connected += connected
            self.errors += errors

    def finish(self) -> tuple[list[tuple[str, str, float]], int, float]:
        """Stop the clients; every receipt, the number of messages, the CPU they used."""
        receipts: list[tuple[str, str, float]] = []
        messages, cpu = 0, 0.0
        for w in self.workers:
            assert w.stdin is not None
            try:
                w.stdin.write("stop\n")
                w.stdin.flush()
            except OSError:
                pass
        for w in self.workers:
            assert w.stdout is not None
            line = w.stdout.readline()
            if line:
                got, count, used = json.loads(line)
                receipts.extend((c, label, at) for c, label, at in got)
                messages += count
                cpu += used
            try:
                w.wait(timeout=10)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait(timeout=5)
        return receipts, messages, cpu


def call_phase(args: argparse.Namespace, port: int, pid: int) -> dict[str, Any]:
    """With the displays listening, `args.counters` counters call-next then finish."""
    displays = Displays(args, port)
    displays.start()
    sends: dict[tuple[str, str], float] = {}  # (counter, label) -> call-next sent

    def counter(index: int, end: float) -> tuple[list[tuple[float, float]],
                                                list[tuple[float, float]], Counter[str]]:
        counter_id = f"{SITE}-c{index + 1}"
        client = Client(port, f"token-{SITE}-staff{index + 1}")
        pacer = random.Random(index)
        calls: list[tuple[float, float]] = []
        finishes: list[tuple[float, float]] = []
        seen: Counter[str] = Counter()
        try:
            while time.monotonic() < end:
                status, data, sent, done = client.post(
                    f"/api/sites/{SITE}/counters/{counter_id}/call-next", {})
                seen[f"call {status}"] += 1
                if status != 200:
                    time.sleep(0.05)  # nobody waiting, or the connection failed
                    continue
                ticket = json.loads(data)["ticket"]
                sends[(counter_id, ticket["label"])] = sent
                calls.append((sent, (done - sent) * 1000))
                status, _, sent, done = client.post(f"/api/tickets/{ticket['id']}/finish",
                                                    {"outcome": OUTCOME, "counter": counter_id})
                seen[f"finish {status}"] += 1
                if status == 200:
                    finishes.append((sent, (done - sent) * 1000))
                # --call-jitter: each pause drawn from 0..2x, so that the counters, which all
                # start on one barrier, do not go on calling in lockstep bursts.
                time.sleep(pacer.uniform(0, 2 * args.call_pause) if args.call_jitter
                           else args.call_pause)
        finally:
            client.close()
        return calls, finishes, seen

    results, window = run_timed(args.counters, counter, args, pid)
    time.sleep(2.0)  # let the last pushes arrive
    receipts, messages, display_cpu = displays.finish()
    deltas, unmatched = [], 0
    for counter_id, label, arrived in receipts:
        sent = sends.get((counter_id, label))
        if sent is None:
            unmatched += 1
        elif window.holds(sent):
            deltas.append((arrived - sent) * 1000)
    calls = [ms for timed, _, _ in results for sent, ms in timed if window.holds(sent)]
    return {
        "deltas": deltas, "window": window, "calls": calls,
        "finishes": [ms for _, timed, _ in results for sent, ms in timed if window.holds(sent)],
        "statuses": sum((seen for _, _, seen in results), Counter()),
        "displays_connected": displays.connected, "display_errors": displays.errors,
        "receipts_expected": len(calls) * displays.connected,
        "receipts_unmatched": unmatched, "socket_messages": messages,
        "display_cpu_s": display_cpu,
    }


# ---- a kiosk tap on a realistic queue, and a ticket's print confirmed -----------------------

KIOSK_SITE, PRINT_SITE = "bkiosk", "bprint"
QUEUE_CAP = 40  # kiosks hold their next tap while this many wait: a centre's queue, not a load
KIOSK_COUNTERS = 4


def kiosk_phase(args: argparse.Namespace, port: int, pid: int | None = None) -> dict[str, Any]:
    """`args.clients` kiosks of KIOSK_SITE tap (one issue, then `args.kiosk_pause` s) while
    KIOSK_COUNTERS counters call-next and finish back to back; no tap while QUEUE_CAP wait,
    so each issue runs the server's Monte-Carlo forecast (it does when <= 60 wait)."""
    desks = desk_ids(args.desks)
    lock = threading.Lock()
    waiting = [0]
    sizes: list[int] = []  # waiting just before each timed tap
    ahead: list[int] = []
    end = time.monotonic() + args.kiosk_seconds
    path = f"/api/sites/{KIOSK_SITE}/tickets"

    def kiosk(index: int, out: list[Any]) -> None:
        client, seen = Client(port, f"token-{KIOSK_SITE}-kiosk"), Counter[int]()
        try:
            while time.monotonic() < end:
                with lock:
                    size = waiting[0]
                if size >= QUEUE_CAP:
                    time.sleep(0.01)
                    continue
                index += 1
                status, data, sent, done = client.post(
                    path, {"services": [desks[index % len(desks)]]})
                seen[status] += 1
                if status == 201:
                    body = json.loads(data)
                    with lock:
                        waiting[0] += 1
                        sizes.append(size)
                        ahead.append(int(body.get("people_ahead") or 0))
                    out.append((done - sent) * 1000)
                time.sleep(args.kiosk_pause if status == 201 else 0.05)
        finally:
            client.close()
            out.append(seen)

    def counter(n: int, out: list[Any]) -> None:
        counter_id = f"{KIOSK_SITE}-c{n}"
        client = Client(port, f"token-{KIOSK_SITE}-staff{n}")
        try:
            while time.monotonic() < end + 1:
                status, data, _, _ = client.post(
                    f"/api/sites/{KIOSK_SITE}/counters/{counter_id}/call-next", {})
                if status != 200:
                    time.sleep(0.02)
                    continue
                with lock:
                    waiting[0] -= 1
                ticket = json.loads(data)["ticket"]
                client.post(f"/api/tickets/{ticket['id']}/finish",
                            {"outcome": OUTCOME, "counter": counter_id})
                time.sleep(args.serve_pause)
        finally:
            client.close()

    outs: list[list[Any]] = [[] for _ in range(args.clients)]
    threads = [threading.Thread(target=kiosk, args=(i, outs[i]), daemon=True)
               for i in range(args.clients)]
    threads += [threading.Thread(target=counter, args=(n, []), daemon=True)
                for n in range(1, KIOSK_COUNTERS + 1)]
    cpu = cpu_seconds(pid) if pid else 0.0
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.kiosk_seconds + HTTP_TIMEOUT + 5)
    server_cpu = (cpu_seconds(pid) - cpu) / args.kiosk_seconds if pid else None
    latencies = [ms for out in outs for ms in out if isinstance(ms, float)]
    statuses = sum((c for out in outs for c in out if isinstance(c, Counter)), Counter())
    return {"latencies": latencies, "statuses": dict(statuses), "queue_waiting": spread(sizes),
            "people_ahead_same_desk": spread(ahead), "queue_cap": QUEUE_CAP,
            "counters": KIOSK_COUNTERS, "kiosks": args.clients,
            "kiosk_pause_s": args.kiosk_pause, "serve_pause_s": args.serve_pause,
            "taps_per_s": round(len(latencies) / args.kiosk_seconds, 1),
            "server_cpu_share": round(server_cpu, 3) if server_cpu is not None else None}


KIOSK_LAUNCHER = """
from gevent import monkey
monkey.patch_all()  # first: the kiosks' threads become greenlets of one OS thread
import argparse, json, sys
sys.path.insert(0, sys.argv[1])
from tests.bench.server_load import kiosk_phase
args = argparse.Namespace(**json.loads(sys.argv[2]))
print(json.dumps(kiosk_phase(args, int(sys.argv[3]), int(sys.argv[4]))), flush=True)
"""


def kiosk_phase_apart(args: argparse.Namespace, port: int, pid: int) -> dict[str, Any]:
    """kiosk_phase in a process of its own whose standard library gevent has patched: the
    20 kiosks are 20 devices, not 20 threads of one interpreter queueing for its lock (in
    threads, a tap's answer waited for the interpreter up to tens of milliseconds after it
    had arrived, while the server sat at a tenth of a core)."""
    root = str(Path(__file__).resolve().parents[2])
    done = subprocess.run(
        [sys.executable, "-c", KIOSK_LAUNCHER, root, json.dumps(vars(args)), str(port),
         str(pid)], capture_output=True, text=True, cwd=root,
        timeout=args.kiosk_seconds + HTTP_TIMEOUT + 60, check=True)
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    found["clients"] = "one gevent-patched process (each kiosk a greenlet)"
    return found


def print_phase(args: argparse.Namespace, port: int, rows_per_second: float,
                printer: Any) -> dict[str, Any]:
    """One kiosk of PRINT_SITE issues `args.print_count` tickets one after the other (within
    `args.print_seconds`); a Socket.IO client with the kiosk's token (room public:<site>)
    notes when each {"ticket", "state": "printed"} message arrives."""
    import socketio  # type: ignore[import-untyped]

    arrived: dict[int, tuple[str, float]] = {}
    got = threading.Condition()

    def on_print(data: dict[str, Any]) -> None:
        now = time.monotonic()
        with got:
            arrived.setdefault(int(data.get("ticket", 0)), (str(data.get("state")), now))
            got.notify_all()

    live = socketio.Client(reconnection=False)
    live.on("print", on_print)
    live.connect(f"http://127.0.0.1:{port}", transports=["websocket"],
                 auth={"token": f"token-{PRINT_SITE}-kiosk"}, wait_timeout=15)
    client = Client(port, f"token-{PRINT_SITE}-kiosk")
    desks = desk_ids(args.desks)
    confirmed: list[float] = []
    responses: list[float] = []
    states: Counter[str] = Counter()
    end = time.monotonic() + args.print_seconds
    try:
        for n in range(args.print_count):
            if time.monotonic() >= end:
                break
            status, data, sent, done = client.post(f"/api/sites/{PRINT_SITE}/tickets",
                                                   {"services": [desks[n % len(desks)]]})
            if status != 201:
                states[f"issue {status}"] += 1
                continue
            responses.append((done - sent) * 1000)
            ticket = json.loads(data)["id"]
            with got:
                got.wait_for(lambda t=ticket: t in arrived, timeout=max(0.0, min(
                    5.0, end + 5 - time.monotonic())))
                state, at = arrived.get(ticket, ("timeout", 0.0))
            states[state] += 1
            if state == "printed":
                confirmed.append((at - sent) * 1000)
            time.sleep(args.print_pause)
    finally:
        client.close()
        live.disconnect()
    jobs = len(printer.jobs)
    return {"confirmed_ms": confirmed, "issue_http_ms": spread(responses),
            "states": dict(states), "fake_printer_rows_per_second": rows_per_second,
            "printer_jobs": jobs, "printer_rows_per_ticket":
            round(printer.rows_printed / jobs, 1) if jobs else None,
            "pause_between_issues_s": args.print_pause}
