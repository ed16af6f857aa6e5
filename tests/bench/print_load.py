"""Bench phases of printed tickets against the real server (used by tests/bench/printing.py).

A site of its own, PRINT_LOAD_SITE, has KIOSKS kiosks, each printing on its own fake network
printer (tests/fakes/fake_printer.py) that prints and confirms as soon as the job is in
(the printer itself costs nothing). Phases:

- unprinted_issue: the baseline, the same kiosks at a twin site whose kiosks print nothing.
- printed_issue: the kiosks issue back to back for `seconds`; each issue is answered at once
  and printed in the background, so the figure is tickets printed (confirmed) a second and
  the server's CPU per printed ticket (all its threads), from psutil.
- print_during_calls: the server benchmark's call phase (20 counters calling about 20 times
  a second, each call pushed to the displays; tests/bench/server_load.py) while the kiosks
  issue printed tickets at `print_rate` a second in all; run once without printing first,
  so call -> display is compared in one run.
- memory: the server's resident memory before and after `memory_tickets` printed tickets.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from contextlib import ExitStack
from typing import Any

import psutil

from tests.bench.server_load import Client, call_phase, pct
from tests.fakes.fake_printer import FakePrinter

PRINT_LOAD_SITE = "bprintload"
NO_PRINT_SITE = "bnoprint"  # the same kiosks, printing nothing: the baseline
KIOSKS = 20


def site_block(ids: list[str], printer_urls: list[str]) -> str:
    """The print-load site (a kiosk per printer) and its baseline twin (kiosks without
    printers), each with one counter and one display."""
    text = []
    for site, urls in ((PRINT_LOAD_SITE, printer_urls), (NO_PRINT_SITE, [""] * KIOSKS)):
        text.append(f'\n[[sites]]\nid = "{site}"\nname = "ベンチマーク会場 {site}"\n'
                    f'ward = "北区"\nservices = {json.dumps(ids)}\nareas = ["main"]\n'
                    f'\n[[sites.counters]]\nid = "{site}-c1"\nname = "窓口1"\nnumber = 1\n'
                    f'services = {json.dumps(ids)}\n')
        for n, url in enumerate(urls, 1):
            printers = f'printers = ["{site}-p{n}"]\n' if url else ""
            if url:
                text.append(f'\n[[sites.printers]]\nid = "{site}-p{n}"\n'
                            f'name = "プリンター{n}"\nurl = "{url}"\n')
            text.append(f'\n[[sites.devices]]\nid = "{site}-kiosk{n}"\nrole = "kiosk"\n'
                        f'name = "発券機{n}"\ntoken = "token-{site}-kiosk{n}"\n{printers}')
        text.append(f'\n[[sites.devices]]\nid = "{site}-display"\nrole = "display"\n'
                    f'name = "表示盤"\ntoken = "token-{site}-display"\narea = "main"\n')
    return "".join(text)


def start_printers(stack: ExitStack) -> list[FakePrinter]:
    return [stack.enter_context(FakePrinter()) for _ in range(KIOSKS)]


def server_cpu(server: psutil.Process) -> float:
    """CPU seconds of the server and the processes it started (the ticket drawing process,
    the voice worker): what a printed ticket costs is theirs too."""
    total = 0.0
    for process in [server, *server.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def printed(printers: list[FakePrinter]) -> int:
    return sum(printer.cut_count for printer in printers)


def wait_printed(printers: list[FakePrinter], count: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while printed(printers) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return printed(printers)


def _kiosk(port: int, n: int, desks: list[str], end: float, pause: float,
           issued: list[int], site: str) -> None:
    client = Client(port, f"token-{site}-kiosk{n}")
    count = 0
    try:
        while time.monotonic() < end:
            started = time.monotonic()
            status, _, _, _ = client.post(f"/api/sites/{site}/tickets",
                                          {"services": [desks[(n + count) % len(desks)]]})
            if status == 201:
                count += 1
            elif status == 0:
                time.sleep(0.05)
            if pause:
                time.sleep(max(0.0, pause - (time.monotonic() - started)))
    finally:
        client.close()
        issued.append(count)


def run_kiosks(port: int, desks: list[str], seconds: float, rate: float | None,
               site: str = PRINT_LOAD_SITE) -> list[int]:
    """KIOSKS kiosk threads issuing for `seconds`, back to back or `rate` a second in all."""
    end = time.monotonic() + seconds
    pause = KIOSKS / rate if rate else 0.0
    issued: list[int] = []
    threads = [threading.Thread(target=_kiosk, args=(port, n, desks, end, pause, issued, site))
               for n in range(1, KIOSKS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return issued


def unprinted_issue_phase(port: int, pid: int, desks: list[str], seconds: float
                          ) -> dict[str, Any]:
    """The baseline: the same 20 kiosks issuing back to back at a site that prints nothing."""
    server = psutil.Process(pid)
    cpu = server_cpu(server)
    issued = sum(run_kiosks(port, desks, seconds, None, NO_PRINT_SITE))
    used = server_cpu(server) - cpu
    return {"seconds": seconds, "issued": issued, "issued_per_s": round(issued / seconds, 1),
            "server_cpu_s": round(used, 2),
            "server_cpu_ms_per_ticket": round(used / max(issued, 1) * 1000, 2)}


def printed_issue_phase(port: int, pid: int, desks: list[str], printers: list[FakePrinter],
                        seconds: float) -> dict[str, Any]:
    server = psutil.Process(pid)
    before_printed = printed(printers)
    cpu = server_cpu(server)
    started = time.monotonic()
    issued = sum(run_kiosks(port, desks, seconds, None))
    done = wait_printed(printers, before_printed + issued)
    elapsed = time.monotonic() - started
    used = server_cpu(server) - cpu
    count = done - before_printed
    return {"seconds": seconds, "issued": issued, "printed": count,
            "printed_per_s": round(count / elapsed, 1),
            "server_cpu_s": round(used, 2),
            "server_cpu_ms_per_printed_ticket": round(used / max(count, 1) * 1000, 2)}


def _calls_with_kiosks(args: argparse.Namespace, port: int, pid: int, desks: list[str],
                       site: str) -> tuple[dict[str, Any], int]:
    """The call phase while the kiosks of `site` issue `args.print_rate` tickets a second."""
    issued: list[int] = []
    kiosks = threading.Thread(target=lambda: issued.extend(
        run_kiosks(port, desks, args.seconds + args.warmup + 3, args.print_rate, site)))
    kiosks.start()
    time.sleep(1.0)  # the kiosks are under way before the calls are measured
    phase = call_phase(args, port, pid)
    kiosks.join()
    return phase, sum(issued)


def print_during_calls_phase(args: argparse.Namespace, port: int, pid: int, desks: list[str],
                             printers: list[FakePrinter]) -> dict[str, Any]:
    """The call phase with the 20 kiosks issuing `args.print_rate` tickets a second in all,
    at the twin site that prints nothing, then at the site where each prints; twice each,
    in turn, as a disk stall in one phase moves its p99 by tens of ms."""
    runs: dict[str, list[dict[str, Any]]] = {"without_printing": [], "with_printing": []}
    before = printed(printers)
    issued = 0
    for _ in range(args.call_rounds):
        for name, site in (("without_printing", NO_PRINT_SITE),
                           ("with_printing", PRINT_LOAD_SITE)):
            phase, count = _calls_with_kiosks(args, port, pid, desks, site)
            issued += count if site == PRINT_LOAD_SITE else 0
            deltas = phase["deltas"]
            runs[name].append({"call_to_display_p50_ms": pct(deltas, 50),
                               "call_to_display_p99_ms": pct(deltas, 99),
                               "calls_per_s": round(len(phase["calls"]) / args.seconds, 1),
                               "kiosk_tickets": count})
    count = wait_printed(printers, before + issued) - before
    p99 = {name: [run["call_to_display_p99_ms"] for run in phases]
           for name, phases in runs.items()}
    best = {name: min(v for v in values if v is not None) for name, values in p99.items()}
    return {**runs, "printed": count, "kiosk_rate_per_s": args.print_rate,
            "p99_difference_ms": round(best["with_printing"] - best["without_printing"], 2),
            "p99_difference_note": "the best p99 of each kind set against each other"}


MEMORY_RATE = 50.0  # tickets a second: well within what 20 printers print, so none queue up


def memory_phase(port: int, pid: int, desks: list[str], printers: list[FakePrinter],
                 tickets: int) -> dict[str, Any]:
    """RSS after `tickets` tickets issued without printing, then after `tickets` printed,
    twice, each at MEMORY_RATE a second (a backlog of print jobs would be memory of its own,
    freed, but not given back by the allocator). A ticket's own state (the day's queue)
    grows the server either way; printing must add nothing that stays."""
    server = psutil.Process(pid)
    drawing = [p for p in server.children() if "render_process" in " ".join(p.cmdline())]
    seconds = tickets / MEMORY_RATE
    rss = [server.memory_info().rss]
    issued = sum(run_kiosks(port, desks, seconds, MEMORY_RATE, NO_PRINT_SITE))
    rss.append(server.memory_info().rss)
    before = printed(printers)
    for _ in range(2):
        count = sum(run_kiosks(port, desks, seconds, MEMORY_RATE))
        wait_printed(printers, before + count)
        before = printed(printers)
        rss.append(server.memory_info().rss)
    mb = [value / 2**20 for value in rss]
    return {"unprinted": issued, "printed_per_batch": round(tickets), "rate_per_s": MEMORY_RATE,
            "drawing_process_rss_mb": [round(p.memory_info().rss / 2**20, 1) for p in drawing],
            "rss_mb": [round(value, 1) for value in mb],
            "mb_per_1000_unprinted": round((mb[1] - mb[0]) / max(issued, 1) * 1000, 2),
            "mb_per_1000_printed_first": round((mb[2] - mb[1]) / max(tickets, 1) * 1000, 2),
            "mb_per_1000_printed_second": round((mb[3] - mb[2]) / max(tickets, 1) * 1000, 2)}
