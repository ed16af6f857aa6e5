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
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from server.siteconfig import default_sites_path, load_sites  # noqa: E402
from tests.harness import ServerProcess  # noqa: E402

SITE = "kita"
PROBE_COUNTER, PROBE_DESK = "kita-1", "reception"  # the counter that calls meanwhile
YEAR = 2025
JST = timedelta(hours=9)
FIRST_DESK = {
    "reception": 0.15,
    "job_referral": 0.40,
    "job_search": 0.25,
    "career": 0.10,
    "welfare": 0.06,
    "housing": 0.04,
}
PLACEMENT = {"job_referral": 0.075, "career": 0.01}
OUTCOMES = {
    "job_referral": "referral_issued",
    "job_search": "job_search_guided",
    "career": "consult_only",
    "welfare": "application_received",
    "housing": "application_received",
    "reception": "referred_to_other_desk",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class Year:
    """Tickets and events of one site's year, made up with a seeded random generator."""

    def __init__(self, visits: int, seed: int) -> None:
        config = load_sites(default_sites_path())
        self.site = next(s for s in config.sites if s.id == SITE)
        self.rng = random.Random(seed)
        first, last = date(YEAR, 4, 1), date(YEAR + 1, 3, 31)
        self.days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        self.days = [
            d for d in self.days if self.site.hours.is_open(datetime(d.year, d.month, d.day, 10, 0))
        ]
        self.per_day = visits / len(self.days)
        self.tickets: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.seq = 0
        self.ticket_id = 0
        self.counters = {c.id: c.services for c in self.site.counters}

    def counter_for(self, service: str) -> str:
        return self.rng.choice([c for c, s in self.counters.items() if service in s])

    def make(self) -> None:
        self.bounds: list[tuple[int, int]] = []  # each day's end in self.tickets, self.events
        for day in self.days:
            self.make_day(day)
            self.bounds.append((len(self.tickets), len(self.events)))

    def make_day(self, day: date) -> None:
        rng = self.rng
        local = datetime(day.year, day.month, day.day, tzinfo=UTC) - JST
        day_events: list[tuple[datetime, int, tuple[Any, ...]]] = []
        order = 0

        def add(
            at: datetime,
            kind: str,
            ticket: int | None,
            stage: int | None,
            service: str | None,
            counter: str | None,
            data: dict[str, Any],
        ) -> None:
            nonlocal order
            order += 1
            day_events.append((at, order, (kind, ticket, stage, service, counter, data)))

        for counter in self.counters:
            for hhmm, kind in (
                ("08:30", "counter_opened"),
                ("12:00", "counter_paused"),
                ("13:00", "counter_resumed"),
                ("17:15", "counter_closed"),
            ):
                hour, minute = map(int, hhmm.split(":"))
                add(
                    local + timedelta(hours=hour, minutes=minute),
                    kind,
                    None,
                    None,
                    None,
                    counter,
                    {},
                )
        numbers: dict[str, int] = {}
        count = max(0, round(rng.gauss(self.per_day, self.per_day * 0.12)))
        for _ in range(count):
            peak = rng.random() < 0.6
            minutes = rng.triangular(0, 180, 45) if peak else rng.uniform(180, 495)
            arrived = local + timedelta(hours=8, minutes=30 + minutes)
            self.make_visit(day, arrived, numbers, add)
        add(
            local + timedelta(hours=17, minutes=20),
            "day_closed",
            None,
            None,
            None,
            None,
            {"closed_tickets": 0, "business_day": day.isoformat()},
        )
        for at, _, (kind, ticket, stage, service, counter, data) in sorted(day_events):
            self.seq += 1
            self.events.append(
                (
                    self.seq,
                    SITE,
                    stamp(at),
                    kind,
                    ticket,
                    stage,
                    service,
                    counter,
                    None,
                    json.dumps(data),
                )
            )

    def make_visit(self, day: date, at: datetime, numbers: dict[str, int], add: Any) -> None:
        rng = self.rng
        self.ticket_id += 1
        tid = self.ticket_id
        desks = list(FIRST_DESK)
        first = rng.choices(desks, weights=list(FIRST_DESK.values()))[0]
        purposes = [first]
        for _ in range(rng.choices((0, 1, 2), weights=(65, 27, 8))[0]):
            purposes.append(rng.choice([d for d in desks if d not in purposes]))
        service = self.site.service(first)
        assert service is not None
        band = numbers.get(first, service.first_number - 1) + 1
        numbers[first] = band
        label = str(band)
        add(
            at,
            "issued",
            tid,
            0,
            first,
            None,
            {"purposes": purposes, "label": label, "priority": False},
        )
        stage, index, now, requeues = 0, 0, at, 0
        current = first
        status, counter, called = "done", None, None
        while True:
            wait = min(rng.expovariate(1 / (13 * 60)), 110 * 60)
            if rng.random() < 0.02:  # left while waiting
                add(
                    now + timedelta(seconds=wait / 2),
                    "cancelled",
                    tid,
                    stage,
                    current,
                    None,
                    {"reason": "left", "label": label},
                )
                status = "cancelled"
                break
            called = now + timedelta(seconds=wait)
            counter = self.counter_for(current)
            add(called, "called", tid, stage, current, counter, {"label": label, "calls": 1})
            if rng.random() < 0.04:  # not there when called
                if requeues == 0:
                    requeues, stage, now = 1, stage + 1, called + timedelta(seconds=60)
                    add(now, "requeued", tid, stage, current, None, {"label": label})
                    continue
                add(
                    called + timedelta(seconds=60),
                    "no_show",
                    tid,
                    stage,
                    current,
                    counter,
                    {"label": label},
                )
                status = "no_show"
                break
            started = called + timedelta(seconds=rng.uniform(20, 90))
            add(started, "started", tid, stage, current, counter, {"label": label})
            ended = started + timedelta(seconds=min(rng.lognormvariate(6.4, 0.6), 5400))
            remaining = [d for d in desks if d != current and d not in purposes[index + 1 :]]
            if rng.random() < 0.05 and remaining:  # sent on to another desk
                target = rng.choice(remaining)
                purposes.insert(index + 1, target)
                index, stage, now = index + 1, stage + 1, ended
                add(
                    ended,
                    "transferred",
                    tid,
                    stage,
                    target,
                    None,
                    {
                        "from_service": current,
                        "from_counter": counter,
                        "note": None,
                        "label": label,
                    },
                )
                current = target
                continue
            placement = rng.random() < PLACEMENT.get(current, 0)
            add(
                ended,
                "finished",
                tid,
                stage,
                current,
                counter,
                {
                    "outcome": "placement" if placement else OUTCOMES[current],
                    "placement": placement,
                    "label": label,
                },
            )
            if index + 1 < len(purposes):
                index, stage, now = index + 1, stage + 1, ended
                current = purposes[index]
                add(ended, "queued", tid, stage, current, None, {"label": label})
                continue
            add(ended, "done", tid, stage, current, None, {"label": label})
            break
        self.tickets.append(
            (
                tid,
                SITE,
                day.isoformat(),
                band,
                label,
                json.dumps(purposes),
                index,
                current,
                status,
                stage,
                False,
                "ja",
                uuid.uuid4().hex,
                stamp(at),
                stamp(at),
                counter,
                None,
                stamp(called) if called else None,
                1 if called else 0,
                requeues,
                None,
                None,
                stamp(at),
                "left" if status == "cancelled" else None,
            )
        )

    def write(self, db: Path, close: Any) -> list[float]:
        """Write the log day by day; after each day, `close(day)` sums it up as the server
        does at a day's close. Answers the seconds each close took."""
        took = []
        ticket_from = event_from = 0
        for day, (ticket_to, event_to) in zip(self.days, self.bounds, strict=True):
            with sqlite3.connect(db) as conn:
                conn.executemany(
                    "INSERT INTO tickets (id, site_id, business_day, number, label, "
                    "purposes, purpose_index, service_id, status, stage, priority, "
                    "language, public_token, issued_at, rank_at, counter_id, staff, "
                    "called_at, calls, requeues, transferred_from, note, updated_at, "
                    "closed_reason) VALUES (" + ",".join("?" * 24) + ")",
                    self.tickets[ticket_from:ticket_to],
                )
                conn.executemany(
                    "INSERT INTO events (seq, site_id, at, kind, ticket_id, stage, "
                    "service_id, counter_id, staff, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    self.events[event_from:event_to],
                )
            conn.close()
            ticket_from, event_from = ticket_to, event_to
            began = time.perf_counter()
            close(day)
            took.append(time.perf_counter() - began)
        return took


class Closer:
    """What the server runs after a day's close (its close-day listener), run here at the
    end of each business day of the generated year: `ReportService.sum_closed_days`."""

    def __init__(self, db: Path) -> None:
        from server.domain.clock import SystemClock
        from server.reports.service import ReportService
        from server.siteconfig import parse_sites
        from server.store import db as store_db

        url = f"sqlite:///{db}"
        engine = store_db.open_engine(url)
        stored = store_db.latest_config(engine)
        assert stored is not None
        engine.dispose()
        self.site = next(s for s in parse_sites(stored[1], stored[0]).sites if s.id == SITE)
        self.service = ReportService(
            url, {SITE: self.site}, SystemClock(), {}, lambda work: work(), lambda ids: []
        )

    def __call__(self, day: date) -> None:
        from server.reports.periods import day_window
        from server.reports.service import SiteState

        # the automatic close of the day just after the next one starts (04:00:30)
        _, end = day_window(day, self.site.timezone, self.site.policy.day_starts_at)
        now = end + timedelta(seconds=30)
        state = SiteState(self.site, self.site.business_day(now), frozenset())
        self.service.sum_closed_days(state, now)


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


def cpu_seconds(pid: int) -> float:
    """The server process's CPU time so far (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
