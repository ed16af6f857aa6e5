"""The report service: daily aggregates kept up to date, reports run off the event loop.

A finished business day (before today, with no live ticket left) is summed up once and
stored in `daily_aggregates`; today and days still open are summed up from the log on each
request. Stored days are checked against the log before use: any event stored after the
newest build that falls on (or the day after) a stored day makes that day be built again,
so a correction, a late close or a simulated clock set back never leaves a stale figure.
Heavy work runs in gevent's thread pool on the service's own database connections, one
report at a time, so calls and displays are never held up.
"""

from __future__ import annotations

import logging
import time as wall
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from ..domain.clock import Clock
from ..domain.model import Site
from ..store import db as store_db
from . import queries, store
from .days import build_day, empty_day
from .periods import Period, day_window
from .stages import LogRow, Visit, visits_from

log = logging.getLogger(__name__)
T = TypeVar("T")
Offload = Callable[[Callable[[], Any]], Any]
WARM_DAYS = 400  # housekeeping keeps this many past days summed up
HOUSEKEEPING_EVERY = 600.0  # seconds between housekeeping runs


@dataclass(frozen=True)
class SiteState:
    """What the live queue says about a site's days, taken on the event loop."""

    site: Site
    today: date
    live_days: frozenset[date]


class ReportService:
    def __init__(
        self,
        database: str,
        sites: dict[str, Site],
        clock: Clock,
        targets: dict[str, queries.Targets],
        offload: Offload,
        states: Callable[[Iterable[str]], list[SiteState]],
        retention_days: int = 0,
    ) -> None:
        self.reader = store_db.open_engine(database, writer=False)
        self.writer = store_db.open_engine(database, writer=True)
        self.sites = sites
        self.clock = clock
        self.targets = targets
        self.offload = offload
        self.states = states
        self.retention_days = retention_days
        self._busy: Any = None  # a gevent semaphore, made on first use
        self._last_housekeeping = float("-inf")

    # ---- what the reports are made of ------------------------------------------------

    def catalogue(self, site_ids: Iterable[str]) -> dict[str, queries.SiteInfo]:
        return {sid: site_info(self.sites[sid]) for sid in site_ids}

    def run(self, work: Callable[[], T]) -> T:
        """Run `work` in the thread pool, one report at a time."""
        if self._busy is None:
            from gevent.lock import BoundedSemaphore

            self._busy = BoundedSemaphore(1)
        with self._busy:
            return self.offload(work)  # type: ignore[no-any-return]

    def site_days(
        self, states: list[SiteState], period: Period, now: datetime
    ) -> list[queries.SiteDay]:
        """Every site's figures for every day of the period (runs in the thread pool)."""
        found: list[queries.SiteDay] = []
        for state in states:
            days = self._days_of_site(state, period, now)
            found.extend(queries.SiteDay(state.site.id, d, days[d]) for d in sorted(days))
        return found

    def _days_of_site(
        self, state: SiteState, period: Period, now: datetime
    ) -> dict[date, dict[str, Any]]:
        site = state.site
        last = min(period.last, state.today)
        if last < period.first:
            return {}
        with self.reader.connect() as conn:  # one read transaction: one consistent view
            seq = store.newest_seq(conn)
            stale_from = self._stale_from(conn, site)
            stored = store.stored_days(conn, site.id, period.first, last)
            usable = {
                d: s.figures
                for d, s in stored.items()
                if s.purged or stale_from is None or d < stale_from
            }
            missing = [d for d in Period(period.first, last).days() if d not in usable]
            built = self._build(conn, site, missing, now)
        keep = {d: f for d, f in built.items() if d < state.today and d not in state.live_days}
        if stale_from is not None or keep:
            with self.writer.begin() as conn:
                if stale_from is not None:
                    store.forget_days(conn, site.id, stale_from)
                store.save_days(conn, site.id, keep, seq, now)
        return {**usable, **built}

    def _stale_from(self, conn: Any, site: Site) -> date | None:
        """The first stored day the log has changed under since the newest build."""
        newest = store.newest_build(conn, site.id)
        if newest is None:
            return None
        moment = store.first_change_after(conn, site.id, newest)
        if moment is None:
            return None
        # A day's tickets are closed just after the next day starts: an event may belong
        # to the day before its own.
        return site.business_day(moment) - timedelta(days=1)

    def _build(
        self, conn: Any, site: Site, days: list[date], now: datetime
    ) -> dict[date, dict[str, Any]]:
        built: dict[date, dict[str, Any]] = {}
        for run in _runs(days):
            built.update(build_days(conn, site, run[0], run[-1], now))
        return built

    # ---- reports ---------------------------------------------------------------------

    def report(
        self,
        site_ids: list[str],
        period: Period,
        make: Callable[[list[queries.SiteDay], dict[str, queries.SiteInfo]], T],
    ) -> T:
        states = self.states(site_ids)
        now = self.clock.now()
        sites = self.catalogue(site_ids)
        return self.run(lambda: make(self.site_days(states, period, now), sites))

    def wait_log(self, site_ids: list[str], period: Period) -> list[dict[str, Any]]:
        """One row per ticket stage of the period (from the detailed log: purged days have
        none)."""

        def work() -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = []
            with self.reader.connect() as conn:
                for site_id in site_ids:
                    site = self.sites[site_id]
                    by_day = _rows_by_day(
                        store.ticket_rows(conn, site_id, period.first, period.last)
                    )
                    for day in sorted(by_day):
                        rows.extend(stage_rows(site, day, visits_from(by_day[day])))
            return rows

        return self.run(work)

    # ---- housekeeping and retention --------------------------------------------------

    def housekeeping(self) -> None:
        """Keep the past days summed up and, with a retention period, purge old detail; at
        most every ten minutes (called from the server's housekeeping loop)."""
        if wall.monotonic() - self._last_housekeeping < HOUSEKEEPING_EVERY:
            return
        self._last_housekeeping = wall.monotonic()
        states = self.states(list(self.sites))
        now = self.clock.now()
        for state in states:
            period = Period(state.today - timedelta(days=WARM_DAYS), state.today)
            self.run(
                lambda state=state, period=period: (  # type: ignore[misc]
                    self._days_of_site(state, period, now)
                )
            )
        if self.retention_days:
            self.run(lambda: self.purge(states, self.retention_days, now))

    def purge(
        self, states: list[SiteState], retention_days: int, now: datetime
    ) -> dict[str, tuple[int, int]]:
        """Sum up, then delete, the detail of business days more than `retention_days`
        before today. Answers (tickets, events) deleted per site."""
        done: dict[str, tuple[int, int]] = {}
        for state in states:
            site = state.site
            before = state.today - timedelta(days=retention_days)
            with self.reader.connect() as conn:
                days = store.detail_days(conn, site.id, before)
                oldest = store.oldest_event(conn, site.id)
            first = min([*days, *([site.business_day(oldest)] if oldest else [])], default=before)
            if first < before:  # every day to be purged is summed up first
                self._days_of_site(state, Period(first, before - timedelta(days=1)), now)
            start, _ = day_window(before, site.timezone, site.policy.day_starts_at)
            with self.writer.begin() as conn:
                keep = store.newest_ids(conn)
                done[site.id] = store.purge_detail(conn, site.id, before, start, keep)
        return done


