"""Manager reports, read-only: figures from the event log, CSV and JSON, the live dashboard,
retention.

`register` binds the report service to the app (its endpoints are in server/api/, its pages
in server/manager/); `housekeeping` is called from the server's housekeeping loop.
"""

from __future__ import annotations

from typing import Any

import gevent
from flask import Flask

from ..siteconfig import SiteConfig
from .service import ReportService, SiteState
from .year_targets import Targets

__all__ = ["housekeeping", "register"]


def site_states(services: Any) -> Any:
    """What the live queues say about each site's days (read on the event loop)."""

    def states(site_ids: Any) -> list[SiteState]:
        now = services.clock.now()
        found = []
        for site_id in site_ids:
            queue = services.engine.queue(site_id)
            site = queue.site
            live = frozenset(t.business_day for t in queue.tickets.values() if t.live)
            found.append(SiteState(site, site.business_day(now), live))
        return found

    return states


def register(app: Flask, services: Any, config: SiteConfig) -> ReportService:
    targets = {
        site_id: Targets(t.visitors, t.placements, t.visitors_now, t.placements_now)
        for site_id, t in config.targets
    }

    def offload(work: Any) -> Any:
        return gevent.get_hub().threadpool.apply(work)

    reports = ReportService(
        services.settings.database,
        services.sites,
        services.clock,
        targets,
        offload,
        site_states(services),
        services.settings.retention_days,
    )
    app.extensions["madoguchi_reports"] = reports
    services.engine.subscribe(reports.day_closed)  # a closed day is summed up at once
    reports.start()
    return reports


def housekeeping(app: Flask) -> None:
    """Keep past days summed up; purge old detail when a retention period is set."""
    reports: ReportService | None = app.extensions.get("madoguchi_reports")
    if reports is not None:
        reports.housekeeping()
