"""Benchmark of the real server: tickets issued under load, and calls reaching the displays.

Run from the repository root after the setup command:

    .venv/bin/python tests/bench/server.py [--seconds 20] [--clients 20] [--displays 50]
                                          [--counters 20] [--json-only]

It starts a real server (`madoguchi init`, then `serve`) on a free port of 127.0.0.1, with a
throw-away SQLite database and one site whose `--desks` desks number A1..A9999, B1..B9999, ...
(1..9999 is the widest band a site file allows), so tens of thousands of live tickets never
wrap a band. Then, one phase after the other (server_load.py says how clients measure):

1. Issue: `--clients` kiosk threads, each on its own kept-alive connection with TCP_NODELAY,
   issue tickets back to back for `--seconds`, each request with its own Idempotency-Key.
2. Call to display: `--displays` python-socketio clients (websocket transport) listen in
   `--display-procs` worker processes whose standard library gevent has patched, so the
   sync client's threads are greenlets of one OS thread per process (as real threads they
   took over one of the two cores from the server); `--counters` counter threads call-next
   then finish, then wait `--call-pause` seconds on average (drawn from 0 to twice that,
   seeded per counter, so that they do not call in lockstep): by default about 20 calls a
   second, each pushed to the 50 displays (about 1,000 display messages a second), which is
   hundreds of times what the busiest ward office makes. Each display receipt of a "called"
   event is set against the moment its call-next was sent: `call_to_display_p50_ms` and
   `call_to_display_p99_ms`.
2b. The same with the counters calling back to back (no pause): the server's limit.
   Latency there is the 20 counters queueing for the server's throughput (Little's law),
   reported as `call_to_display_back_to_back_*` and `calls_back_to_back_per_s`
   (`--skip-back-to-back` leaves it out). Until 2026-11-28 this back-to-back load was the
   only calls phase and its figures were `call_to_display_*`.

The first `--warmup` seconds of each phase are left out of the figures, not of the counts.
Afterwards the server is stopped (SIGTERM) and its database read with sqlite3: tickets stored
against tickets acknowledged, and numbers given twice. Peak RSS is the server's VmHWM.

The server runs as `python -c LAUNCHER serve`: `server.cli.main` with a wrapper around
`repository.write_batch` that notes each group commit (start, duration, writer-thread CPU,
operations) and writes the list out at exit. `--plain` runs `python -m server.cli serve`
untouched instead, without commit figures.

One JSON object goes to stdout; progress goes to stderr unless --json-only.
`disk_fdatasync_ms` shows, per phase, how long the disk took to sync a 4 kB write made beside
the server 20 times a second (machine.py): stalls there are the machine's, and every durable
commit waits them out. `cpu_probe_ms` times a fixed Python loop before and after the run, and
`targets` sums up each target the issues name: the figure, met or not, and the disk stalls in
its phase.

Three more phases (each can be skipped): kiosk_to_ticket (20 kiosks tapping at a site with a
realistic queue, so the server's wait forecast runs; the kiosks are greenlets of a process of
their own, as 20 devices do not share one interpreter's lock; `--kiosk-threads` runs them as
threads of this process instead), print_confirmed (issue until the fake
network printer's ticket is confirmed by the server's "print" push) and call_to_display_dom (a
console's call until the number is drawn in a real Chromium display page).
"""

from __future__ import annotations

import argparse
import http.client
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# Run as a script, this file's folder comes first on sys.path, and this file (server.py)
# would hide the `server` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.machine import DiskProbe, cpu_probe_ms  # noqa: E402
from tests.bench.server_load import (  # noqa: E402
    KIOSK_COUNTERS,
    KIOSK_SITE,
    OUTCOME,
    PRINT_SITE,
    SITE,
    Client,
    Window,
    call_phase,
    desk_ids,
    issue_phase,
    kiosk_phase,
    kiosk_phase_apart,
    pct,
    print_phase,
    spread,
)
from tests.bench.targets import target_summary  # noqa: E402
from tests.browser import CHROMIUM_ARGS, CHROMIUM_FULL  # noqa: E402
from tests.fakes.fake_printer import FakePrinter  # noqa: E402
from tests.harness import ServerProcess  # noqa: E402

DOM_SITE = "bdom"
PRINTER_ROWS_PER_SECOND = 2400.0  # 300 mm/s at 8 dots/mm: a fast thermal receipt printer

