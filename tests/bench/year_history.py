"""A year of 札幌市就業サポートセンター (kita) for the reports benchmark (tests/bench/reports.py):
the visits, waits, services, no-shows, transfers and counters of fiscal year 2025, written
into a madoguchi database day by day, each day summed up after its close exactly as the
running server does (`Closer`)."""

from __future__ import annotations

import json
import random
import sqlite3
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from server.siteconfig import default_sites_path, load_sites

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
