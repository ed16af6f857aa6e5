"""The managers' live dashboard of one site: read from the queue in memory, never the log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.model import TicketStatus
from ..domain.site_queue import SiteQueue
from ..presenters import alert_view


def _since(now: datetime, moment: datetime | None) -> int | None:
    return None if moment is None else max(0, round((now - moment).total_seconds()))


def dashboard(
    queue: SiteQueue, now: datetime, organisations: frozenset[str], printers: list[dict[str, Any]]
) -> dict[str, Any]:
    """People waiting per desk and the longest wait, each counter's state (serving whom,
    called, paused, idle, closed) and the printers, for the organisations the reader sees.
    A wait runs from joining the desk's queue (a transfer's too) until now."""
    site = queue.site
    desks = [s for s in site.services if s.organisation.value in organisations]
    visible = {s.id for s in desks}
    services = []
    longest: dict[str, Any] | None = None
    for desk in desks:
        waiting = queue.waiting(desk.id)
        joined = [(t, _since(now, t.updated_at or t.rank_at) or 0) for t in waiting]
        first = max(joined, key=lambda pair: pair[1], default=None)
        row = {
            "service": desk.id,
            "name": desk.name,
            "organisation": desk.organisation.value,
            "target_wait_min": desk.target_wait_min,
            "waiting": len(waiting),
            "priority_waiting": sum(1 for t in waiting if t.priority),
            "longest_wait_seconds": first[1] if first else None,
            "longest_label": first[0].label if first else None,
        }
        services.append(row)
        if first and (longest is None or first[1] > longest["seconds"]):
            longest = {
                "seconds": first[1],
                "label": first[0].label,
                "service": desk.id,
                "name": desk.name,
            }
    counters = []
    for counter in site.counters:
        if not visible.intersection(counter.services):
            continue
        state = queue.counters[counter.id]
        held = queue.tickets.get(state.ticket_id) if state.ticket_id is not None else None
        if held is not None:
            activity = "serving" if held.status is TicketStatus.SERVING else "called"
        else:
            activity = {"open": "idle"}.get(state.status, state.status)
        counters.append(
            {
                "counter": counter.id,
                "name": counter.name,
                "number": counter.number,
                "status": state.status,
                "activity": activity,
                "staff": state.staff,
                "since_seconds": _since(now, state.updated_at),
                "ticket": None
                if held is None
                else {
                    "label": held.label,
                    "service": held.service_id,
                    "service_name": queue.services[held.service_id].name,
                    "called_seconds": _since(now, held.called_at),
                },
            }
        )
    today = site.business_day(now)
    issued = [t for t in queue.tickets.values() if t.business_day == today]
    return {
        "site": site.id,
        "name": site.name,
        "now": now.astimezone(site.tz).isoformat(timespec="seconds"),
        "business_day": today.isoformat(),
        "organisations": sorted(organisations),
        "waiting": sum(row["waiting"] for row in services),
        "visits_today": sum(1 for t in issued if visible.intersection(t.purposes)),
        "longest_wait": longest,
        "services": services,
        "counters": counters,
        "printers": printers,
        # Alerts nobody has taken; escalated ones first (they waited past the site's limit).
        "alerts": sorted((alert_view(site, a) for a in queue.alerts.open.values()),
                         key=lambda a: not a["escalated"]),
    }