LAUNCHER = """
import server.cli  # gevent patches the standard library on this import
import atexit, json, os, sys, time
from server.store import repository

_write = getattr(repository, "write_batch", None)
_commits = []

def _counted(where, batch, *rest):  # rest: the fence of a cluster's store, if any
    started, cpu = time.monotonic(), time.thread_time()
    _write(where, batch, *rest)
    _commits.append((started, time.monotonic() - started, time.thread_time() - cpu,
                     len(batch.commands), len(batch.events)))

if _write is not None:
    repository.write_batch = _counted

    @atexit.register
    def _dump():
        with open(os.environ["MADOGUCHI_BENCH_COMMITS"], "w") as out:
            json.dump(_commits, out)

sys.argv[0] = "madoguchi"
server.cli.main()
"""


def say(args: argparse.Namespace, text: str) -> None:
    if not args.json_only:
        print(text, file=sys.stderr, flush=True)


def site_toml(counters: int, desks: int, printer_url: str | None = None) -> str:
    """Desks A, B, ... numbered 1..9999; the bench site with `counters` counters, each with
    its own staff console, one kiosk and one display; then the small sites of the kiosk,
    print and display-page phases (printer_url: the print site's kiosk printer)."""
    letters = [chr(ord("A") + i) for i in range(desks)]
    ids = desk_ids(desks)
    text = [f"""\
[defaults]
timezone = "Asia/Tokyo"
day_starts_at = "04:00"
outcomes = [{{ code = "{OUTCOME}", label = "相談のみ" }}]

[[devices]]
id = "admin"
role = "admin"
name = "管理者"
token = "token-admin-000"
"""]
    for desk, letter in zip(ids, letters, strict=True):
        text.append(f'\n[services.{desk}]\nname = "職業相談 {letter}"\norganisation = '
                    f'"hellowork"\nnumbers = [1, 9999]\nprefix = "{letter}"\n')
    text.append(site_block(SITE, ids, counters))
    text.append(site_block(KIOSK_SITE, ids, KIOSK_COUNTERS))
    text.append(site_block(PRINT_SITE, ids, 1, printer_url))
    text.append(site_block(DOM_SITE, ids, 1))
    return "".join(text)


def site_block(site: str, ids: list[str], counters: int, printer_url: str | None = None) -> str:
    """One site serving every desk: counters <site>-c<n> with consoles token-<site>-staff<n>,
    a kiosk token-<site>-kiosk (printing on printer_url if given), a display of area main."""
    text = [f'\n[[sites]]\nid = "{site}"\nname = "ベンチマーク会場 {site}"\nward = "北区"\n'
            f'services = {json.dumps(ids)}\nareas = ["main"]\n']
    for n in range(1, counters + 1):
        text.append(f'\n[[sites.counters]]\nid = "{site}-c{n}"\nname = "窓口{n}"\n'
                    f'number = {n}\nservices = {json.dumps(ids)}\n')
    printers = f'printers = ["{site}-p1"]\n' if printer_url else ""
    devices = [("kiosk", "kiosk", "発券機", printers),
               ("display", "display", "表示盤", 'area = "main"\n')]
    devices += [(f"staff{n}", "staff", f"相談員{n}", f'counter = "{site}-c{n}"\n')
                for n in range(1, counters + 1)]
    for device, role, name, extra in devices:
        text.append(f'\n[[sites.devices]]\nid = "{site}-{device}"\nrole = "{role}"\n'
                    f'name = "{name}"\ntoken = "token-{site}-{device}"\n{extra}')
    if printer_url:
        text.append(f'\n[[sites.printers]]\nid = "{site}-p1"\nname = "発券機プリンター"\n'
                    f'url = "{printer_url}"\n')
    return "".join(text)


