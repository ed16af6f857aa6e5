"""Benchmark of the reports: a year of the largest site, reported through the real API.

Run from the repository root after the setup command:

    .venv/bin/python tests/bench/reports.py [--visits 47000] [--seed 1] [--runs 3]

It loads the packaged Sapporo sites into a fresh SQLite database (`madoguchi init`), then
writes fiscal year 2025 (2025-04-01 to 2026-03-31) of 札幌市就業サポートセンター (kita)
into it day by day: about `--visits` visits on the site's business days, with a morning
peak, one to three desks each, waits, service times, no-shows sent back once, transfers,
visitors who leave, placements, and the counters opening, pausing for lunch and closing
every day. The log is written with sqlite3; at the end of each day the day is summed up
exactly as the running server does after a day's close (`ReportService.sum_closed_days`,
which the server's close-day listener runs), so the history is stored as the system would
have stored it. Then it starts a real server on the database and times, through HTTP:

- `first_report_after_start_s`: the first report of the year after a fresh server start
  (every day was summed up at its close: the report reads the daily figures back);
- `warm`: each main report of the year again, `--runs` times each (best and median), and
  the raw wait-time log of a month;
- `not_summed`: the server stopped, days' figures deleted as a database from before days
  were summed up at their close would lack them (all of them: an upgrade; or the last
  month), the server started again and the year reported at once: the start-up catch-up
  and the report sum the missing days up from the log;
- `calls_during_reports`: meanwhile a counter calls (call-next) and a display listens over
  Socket.IO: the time a call-next takes and the time until the display has the call, with
  no report running and while the heavy reports run.

One JSON object goes to stdout (figures from the reports included); progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from server.siteconfig import default_sites_path  # noqa: E402
from tests.bench.server_load import cpu_seconds  # noqa: E402
from tests.bench.year_history import OUTCOMES, SITE, YEAR, Closer, Year  # noqa: E402
from tests.harness import ServerProcess  # noqa: E402

PROBE_COUNTER, PROBE_DESK = "kita-1", "reception"  # the counter that calls meanwhile


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(server: ServerProcess, token: str, path: str) -> tuple[float, Any]:
    began = time.perf_counter()
    response = server.http.get(
        server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=600
    )
    took = time.perf_counter() - began
    assert response.status_code == 200, response.text[:500]
    body = response.json() if "json" in response.headers["Content-Type"] else response.content
    return took, body


class Probe:
    """A counter calling and a display listening while reports run: a kiosk issues a
    ticket, the counter calls it (call-next), the display notes when the call arrives over
    Socket.IO, the counter finishes it; again every `pause` seconds."""

    def __init__(self, url: str, tokens: dict[str, str], pause: float = 0.1) -> None:
        import socketio  # type: ignore[import-untyped]

        self.url, self.tokens, self.pause = url, tokens, pause
        self.http = requests.Session()
        self.arrived: dict[str, float] = {}
        self.seen = threading.Condition()
        self.display = socketio.Client(reconnection=False)
        self.display.on("events", self._on_events)
        self.display.connect(url, transports=["websocket"], auth={"token": tokens["display"]})
        self.samples: list[tuple[float, float, float]] = []  # (sent, call ms, push ms)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _on_events(self, data: dict[str, Any]) -> None:
        now = time.perf_counter()
        with self.seen:
            for event in data.get("events", []):
                if event.get("kind") == "called" and event.get("counter") == PROBE_COUNTER:
                    self.arrived.setdefault(event["label"], now)
            self.seen.notify_all()

    def _post(self, who: str, path: str, body: dict[str, Any]) -> Any:
        response = self.http.post(
            self.url + path,
            json=body,
            headers={
                "Authorization": f"Bearer {self.tokens[who]}",
                "Idempotency-Key": uuid.uuid4().hex,
            },
            timeout=60,
        )
        assert response.status_code in (200, 201), response.text[:300]
        return response.json()

    def once(self) -> None:
        self._post("kiosk", f"/api/sites/{SITE}/tickets", {"services": [PROBE_DESK]})
        sent = time.perf_counter()
        ticket = self._post("staff", f"/api/sites/{SITE}/counters/{PROBE_COUNTER}/call-next", {})
        answered = time.perf_counter()
        label = ticket["ticket"]["label"]
        with self.seen:
            self.seen.wait_for(lambda: label in self.arrived, timeout=60)
            arrived = self.arrived.get(label, float("nan"))
        self.samples.append((sent, (answered - sent) * 1000, (arrived - sent) * 1000))
        self._post(
            "staff",
            f"/api/tickets/{ticket['ticket']['id']}/finish",
            {"outcome": OUTCOMES[PROBE_DESK], "counter": PROBE_COUNTER},
        )

    def start(self) -> None:
        self._stop.clear()
        self.samples = []

        def loop() -> None:
            while not self._stop.is_set():
                self.once()
                self._stop.wait(self.pause)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(120)
        return summary(self.samples)

    def close(self) -> None:
        self.display.disconnect()
        self.http.close()


def summary(samples: list[tuple[float, float, float]]) -> dict[str, Any]:
    calls = sorted(c for _, c, _ in samples)
    pushes = sorted(p for _, _, p in samples)

    def pct(values: list[float], share: float) -> float | None:
        return round(values[min(len(values) - 1, int(share * len(values)))], 1) if values else None

    return {
        "calls": len(samples),
        "call_next_ms": {"median": pct(calls, 0.5), "p90": pct(calls, 0.9), "max": pct(calls, 1)},
        "display_push_ms": {
            "median": pct(pushes, 0.5),
            "p90": pct(pushes, 0.9),
            "max": pct(pushes, 1),
        },
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def reported(server: ServerProcess, token: str, path: str, probe: Probe) -> dict[str, Any]:
    """One report timed (wall and server CPU) with the probe calling meanwhile."""
    assert server.proc is not None
    probe.start()
    time.sleep(0.3)  # the probe's first round, without the report
    cpu = cpu_seconds(server.proc.pid)
    took, body = timed(server, token, path)
    cpu = cpu_seconds(server.proc.pid) - cpu
    calls = probe.stop()
    return {"s": round(took, 3), "server_cpu_s": round(cpu, 3), "calls": calls, "body": body}


def stored_days(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM daily_aggregates").fetchone()[0])


def restart_without(server: ServerProcess, where: str) -> int:
    """Stop the server, delete the stored days matching `where`, start it again."""
    server.stop()
    with sqlite3.connect(server.db) as conn:
        deleted = conn.execute(f"DELETE FROM daily_aggregates WHERE {where}").rowcount
    conn.close()
    server.start(timeout=120)
    return int(deleted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=47000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="madoguchi-bench-reports-"))
    server = ServerProcess(
        workdir,
        [],
        sites_text=default_sites_path().read_text("utf-8"),
        env={"MADOGUCHI_LOG_LEVEL": "WARNING"},
    )
    done = server.cli("init", "--config", str(server.sites_path))
    assert done.returncode == 0, done.stderr
    tokens = {
        role: match[1]
        for role, name in (
            ("manager", f"{SITE}-manager"),
            ("kiosk", f"{SITE}-kiosk"),
            ("display", f"{SITE}-display-main"),
            ("staff", f"{SITE}-staff-1"),
        )
        if (match := re.search(rf"\s{name}\s+{SITE}\s+(\S+)", done.stdout))
    }
    assert len(tokens) == 4, done.stdout
    manager = tokens["manager"]

    log("generating the year …")
    began = time.perf_counter()
    year = Year(args.visits, args.seed)
    year.make()
    generated = time.perf_counter() - began
    began = time.perf_counter()
    closes = year.write(server.db, Closer(server.db))
    written = time.perf_counter() - began
    log(
        f"{len(year.tickets)} visits, {len(year.events)} events in {generated:.1f} s; "
        f"written and summed up day by day in {written:.1f} s "
        f"(summing up at each close: mean {statistics.mean(closes) * 1000:.0f} ms)"
    )
    summed_at_close = stored_days(server.db)

    server.start(timeout=120)
    assert server.proc is not None
    period = f"site={SITE}&from={YEAR}-04-01&to={YEAR + 1}-03-31"
    year_path = f"/api/reports/figures?{period}&group=month"
    probe = Probe(server.url, tokens)
    not_summed: dict[str, Any] = {}
    try:
        probe.start()
        time.sleep(3)
        idle_calls = probe.stop()
        first = reported(server, manager, year_path, probe)
        log(f"first year report after a fresh start: {first['s']:.2f} s")
        warm: dict[str, dict[str, float]] = {}
        answers: dict[str, Any] = {}
        paths = {
            "figures_by_month": f"/api/reports/figures?{period}&group=month",
            "figures_by_day": f"/api/reports/figures?{period}&group=day",
            "figures_by_hour": f"/api/reports/figures?{period}&group=hour",
            "counters": f"/api/reports/counters?{period}",
            "staffing": f"/api/reports/staffing?{period}",
            "journeys": f"/api/reports/journeys?{period}",
            "heatmap": f"/api/reports/heatmap?{period}",
            "waits": f"/api/reports/waits?{period}",
            "targets": f"/api/reports/targets?site={SITE}&year={YEAR}",
            "figures_csv": f"/api/reports/figures?{period}&group=day&format=csv",
            "wait_log_one_month": f"/api/reports/wait-log?site={SITE}&from={YEAR}-06-01"
            f"&to={YEAR}-06-30",
        }
        for name, path in paths.items():
            times = []
            cpu = cpu_seconds(server.proc.pid)
            for _ in range(args.runs):
                took, answers[name] = timed(server, manager, path)
                times.append(took)
            warm[name] = {
                "best_s": round(min(times), 3),
                "median_s": round(statistics.median(times), 3),
                "server_cpu_s": round((cpu_seconds(server.proc.pid) - cpu) / args.runs, 3),
            }
            log(f"{name}: best {min(times):.3f} s")
        warm_load = load_average()
        probe.start()
        for _ in range(args.runs):
            timed(server, manager, paths["figures_by_hour"])
        busy_calls = probe.stop()
        probe.close()

        for case, where in (
            ("last_month", f"business_day >= '{YEAR + 1}-03-01'"),
            ("all_days_upgrade", "1 = 1"),
        ):
            deleted = restart_without(server, where)
            assert server.proc is not None
            started = time.perf_counter()
            probe = Probe(server.url, tokens)
            found = reported(server, manager, year_path, probe)
            while stored_days(server.db) < summed_at_close and time.perf_counter() - started < 300:
                time.sleep(0.2)
            caught_up = time.perf_counter() - started
            again, _ = timed(server, manager, year_path)
            probe.close()
            not_summed[case] = {
                "days_deleted": deleted,
                "first_report_s": found["s"],
                "first_report_server_cpu_s": found["server_cpu_s"],
                "all_days_stored_again_after_s": round(caught_up, 2),
                "next_report_s": round(again, 3),
                "same_figures": found["body"]["total"] == first["body"]["total"],
                "calls_meanwhile": found["calls"],
                "load_average": load_average(),
            }
            log(f"{case}: first report {found['s']:.2f} s, caught up in {caught_up:.1f} s")
    finally:
        server.stop()
    total = answers["figures_by_month"]["total"]
    target = answers["targets"]["by_site"]
    kita = next(r for r in target if r["site"] == SITE)
    print(
        json.dumps(
            {
                "site": SITE,
                "fiscal_year": YEAR,
                "days": len(year.days),
                "visits": len(year.tickets),
                "events": len(year.events),
                "stages": sum(
                    1
                    for e in year.events
                    if e[3] in ("issued", "queued", "transferred", "requeued")
                ),
                "generate_s": round(generated, 2),
                "insert_and_sum_s": round(written, 2),
                "sum_at_close_ms": {
                    "mean": round(statistics.mean(closes) * 1000, 1),
                    "max": round(max(closes) * 1000, 1),
                },
                "days_stored_at_close": summed_at_close,
                "first_report_after_start_s": first["s"],
                "first_report_after_start_server_cpu_s": first["server_cpu_s"],
                "first_matches_warm": first["body"]["total"] == total,
                "warm": warm,
                "warm_load_average": warm_load,
                "not_summed": not_summed,
                "calls_during_reports": {
                    "no_report": idle_calls,
                    "first_report_after_start": first["calls"],
                    "warm_figures_by_hour": busy_calls,
                },
                "wait_log_rows_one_month": len(answers["wait_log_one_month"]["rows"]),
                "load_average_at_end": load_average(),
                "figures": {
                    "visits": total["visits"],
                    "arrivals": total["arrivals"],
                    "served": total["served"],
                    "placements": total["placements"],
                    "no_shows": total["no_shows"],
                    "cancelled": total["cancelled"],
                    "transfers": total["transfers"],
                    "wait": total["wait"],
                    "service_level": total["service_level"],
                    "service_time": total["service_time"],
                    "utilisation": total["utilisation"],
                    "multi_desk_share": answers["journeys"]["multi_desk_share"],
                    "left_before_service_share": answers["journeys"]["left_before_service_share"],
                    "visitors_vs_target": [kita["visitors"], kita["visitors_target"]],
                    "placements_vs_target": [kita["placements"], kita["placements_target"]],
                },
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
