"""Manager reports, read-only: figures from the event log, CSV and JSON, the live dashboard,
retention.

`start_reports` makes the report service the app keeps; its endpoints are in server/api/,
its pages in server/manager/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..domain.clock import Clock
from ..domain.model import Site
from ..engine import Engine
from ..settings import Settings
from ..siteconfig import SiteConfig
from .service import ReportService, SiteState
from .year_targets import Targets

__all__ = ["ReportService", "start_reports"]


def site_states(engine: Engine, clock: Clock) -> Callable[[Iterable[str]], list[SiteState]]:
    """What the live queues say about each site's days (read on the event loop)."""

    def states(site_ids: Iterable[str]) -> list[SiteState]:
        now = clock.now()
        found = []
        for site_id in site_ids:
            if not engine.owns(site_id):  # a cluster's: its owner keeps its days
                continue
            queue = engine.queue(site_id)
            site = queue.site
            live = frozenset(t.business_day for t in queue.tickets.values() if t.live)
            found.append(SiteState(site, site.business_day(now), live))
        return found

    return states


def start_reports(settings: Settings, config: SiteConfig, sites: dict[str, Site],
                  engine: Engine, clock: Clock,
                  offload: Callable[[Callable[[], Any]], Any]) -> ReportService:
    """The report service, summing up each day as it closes and the days left unsummed."""
    targets = {
        site_id: Targets(t.visitors, t.placements, t.visitors_now, t.placements_now)
        for site_id, t in config.targets
    }
    reports = ReportService(settings.database, sites, clock, targets, offload,
                            site_states(engine, clock), settings.retention_days)
    engine.subscribe(reports.day_closed)  # a closed day is summed up at once
    reports.start()
    return reports
