"""The report service: daily aggregates kept up to date, reports run off the event loop.

A business day is summed up once and stored in `daily_aggregates` when it is over: right
after the day is closed (the close's commit wakes a background job), or, for days closed
while no server ran or before this was so, by the catch-up that housekeeping runs at the
server's start and every ten minutes. A report reads the stored days back; today and days
still open are summed up from the log on each request. Stored days are checked against the
log before use: a ticket or counter event stored after the newest build makes its day (and
every later one) be built again, so a correction, a late close or a simulated clock set back
never leaves a stale figure. Heavy work runs in gevent's thread pool on the service's own
database connections, one report at a time, so calls and displays are never held up.
"""

from __future__ import annotations

import functools
import logging
import time as wall
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from ..domain.clock import Clock
from ..domain.model import Site
from ..store import db as store_db
from . import queries, store, year_targets
from .alerts import alert_figures
from .days import VERSION, build_day, current, empty_day
from .periods import Period, day_window
from .stages import LogRow, Visit, visits_from

log = logging.getLogger(__name__)
T = TypeVar("T")
Offload = Callable[[Callable[[], Any]], Any]
SAVE_DAYS = 31  # days stored per write transaction
CLOSE_LOOKBACK = 7  # days before a closed one that its close sums up too, if missing
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
        targets: dict[str, year_targets.Targets],
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
        self._working: set[Any] = set()  # greenlets summing up days in the background

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
        self, state: SiteState, period: Period, now: datetime, read: bool = True
    ) -> dict[date, dict[str, Any]]:
        """The site's figures for the days of the period up to today: stored ones read
        back, the rest summed up from the log (and stored, once the day is over). Without
        `read`, stored days are left unread (and the answer holds only the days built)."""
        site = state.site
        last = min(period.last, state.today)
        if last < period.first:
            return {}
        with self.reader.connect() as conn:  # one read transaction: one consistent view
            seq = store.newest_seq(conn)
            stale_from = self._stale_from(conn, site)
            stored = store.stored_days(conn, site.id, period.first, last, figures=read)
            usable = {
                d: current(s.figures) if read else s.figures
                for d, s in stored.items()
                if s.purged or stale_from is None or d < stale_from
            }
            missing = [d for d in Period(period.first, last).days() if d not in usable]
            closed = store.closed_at(conn, site.id) if state.today in missing else None
            closed_today = closed is not None and site.business_day(closed) == state.today

            def over(day: date) -> bool:  # its figures are final: they may be stored
                if day == state.today:
                    return closed_today
                return day < state.today and day not in state.live_days

            # Only for a report is a day that goes on summed up (and not stored).
            built = self._build(conn, site, missing if read else list(filter(over, missing)), now)
            forget = stale_from is not None and store.days_to_forget(conn, site.id, stale_from)
        keep = {d: f for d, f in built.items() if over(d)}
        if forget and stale_from is not None:
            with self.writer.begin() as conn:
                store.forget_days(conn, site.id, stale_from)
        # A month at a time: the queue's own commits wait for none of these for long.
        ordered = sorted(keep)
        for index in range(0, len(ordered), SAVE_DAYS):
            with self.writer.begin() as conn:
                chunk = ordered[index : index + SAVE_DAYS]
                store.save_days(conn, site.id, {d: keep[d] for d in chunk}, seq, now)
        return {**usable, **built} if read else built

    def _stale_from(self, conn: Any, site: Site) -> date | None:
        """The first stored day the log has changed under since the newest build: the day
        of a ticket that has had an event since, or of a counter's opening or closing."""
        newest = store.newest_build(conn, site.id)
        if newest is None:
            return None
        ticket_day, moment = store.first_changed(conn, site.id, newest)
        days = [d for d in (ticket_day, site.business_day(moment) if moment else None) if d]
        return min(days, default=None)

    def _build(
        self, conn: Any, site: Site, days: list[date], now: datetime
    ) -> dict[date, dict[str, Any]]:
        return build_days(conn, site, days, now) if days else {}

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

    def alerts(self, site_ids: list[str], period: Period) -> dict[str, Any]:
        """Staff alerts of the period, by site (reports/alerts.py)."""

        def work() -> dict[str, Any]:
            with self.reader.connect() as conn:
                return {site_id: alert_figures(conn, self.sites[site_id], period)
                        for site_id in site_ids}

        return self.run(work)

    # ---- summing up days as they close ------------------------------------------------

    def sum_closed_days(self, state: SiteState, now: datetime) -> list[date]:
        """After a site's day was closed: sum up and store the days just ended (the closed
        day, and any of the week before still missing). Runs in the thread pool; answers
        the days summed up."""
        period = Period(state.today - timedelta(days=CLOSE_LOOKBACK), state.today)
        return sorted(self._days_of_site(state, period, now, read=False))

    def catch_up(self, states: list[SiteState], now: datetime) -> dict[str, int]:
        """Sum up every past day of the detailed log not stored yet (a database from before
        days were summed up at their close, or days closed while the server was down).
        Answers how many days were built per site."""
        done: dict[str, int] = {}
        for state in states:
            with self.reader.connect() as conn:
                first = store.first_detail_day(conn, state.site.id)
            if first is None:
                continue
            built = self._days_of_site(state, Period(first, state.today), now, read=False)
            done[state.site.id] = len([d for d in built if d < state.today])
            self._upgrade(state.site.id)
        return done

    def _upgrade(self, site_id: str) -> None:
        """Store days summed up by an older version in this version's form."""
        with self.reader.connect() as conn:
            older = store.days_older_than(conn, site_id, VERSION)
        if older:
            with self.writer.begin() as conn:
                store.replace_figures(conn, site_id, {d: current(f) for d, f in older.items()})
            log.info("stored %s day(s) of %s in the current form", len(older), site_id)

    def day_closed(self, events: Iterable[Any]) -> None:
        """An engine listener (on the event loop, after the commit): a site whose day was
        closed gets its days summed up in the background."""
        for site_id in {e.site_id for e in events if e.kind == "day_closed"}:
            self._background(functools.partial(self._sum_after_close, site_id))

    def _sum_after_close(self, site_id: str) -> None:
        [state] = self.states([site_id])
        now = self.clock.now()
        days = self.run(lambda: self.sum_closed_days(state, now))
        log.info("summed up %s day(s) of %s at its close", len(days), site_id)

    def _background(self, work: Callable[[], None]) -> None:
        import gevent

        def guarded() -> None:
            try:
                work()
            except Exception:  # the next report or housekeeping sums the days up instead
                log.exception("summing up days failed")

        greenlet = gevent.spawn(guarded)
        self._working.add(greenlet)
        greenlet.link(self._working.discard)

    def settle(self, timeout: float = 60.0) -> None:
        """Wait for the background summing to finish (before a command-line run exits)."""
        import gevent

        gevent.joinall(list(self._working), timeout=timeout)

    # ---- housekeeping and retention --------------------------------------------------

    def start(self) -> None:
        """At the server's start: housekeeping at once, in the background, so that days
        left unsummed (an upgrade, a crash before the close was summed) are caught up."""
        self._background(self.housekeeping)

    def housekeeping(self) -> None:
        """Sum up any past day not stored yet and, with a retention period, purge old
        detail; at most every ten minutes (called from the server's housekeeping loop)."""
        if wall.monotonic() - self._last_housekeeping < HOUSEKEEPING_EVERY:
            return
        self._last_housekeeping = wall.monotonic()
        states = self.states(list(self.sites))
        now = self.clock.now()
        for state in states:
            began = wall.monotonic()
            built = self.run(lambda state=state: self.catch_up([state], now))  # type: ignore[misc]
            if built.get(state.site.id):
                log.info(
                    "summed up %s day(s) of %s in %.1f s",
                    built[state.site.id],
                    state.site.id,
                    wall.monotonic() - began,
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
                self._days_of_site(
                    state, Period(first, before - timedelta(days=1)), now, read=False
                )
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


def _rows_by_day(rows: Iterable[tuple[date, LogRow]]) -> dict[date, list[LogRow]]:
    by_day: dict[date, list[LogRow]] = {}
    for day, row in rows:
        by_day.setdefault(day, []).append(row)
    return by_day


def build_days(
    conn: Any, site: Site, days: list[date], now: datetime
) -> dict[date, dict[str, Any]]:
    """The figures of the given business days at `site`, from the detailed log: one pass
    over the site's events from the first of those days on, in sequence order."""
    days = sorted(set(days))
    first, last = days[0], days[-1]
    ticket_day = store.ticket_days(conn, site.id, first, last)
    wanted = set(days)
    ticket_day = {tid: day for tid, day in ticket_day.items() if day in wanted}
    start, _ = day_window(first, site.timezone, site.policy.day_starts_at)
    _, end = day_window(last, site.timezone, site.policy.day_starts_at)
    since = store.first_seq(conn, site.id, min(ticket_day, default=None), start)
    counters = store.counters_before(conn, site.id, start)
    ticket_rows: list[LogRow] = []
    for row in store.scan(conn, site.id, since):
        if row.ticket_id is not None:
            if row.ticket_id in ticket_day:
                ticket_rows.append(row)
        elif row.counter_id is not None and row.kind in store.COUNTER_KINDS and row.at < end:
            counters.append(row)
    by_day: dict[date, list[Visit]] = {}
    for visit in visits_from(ticket_rows, ticket_day):
        by_day.setdefault(visit.business_day or first, []).append(visit)
    state: dict[str, LogRow] = {}
    index = 0
    built: dict[date, dict[str, Any]] = {}
    for day in days:
        window = day_window(day, site.timezone, site.policy.day_starts_at)
        while index < len(counters) and counters[index].at < window[0]:  # days not asked for
            row = counters[index]
            state[row.counter_id or ""] = row
            index += 1
        rows = [row for row in state.values() if row.kind != "counter_closed"]
        while index < len(counters) and counters[index].at < window[1]:
            row = counters[index]
            rows.append(row)
            state[row.counter_id or ""] = row
            index += 1
        visits = by_day.get(day, [])
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
