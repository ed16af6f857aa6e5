"""Benchmark of printed tickets: drawing, each kind of connection, and the server under load.

Run from the repository root:

    .venv/bin/python tests/bench/printing.py [--json-only] [--skip-server] [--skip-paths]

Phases (one JSON object goes to stdout, progress to stderr unless --json-only):

1. draw: a ticket drawn and encoded, per paper width and visitor language, each with its
   own phone-page token: CPU ms in this process (printers.layout, printers.encode).
2. paths (print_paths.py): a kiosk's ticket to the printer's outcome on each connection,
   with fake printers that answer at once: TCP, USB, serial at 115,200 and 9,600 baud, a
   device file, a CUPS queue (a cupsd of its own) and Star on TCP.
3. server (print_load.py): a real server; 20 kiosks issuing back to back at a site that
   prints nothing (the baseline), then the same 20 kiosks printing, each on its own
   instantly confirming fake printer: server CPU per ticket, both; then the server
   benchmark's call phase (20 counters, about 20 calls a second, 50 displays) without and
   with the kiosks printing at --print-rate a second: call -> display p99 of each; then the
   server's memory across --memory-tickets printed tickets.

`cpu_probe_ms` (tests/bench/machine.py) is taken before and after; the CPU figures are
also given at the reference speed, REFERENCE_PROBE_MS (the probe on this machine, quiet),
as figure x REFERENCE_PROBE_MS / probe.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from printers.encode import encode  # noqa: E402
from printers.fonts import find_fonts  # noqa: E402
from printers.layout import render_ticket, warm_up  # noqa: E402
from printers.model import TicketSlip  # noqa: E402
from tests.bench import print_load  # noqa: E402
from tests.bench.machine import REFERENCE_PROBE_MS, cpu_probe_ms  # noqa: E402
from tests.bench.print_paths import CASES, connection_case  # noqa: E402

LINES = {
    "ja": None,
    "en": "Please wait until your number is called. Scan the QR code to follow your turn.",
    "vi": "Xin vui lòng chờ đến khi số của bạn được gọi. Quét mã QR để theo dõi lượt của bạn.",
}


def say(args: argparse.Namespace, text: str) -> None:
    if not args.json_only:
        print(text, file=sys.stderr, flush=True)


def draw_phase(tickets: int) -> dict[str, Any]:
    fonts = find_fonts()
    warm_up(fonts, (512, 576))
    cases: dict[str, Any] = {}
    for width in (512, 576):
        for language, line in LINES.items():
            render = encode_ms = 0.0
            for n in range(tickets):
                slip = TicketSlip(
                    site_name="あいワーク中央", label=f"A-{n:03d}", desk_label="職業相談・職業紹介",
                    issued_at=datetime.now(UTC), people_ahead=n % 30,
                    status_url=f"http://127.0.0.1:8080/t/{os.urandom(16).hex()[:22]}",
                    estimate_low_min=10, estimate_high_min=20, language=language,
                    translated_line=line,
                )  # fmt: skip
                started = time.thread_time()
                image = render_ticket(slip, width, fonts)
                drawn = time.thread_time()
                encode(image)
                render += drawn - started
                encode_ms += time.thread_time() - drawn
            cases[f"{width}_{language}"] = {
                "render_cpu_ms": round(render / tickets * 1000, 2),
                "encode_cpu_ms": round(encode_ms / tickets * 1000, 2),
            }
    return cases


def server_phases(args: argparse.Namespace) -> dict[str, Any]:
    from tests.bench import server as bench_server
    from tests.bench.server_load import desk_ids, issue_phase
    from tests.harness import ServerProcess

    ids = desk_ids(args.desks)
    result: dict[str, Any] = {}
    with ExitStack() as stack:
        printers = print_load.start_printers(stack)
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-printing-")))
        sites = bench_server.site_toml(args.counters, args.desks) + print_load.site_block(
            ids, [printer.url for printer in printers]
        )
        proc = ServerProcess(work, [], sites_text=sites)
        proc.init()
        pid = bench_server.start_server(proc, True, work / "commits.json")
        stack.callback(proc.stop)
        say(args, f"server pid {pid}; warming up")
        print_load.run_kiosks(proc.port, ids, 3, None)
        print_load.run_kiosks(proc.port, ids, 3, None, print_load.NO_PRINT_SITE)
        if args.issue_seconds:
            say(args, f"issue without printing, {args.issue_seconds} s")
            result["unprinted_issue"] = print_load.unprinted_issue_phase(
                proc.port, pid, ids, args.issue_seconds
            )
            say(args, f"issue with printing, {args.issue_seconds} s")
            result["printed_issue"] = print_load.printed_issue_phase(
                proc.port, pid, ids, printers, args.issue_seconds
            )
        if args.call_rounds:
            say(args, "filling the call phase's queue")
            issue_phase(args, proc.port, pid)
            say(args, f"calls without, then with printing at {args.print_rate}/s")
            result["print_during_calls"] = print_load.print_during_calls_phase(
                args, proc.port, pid, ids, printers
            )
        if args.memory_tickets:
            say(args, f"memory across {args.memory_tickets} printed tickets")
            result["memory"] = print_load.memory_phase(proc.port, pid, ids, printers,
                                                       args.memory_tickets)  # fmt: skip
    return result


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--draw-tickets", type=int, default=30, help="tickets per width and language")
    p.add_argument("--path-tickets", type=int, default=60, help="tickets per connection")
    p.add_argument("--path-tickets-9600", type=int, default=3,
                   help="tickets at 9,600 baud (about 23 s each)")  # fmt: skip
    p.add_argument("--path-pause", type=float, default=0.05, help="seconds between tickets")
    p.add_argument("--issue-seconds", type=float, default=15.0)
    p.add_argument("--print-rate", type=float, default=10.0,
                   help="printed tickets a second, in all, during the call phase")  # fmt: skip
    p.add_argument("--call-rounds", type=int, default=2,
                   help="call phases of each kind (without and with printing), in turn")
    p.add_argument("--memory-tickets", type=int, default=600)
    p.add_argument("--skip-paths", action="store_true")
    p.add_argument("--skip-server", action="store_true")
    p.add_argument("--json-only", action="store_true")
    # What the server benchmark's call phase reads (tests/bench/server_load.py).
    p.add_argument("--seconds", type=float, default=20.0, help="each call phase")
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--counters", type=int, default=20)
    p.add_argument("--displays", type=int, default=50)
    p.add_argument("--display-procs", type=int, default=2)
    p.add_argument("--call-pause", type=float, default=1.0)
    p.add_argument("--call-jitter", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--desks", type=int, default=5)
    return p.parse_args()


def main() -> int:
    args = parse_args()
    result: dict[str, Any] = {"load_average_before": round(os.getloadavg()[0], 2),
                              "cpu_probe_ms_before": cpu_probe_ms()}  # fmt: skip
    say(args, f"cpu probe {result['cpu_probe_ms_before']} ms; drawing")
    result["draw"] = draw_phase(args.draw_tickets)
    if not args.skip_paths:
        paths: dict[str, Any] = {}
        for case in CASES:
            count = args.path_tickets_9600 if case == "serial_9600" else args.path_tickets
            say(args, f"path {case}: {count} tickets")
            paths[case] = connection_case(case, count, args.path_pause)
        result["paths"] = paths
    if not args.skip_server:
        result["server"] = server_phases(args)
    result["cpu_probe_ms_after"] = cpu_probe_ms()
    result["load_average_after"] = round(os.getloadavg()[0], 2)
    probe = (result["cpu_probe_ms_before"] + result["cpu_probe_ms_after"]) / 2
    result["reference_probe_ms"] = REFERENCE_PROBE_MS
    if "printed_issue" in result.get("server", {}):
        scale = REFERENCE_PROBE_MS / probe
        server = result["server"]
        result["at_reference_speed"] = {
            "server_cpu_ms_per_printed_ticket": round(
                server["printed_issue"]["server_cpu_ms_per_printed_ticket"] * scale, 2),
            "server_cpu_ms_per_unprinted_ticket": round(
                server["unprinted_issue"]["server_cpu_ms_per_ticket"] * scale, 2),
        }  # fmt: skip
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json_only else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
