"""Benchmark of the reports: a year of the largest site, reported through the real API.

Run from the repository root after the setup command:

    .venv/bin/python tests/bench/reports.py [--visits 47000] [--seed 1] [--runs 3]

It loads the packaged Sapporo sites into a fresh SQLite database (`madoguchi init`), then
writes fiscal year 2025 (2025-04-01 to 2026-03-31) of 札幌市就業サポートセンター (kita)
straight into it with sqlite3: about `--visits` visits on the site's business days, with a
morning peak, one to three desks each, waits, service times, no-shows sent back once,
transfers, visitors who leave, placements, and the counters opening, pausing for lunch and
closing every day. Then it starts a real server on the database and times, through HTTP:

- the first report of the year ("cold": every day is summed up and stored), then
- each main report of the year again ("warm": the daily figures are read back), `--runs`
  times each (the best and the median are printed), and the raw wait-time log of a month.

One JSON object goes to stdout (figures from the reports included); progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from server.siteconfig import default_sites_path, load_sites  # noqa: E402
from tests.harness import ServerProcess  # noqa: E402

SITE = "kita"
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
        for day in self.days:
            self.make_day(day)

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

    def write(self, db: Path) -> None:
        with sqlite3.connect(db) as conn:
            conn.executemany(
                "INSERT INTO tickets (id, site_id, business_day, number, label, "
                "purposes, purpose_index, service_id, status, stage, priority, "
                "language, public_token, issued_at, rank_at, counter_id, staff, "
                "called_at, calls, requeues, transferred_from, note, updated_at, "
                "closed_reason) VALUES (" + ",".join("?" * 24) + ")",
                self.tickets,
            )
            conn.executemany(
                "INSERT INTO events (seq, site_id, at, kind, ticket_id, stage, "
                "service_id, counter_id, staff, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
                self.events,
            )


def timed(server: ServerProcess, token: str, path: str) -> tuple[float, Any]:
    began = time.perf_counter()
    response = server.http.get(
        server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=600
    )
    took = time.perf_counter() - began
    assert response.status_code == 200, response.text[:500]
    body = response.json() if "json" in response.headers["Content-Type"] else response.content
    return took, body


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
    token = re.search(rf"manager\s+{SITE}-manager\s+{SITE}\s+(\S+)", done.stdout)
    assert token is not None, done.stdout
    manager = token[1]

    log("generating the year …")
    began = time.perf_counter()
    year = Year(args.visits, args.seed)
    year.make()
    generated = time.perf_counter() - began
    began = time.perf_counter()
    year.write(server.db)
    written = time.perf_counter() - began
    log(
        f"{len(year.tickets)} visits, {len(year.events)} events in {generated:.1f} s; "
        f"written in {written:.1f} s"
    )

    server.start(timeout=120)
    period = f"site={SITE}&from={YEAR}-04-01&to={YEAR + 1}-03-31"
    try:
        cold, first = timed(server, manager, f"/api/reports/figures?{period}&group=month")
        log(f"cold year report: {cold:.2f} s")
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
            for _ in range(args.runs):
                took, answers[name] = timed(server, manager, path)
                times.append(took)
            warm[name] = {
                "best_s": round(min(times), 3),
                "median_s": round(statistics.median(times), 3),
            }
            log(f"{name}: best {min(times):.3f} s")
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
                "insert_s": round(written, 2),
                "cold_year_report_s": round(cold, 3),
                "cold_matches_warm": first["total"] == total,
                "warm": warm,
                "wait_log_rows_one_month": len(answers["wait_log_one_month"]["rows"]),
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