def site_info(site: Site) -> queries.SiteInfo:
    return queries.SiteInfo(
        site.id,
        site.name,
        {
            s.id: queries.Desk(s.name, s.organisation.value, s.target_wait_min)
            for s in site.services
        },
        {c.id: (c.name, c.services) for c in site.counters},
    )


def _runs(days: list[date]) -> list[list[date]]:
    """Consecutive days, grouped: each group is read from the log in one query."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _rows_by_day(rows: Iterable[tuple[date, LogRow]]) -> dict[date, list[LogRow]]:
    by_day: dict[date, list[LogRow]] = {}
    for day, row in rows:
        by_day.setdefault(day, []).append(row)
    return by_day


def build_days(
    conn: Any, site: Site, first: date, last: date, now: datetime
) -> dict[date, dict[str, Any]]:
    """The figures of business days first..last at `site`, from the detailed log."""
    tickets = _rows_by_day(store.ticket_rows(conn, site.id, first, last))
    start, _ = day_window(first, site.timezone, site.policy.day_starts_at)
    _, end = day_window(last, site.timezone, site.policy.day_starts_at)
    counters = store.counter_rows(conn, site.id, start, end)
    state: dict[str, LogRow] = {}
    index = 0
    built: dict[date, dict[str, Any]] = {}
    for day in Period(first, last).days():
        window = day_window(day, site.timezone, site.policy.day_starts_at)
        rows = [row for row in state.values() if row.kind != "counter_closed"]
        while index < len(counters) and counters[index].at < window[1]:
            row = counters[index]
            rows.append(row)
            if row.counter_id:
                state[row.counter_id] = row
            index += 1
        visits = visits_from(tickets.get(day, []))
        if not visits and not rows:
            built[day] = empty_day()
            continue
        offset = window[0].astimezone(site.tz).utcoffset() or timedelta()
        built[day] = build_day(visits, rows, window, offset, until=now)
    return built


def stage_rows(site: Site, day: date, visits: list[Visit]) -> list[dict[str, Any]]:
    """The raw wait-time log of one day: one row per ticket stage, no personal data."""

    def local(moment: datetime | None) -> str | None:
        return moment.astimezone(site.tz).isoformat(timespec="seconds") if moment else None

    rows = []
    for visit in visits:
        for stage in visit.stages:
            desk = site.service(stage.service_id)
            wait, service = stage.wait_seconds(), stage.service_seconds()
            rows.append(
                {
                    "ticket": visit.ticket_id,
                    "business_day": day.isoformat(),
                    "label": visit.label,
                    "stage": stage.stage,
                    "service": stage.service_id,
                    "service_name": desk.name if desk else stage.service_id,
                    "organisation": desk.organisation.value if desk else None,
                    "entry": stage.entry,
                    "queued_at": local(stage.queued_at),
                    "called_at": local(stage.called_at),
                    "started_at": local(stage.started_at),
                    "ended_at": local(stage.ended_at),
                    "counter": stage.counter_id,
                    "outcome": stage.outcome,
                    "placement": stage.placement,
                    "end": stage.end,
                    "wait_seconds": None if wait is None else round(wait),
                    "service_seconds": None if service is None else round(service),
                }
            )
    return rows