def start_server(proc: ServerProcess, plain: bool, commits_file: Path,
                 launcher: str = LAUNCHER, env: dict[str, str] | None = None) -> int:
    """Start `serve` on proc's port (through `launcher` unless `plain`), wait (at most 30 s)
    for /api/health; the server's pid."""
    if plain:
        command = [sys.executable, "-m", "server.cli", "serve", "--port", str(proc.port)]
    else:
        command = [sys.executable, "-c", launcher, "serve", "--port", str(proc.port)]
    env = {**proc.env, "MADOGUCHI_BENCH_COMMITS": str(commits_file), **(env or {})}
    with open(proc.log, "a") as log:
        proc.proc = subprocess.Popen(command, env=env, cwd=proc.workdir, stdout=log,
                                     stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.proc.poll() is not None:
            break
        conn = http.client.HTTPConnection("127.0.0.1", proc.port, timeout=1)
        try:
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                return proc.proc.pid
        except OSError:
            time.sleep(0.05)
        finally:
            conn.close()
    raise RuntimeError(f"the server did not start: {proc.log.read_text()[-3000:]}")


def peak_rss_mb(pid: int) -> float | None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


# ---- a call drawn on a display page in chromium ---------------------------------------------

OBSERVER = """() => {
  window.__seen = {};
  const note = (el) => {
    const label = el.textContent;
    if (!label || window.__seen[label]) return;
    const mutated = performance.timeOrigin + performance.now();
    window.__seen[label] = {mutated: mutated, now: Date.now(), frame: null};
    requestAnimationFrame(() => {
      window.__seen[label].frame = performance.timeOrigin + performance.now(); });
  };
  new MutationObserver(() => document.querySelectorAll("#calls .call-number").forEach(note))
    .observe(document.getElementById("calls"),
             {childList: true, subtree: true, characterData: true});
}"""


def dom_phase(args: argparse.Namespace, port: int) -> dict[str, Any]:
    """`args.dom_calls` call-next presses of DOM_SITE's counter, ~`args.dom_spacing` s apart,
    each until its label is drawn in "#calls .call-number" of /display/ in chromium."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    staff = Client(port, f"token-{DOM_SITE}-staff1")
    kiosk = Client(port, f"token-{DOM_SITE}-kiosk")
    for _ in range(args.dom_calls):
        kiosk.post(f"/api/sites/{DOM_SITE}/tickets", {"services": [desk_ids(args.desks)[0]]})
    kiosk.close()
    sends: list[tuple[str, float]] = []  # (label, time.time() just before the send)
    found: dict[str, Any] = {}
    deadline = time.monotonic() + args.dom_calls * (args.dom_spacing + 3) + 60
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_FULL, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/display/?token=token-{DOM_SITE}-display")
            page.wait_for_selector("#app[data-connection='live']", timeout=20_000)
            page.wait_for_selector("#screen-room:not([hidden])", timeout=20_000)
            page.evaluate(OBSERVER)
            previous = None
            for _ in range(args.dom_calls):
                if time.monotonic() > deadline:
                    break
                if previous is not None:
                    staff.post(f"/api/tickets/{previous}/finish",
                               {"outcome": OUTCOME, "counter": f"{DOM_SITE}-c1"})
                time.sleep(args.dom_spacing)
                wall = time.time()
                status, data, _, _ = staff.post(
                    f"/api/sites/{DOM_SITE}/counters/{DOM_SITE}-c1/call-next", {})
                if status != 200:
                    continue
                ticket = json.loads(data)["ticket"]
                previous = ticket["id"]
                sends.append((ticket["label"], wall))
                try:
                    page.wait_for_function("l => Boolean(window.__seen[l])",
                                           arg=ticket["label"], timeout=3000, polling=20)
                except PlaywrightTimeout:
                    pass  # counted: calls against drawn
            time.sleep(0.2)  # the last frame callback
            found = page.evaluate("() => window.__seen")
        finally:
            browser.close()
            staff.close()
    mutated = [found[label]["mutated"] - wall * 1000 for label, wall in sends if label in found]
    framed = [found[label]["frame"] - wall * 1000 for label, wall in sends
              if label in found and found[label]["frame"]]
    skew = [found[label]["now"] - found[label]["mutated"] for label, _ in sends if label in found]
    return {"mutation_ms": mutated, "next_frame_ms": spread(framed), "calls": len(sends),
            "drawn": len(mutated), "spacing_s": args.dom_spacing,
            "clock_check_date_now_minus_time_origin_ms": spread(skew)}


# ---- after the run ---------------------------------------------------------------------------

def read_store(db: Path, acknowledged: set[int]) -> dict[str, Any]:
    """Tickets stored, acknowledged ones missing, and numbers given to two tickets."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT id, business_day, label, status, issued_at, updated_at "
                            "FROM tickets WHERE site_id = ?", (SITE,)).fetchall()
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()
    groups: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for row in rows:
        groups.setdefault((row[1], row[2]), []).append(row)
    repeated = [g for g in groups.values() if len(g) > 1]
    # No band wraps in a run, so any repeat is a fault; a repeat while the first holder of
    # the number was still live (waiting, called, serving, parked) is the worst kind.
    overlapping = 0
    for group in repeated:
        spans = sorted((r[4], r[5] if r[3] in ("done", "no_show", "cancelled") else "9")
                       for r in group)
        overlapping += sum(1 for a, b in zip(spans, spans[1:], strict=False) if b[0] < a[1])
    return {"tickets_in_db": len(rows),
            "acknowledged_missing": len(acknowledged - {r[0] for r in rows}),
            "duplicates": sum(len(g) - 1 for g in repeated),
            "duplicates_while_live": overlapping, "journal_mode": journal}


