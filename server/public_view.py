"""What the public crowding pages and their open JSON show of a site: numbers, never names.

Public desks only (a sensitive desk is never shown, nor a call at a counter that serves one);
the estimate is the displays' and kiosk's (the forecast's newcomer), the usual crowding is
learned from the site's issued tickets of the last weeks and kept for an hour.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .domain.clock import Clock
from .domain.crowding import Crowding, usual_crowding
from .domain.model import Site
from .engine import Engine
from .forecasting import Forecasting
from .realtime import Publisher, shown_estimates
from .snapshots import RecentCalls
from .store.history import issued_moments

HISTORY_DAYS = 56  # eight weeks of each weekday
CROWDING_SECONDS = 3600.0
RECENT_SHOWN = 8


class PublicStatus:
    """Builds the public view of a site; the usual crowding is read once an hour."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        estimator: Forecasting,
        publisher: Publisher,
        recent: RecentCalls,
        offload: Callable[[Callable[[], Any]], Any],
    ) -> None:
        self.engine, self.clock, self.estimator = engine, clock, estimator
        self.publisher, self.recent = publisher, recent
        self.offload = offload  # the history is read in a thread: SQLite would block the loop
        self._crowding: dict[str, tuple[float, Crowding]] = {}

    def crowding(self, site: Site) -> Crowding:
        cached = self._crowding.get(site.id)
        if cached and time.monotonic() - cached[0] < CROWDING_SECONDS:
            return cached[1]
        since = self.clock.now() - timedelta(days=HISTORY_DAYS)
        reader = self.engine.reader
        moments = self.offload(lambda: issued_moments(reader, site.id, since))
        found = usual_crowding(moments, site.tz)
        self._crowding[site.id] = (time.monotonic(), found)
        return found

    def site(self, site: Site) -> dict[str, Any]:
        now = self.clock.now()
        local = now.astimezone(site.tz)
        queue = self.engine.queue(site.id)
        estimates, _ = shown_estimates(
            self.estimator, site, self.publisher.estimates.get(site.id) or {}
        )
        public = [s for s in site.services if not s.sensitive]
        desks = [
            {
                "id": s.id,
                "name": s.name,
                "waiting": len(queue.lines[s.id]),
                "estimate": _estimate(estimates.get(s.id)),
            }
            for s in public
        ]
        return {
            "id": site.id,
            "name": site.name,
            "ward": site.ward,
            "now": local.isoformat(timespec="seconds"),
            "open_now": site.hours.is_open(local),
            "hours_today": _hours_today(site, local),
            "desks": desks,
            "waiting": sum(d["waiting"] for d in desks),
            "recent_calls": self._recent(site),
        }

    def usual(self, site: Site) -> dict[str, Any]:
        crowding = self.crowding(site)
        return {
            "days": crowding.days,
            "hours": crowding.hours(),
            "levels": {
                str(day): {str(hour): crowding.level(day, hour) for hour in crowding.hours()}
                for day in range(7)
            },
        }

    def _recent(self, site: Site) -> list[dict[str, Any]]:
        sensitive = {s.id for s in site.services if s.sensitive}
        shown = []
        for call in self.recent[site.id]:
            counter = site.counter(call.get("counter") or "")
            if counter is None or sensitive.intersection(counter.services):
                continue
            shown.append(
                {"label": call["label"], "counter_number": counter.number, "at": call["at"]}
            )
            if len(shown) == RECENT_SHOWN:
                break
        return shown


def _estimate(view: dict[str, Any] | None) -> dict[str, int] | None:
    if view is None:
        return None
    return {"low_min": view["low_min"], "high_min": view["high_min"]}


def _hours_today(site: Site, local: datetime) -> list[str]:
    if local.date() in site.hours.closed_dates:
        return []
    return [
        f"{opens:%H:%M}-{closes:%H:%M}"
        for day, opens, closes in site.hours.by_weekday
        if day == local.weekday()
    ]