def server_synchronous(db: Path) -> int:
    """PRAGMA synchronous on a connection opened as the server opens its own: the setting
    belongs to the connection, so a plain sqlite3 connection would show the default."""
    from server.store.db import open_engine

    engine = open_engine(f"sqlite:///{db}", writer=True)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())
    finally:
        engine.dispose()


def commit_figures(path: Path, windows: dict[str, Window]) -> dict[str, Any] | None:
    """Group commits per phase: how many, operations in each, time and CPU each took."""
    if not path.exists():
        return None
    commits = json.loads(path.read_text())
    out: dict[str, Any] = {"total": len(commits)}
    for name, window in windows.items():
        mine = [c for c in commits if window.holds(c[0])]
        ops = [c[3] for c in mine]
        out[name] = {
            "commits_per_s": round(len(mine) / (window.end - window.start), 1),
            "operations_per_commit": {"mean": round(sum(ops) / len(ops), 2) if ops else None,
                                      "p50": pct(ops, 50), "max": pct(ops, 100)},
            "write_ms": spread([c[1] * 1000 for c in mine]),
            "writer_thread_cpu_ms": spread([c[2] * 1000 for c in mine]),
            "writer_busy_share": round(sum(c[1] for c in mine) / (window.end - window.start), 3),
        }
    return out


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for name in ("gevent", "greenlet", "Flask-SocketIO", "python-socketio", "SQLAlchemy"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def issue_figures(issued: dict[str, Any]) -> dict[str, Any]:
    window: Window = issued["window"]
    per_s = issued["per_s"]
    return {"latency_ms": spread(issued["latencies"]), "statuses": dict(issued["statuses"]),
            "server_cpu_share": round(window.server_cpu, 3),
            "server_cpu_ms_per_ticket": round(window.server_cpu * 1000 / per_s, 3)
            if per_s else None,
            "bench_process_cpu_share": round(window.client_cpu, 3)}


def call_figures(called: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    window: Window = called["window"]
    return {
        "call_to_display_ms": spread(called["deltas"]),
        "calls_per_s": round(len(called["calls"]) / args.seconds, 1),
        "call_next_http_ms": spread(called["calls"]),
        "finish_http_ms": spread(called["finishes"]),
        "displays_connected": called["displays_connected"],
        "display_errors": called["display_errors"],
        "display_receipts": len(called["deltas"]),
        "display_receipts_expected": called["receipts_expected"],
        "display_receipts_unmatched": called["receipts_unmatched"],
        "socket_messages": called["socket_messages"],
        "statuses": dict(called["statuses"]),
        "server_cpu_share": round(window.server_cpu, 3),
        "bench_process_cpu_share": round(window.client_cpu, 3),
        "display_processes_cpu_s": round(called["display_cpu_s"], 2),
    }


# ---- main ------------------------------------------------------------------------------------

def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=20.0, help="measured length of each phase")
    p.add_argument("--warmup", type=float, default=1.0,
                   help="seconds at the start of each phase left out of the figures")
    p.add_argument("--clients", type=int, default=20, help="kiosks issuing at once")
    p.add_argument("--displays", type=int, default=50, help="Socket.IO display clients")
    p.add_argument("--display-procs", type=int, default=2,
                   help="worker processes (gevent-patched) the display clients are spread over")
    p.add_argument("--counters", type=int, default=20, help="counters calling and finishing")
    p.add_argument("--call-pause", type=float, default=1.0,
                   help="seconds each counter waits after a finish, on average (0: back to "
                        "back); the default gives about 20 calls/s from 20 counters")
    p.add_argument("--call-jitter", action=argparse.BooleanOptionalAction, default=True,
                   help="draw each counter's pause from 0..2x --call-pause (seeded per "
                        "counter), so counters do not call in lockstep bursts")
    p.add_argument("--skip-back-to-back", action="store_true",
                   help="skip the second calls phase, where the counters call back to back")
    p.add_argument("--desks", type=int, default=5, help="desks the kiosks issue for in turn")
    p.add_argument("--plain", action="store_true",
                   help="run `python -m server.cli serve` untouched (no commit figures)")
    p.add_argument("--skip-calls", action="store_true", help="run the issue phase only")
    p.add_argument("--kiosk-seconds", type=float, default=10.0,
                   help="length of the kiosk-tap phase (--clients kiosks, small queue)")
    p.add_argument("--kiosk-pause", type=float, default=0.2,
                   help="seconds a kiosk waits after each tap")
    p.add_argument("--kiosk-threads", action="store_true",
                   help="run the kiosks as threads of the bench process (the old way) rather "
                        "than as greenlets of a process of their own")
    p.add_argument("--serve-pause", type=float, default=0.0,
                   help="seconds a kiosk-phase counter waits after each finish")
    p.add_argument("--print-count", type=int, default=30, help="tickets of the print phase")
    p.add_argument("--print-seconds", type=float, default=20.0, help="print phase at most")
    p.add_argument("--print-pause", type=float, default=0.3,
                   help="seconds between one print's confirmation and the next issue")
    p.add_argument("--dom-calls", type=int, default=8, help="calls of the display-page phase")
    p.add_argument("--dom-spacing", type=float, default=0.5, help="seconds between those calls")
    p.add_argument("--skip-kiosk", action="store_true", help="skip the kiosk-tap phase")
    p.add_argument("--skip-print", action="store_true", help="skip the print phase")
    p.add_argument("--skip-dom", action="store_true", help="skip the display-page phase")
    p.add_argument("--keep", action="store_true", help="keep the work folder (db and log)")
    p.add_argument("--json-only", action="store_true", help="print the JSON object only")
    return p.parse_args()


def main() -> int:
    args = parse_args()
    load_before = os.getloadavg()[0]
    cpu_before = cpu_probe_ms()
    work = Path(tempfile.mkdtemp(prefix="madoguchi-bench-"))
    printer = FakePrinter(rows_per_second=PRINTER_ROWS_PER_SECOND).__enter__()
    proc = ServerProcess(work, [], sites_text=site_toml(args.counters, args.desks, printer.url))
    commits_file = work / "commits.json"
    probe = DiskProbe(work).start()
    called: dict[str, Any] | None = None
    saturated: dict[str, Any] | None = None
    tapped = printed = drawn = None
    try:
        proc.init()
        pid = start_server(proc, args.plain, commits_file)
        say(args, f"server pid {pid} at {proc.url}, work folder {work}")
        say(args, f"issue: {args.clients} kiosks, {args.warmup} + {args.seconds} s")
        issued = issue_phase(args, proc.port, pid)
        say(args, f"  {issued['per_s']:.0f} tickets/s, p99 {pct(issued['latencies'], 99)} ms")
        windows = {"issue": issued["window"]}
        if not args.skip_calls:
            say(args, f"calls: {args.counters} counters, {args.displays} displays in "
                      f"{args.display_procs} processes, {args.warmup} + {args.seconds} s")
            called = call_phase(args, proc.port, pid)
            say(args, f"  {len(called['calls']) / args.seconds:.0f} calls/s, display p99 "
                      f"{pct(called['deltas'], 99)} ms")
            windows["calls"] = called["window"]
            if not args.skip_back_to_back and args.call_pause > 0:
                say(args, "calls again, back to back (the server's limit)")
                flat_out = argparse.Namespace(**{**vars(args), "call_pause": 0.0,
                                                 "call_jitter": False})
                saturated = call_phase(flat_out, proc.port, pid)
                say(args, f"  {len(saturated['calls']) / args.seconds:.0f} calls/s, display "
                          f"p99 {pct(saturated['deltas'], 99)} ms")
                windows["calls_back_to_back"] = saturated["window"]
        if not args.skip_kiosk:
            say(args, f"kiosk taps: {args.clients} kiosks, {args.kiosk_seconds} s")
            started = time.monotonic()
            tapped = (kiosk_phase(args, proc.port, pid) if args.kiosk_threads
                      else kiosk_phase_apart(args, proc.port, pid))
            windows["kiosk"] = Window(started, time.monotonic())  # commits: spawn included
        if not args.skip_print:
            say(args, f"print: {args.print_count} tickets on a fake printer")
            started = time.monotonic()
            printed = print_phase(args, proc.port, PRINTER_ROWS_PER_SECOND, printer)
            windows["print"] = Window(started, time.monotonic())
        if not args.skip_dom:
            say(args, f"display page: {args.dom_calls} calls in chromium")
            started = time.monotonic()
            drawn = dom_phase(args, proc.port)
            windows["display_dom"] = Window(started, time.monotonic())
        rss = peak_rss_mb(pid)
    except BaseException:
        print(f"the run failed; its work folder (server.log, database) is kept: {work}",
              file=sys.stderr)
        raise
    finally:
        probe.stop()
        proc.stop()
        printer.__exit__(None, None, None)
    store = read_store(proc.db, set(issued["tickets"]))
    acknowledged = len(issued["tickets"])
    result: dict[str, Any] = {
        "issue_p50_ms": pct(issued["latencies"], 50),
        "issue_p99_ms": pct(issued["latencies"], 99),
        "issue_per_s": round(issued["per_s"], 1),
        "call_to_display_p50_ms": pct(called["deltas"], 50) if called else None,
        "call_to_display_p99_ms": pct(called["deltas"], 99) if called else None,
        "calls_per_s": round(len(called["calls"]) / args.seconds, 1) if called else None,
        "call_to_display_back_to_back_p50_ms":
            pct(saturated["deltas"], 50) if saturated else None,
        "call_to_display_back_to_back_p99_ms":
            pct(saturated["deltas"], 99) if saturated else None,
        "calls_back_to_back_per_s":
            round(len(saturated["calls"]) / args.seconds, 1) if saturated else None,
        "kiosk_to_ticket_p50_ms": pct(tapped["latencies"], 50) if tapped else None,
        "kiosk_to_ticket_p99_ms": pct(tapped["latencies"], 99) if tapped else None,
        "kiosk_queue_waiting_max": tapped["queue_waiting"]["max"] if tapped else None,
        "print_confirmed_p50_ms": pct(printed["confirmed_ms"], 50) if printed else None,
        "print_confirmed_p99_ms": pct(printed["confirmed_ms"], 99) if printed else None,
        "call_to_display_dom_p50_ms": pct(drawn["mutation_ms"], 50) if drawn else None,
        "call_to_display_dom_p99_ms": pct(drawn["mutation_ms"], 99) if drawn else None,
        "duplicates": store["duplicates"],
        "rss_mb": rss,
        "tickets_acknowledged": acknowledged,
        "tickets_in_db": store["tickets_in_db"],
        "tickets_match": acknowledged == store["tickets_in_db"]
        and store["acknowledged_missing"] == 0,
        "synchronous": server_synchronous(proc.db),
        "journal_mode": store["journal_mode"],
        "issue": issue_figures(issued),
        "calls": call_figures(called, args) if called else None,
        "calls_back_to_back": call_figures(saturated, args) if saturated else None,
        "kiosk": tapped and {**{k: v for k, v in tapped.items() if k != "latencies"},
                             "latency_ms": spread(tapped["latencies"]),
                             "targets_ms": {"p99": 50}},
        "print": printed and {**{k: v for k, v in printed.items() if k != "confirmed_ms"},
                              "confirmed_ms": spread(printed["confirmed_ms"]),
                              "targets_ms": {"p99": 300}},
        "display_dom": drawn and {
            **{k: v for k, v in drawn.items() if k != "mutation_ms"},
            "mutation_ms": spread(drawn["mutation_ms"]), "targets_ms": {"p99": 100},
            "clock": "page: performance.timeOrigin + performance.now() in a MutationObserver "
                     "on #calls (epoch ms, the clock of Date.now()); bench: time.time() just "
                     "before call-next is sent; same machine, so one wall clock"},
        "store": store,
        "commits": None if args.plain else commit_figures(commits_file, windows),
        "disk_fdatasync_ms": {"probe": "a 4 kB overwrite + fdatasync in the work folder every "
                                       "50 ms, beside the server (tests/bench/machine.py)",
                              **{name: probe.figures(w.start, w.end)
                                 for name, w in windows.items()},
                              "whole_run": probe.figures(0.0, float("inf"))},
        "nproc": os.cpu_count(),
        "cpu_probe_ms": {"before": cpu_before, "after": cpu_probe_ms(),
                         "probe": "the best of 3 runs of a fixed pure-Python loop (2 million "
                                  "additions): the machine's speed at the time"},
        "loadavg_1min": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "versions": versions(),
        "setup": {**{k: v for k, v in vars(args).items() if k not in ("json_only", "keep")},
                  "clock": "time.monotonic (CLOCK_MONOTONIC, one clock for all processes)",
                  "synchronous": "read back through server.store.db.open_engine; 2 = FULL"},
    }
    result["targets"] = target_summary(result)
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json_only else 2))
    if args.keep:
        say(args, f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up the server too
    sys.exit(main())
