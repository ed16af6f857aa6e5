"""Staff alerts in the reports: how many of each kind were raised, taken, cleared by the
device itself or escalated, and how long they waited to be taken, read from the event log.

Alerts are few (tens a day at a busy site), so the figures come from the log itself rather
than the days' stored sums.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select

from ..domain.alerts import ALERT_EVENTS, ALERT_KINDS
from ..domain.model import Site
from ..store import schema
from ..store.repository import event_from_row
from .periods import Period, day_window
from .queries import percentile

_e = schema.events


def alert_figures(conn: Connection, site: Site, period: Period) -> dict[str, Any]:
    """{"kinds": [{kind, raised, taken, cleared, escalated, open, take_seconds: {median,
    p90, max}}], "total": {...}} for the site's business days of `period`."""
    start, _ = day_window(period.first, site.timezone, site.policy.day_starts_at)
    _, end = day_window(period.last, site.timezone, site.policy.day_starts_at)
    rows = conn.execute(
        select(_e)
        .where(
            _e.c.site_id == site.id,
            _e.c.at >= start,
            _e.c.at < end,
            _e.c.kind.in_([k.value for k in ALERT_EVENTS]),
        )
        .order_by(_e.c.seq)
    )
    raised: dict[str, str] = {}  # alert id -> kind, of the alerts raised in the period
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    waits: dict[str, list[float]] = defaultdict(list)
    for event in map(event_from_row, rows):
        alert_id = str(event.data.get("id") or "")
        kind = str(event.data.get("alert") or "")
        if event.kind.value == "staff_alert":
            counts[kind]["raised"] += 1
            if alert_id:
                raised[alert_id] = kind
            continue
        if alert_id not in raised:
            continue  # raised before the period: counted there
        if event.kind.value == "alert_taken":
            counts[kind]["taken"] += 1
            waits[kind].append(float(event.data.get("seconds") or 0))
        elif event.kind.value == "alert_cleared":
            counts[kind]["cleared"] += 1
        elif event.kind.value == "alert_escalated":
            counts[kind]["escalated"] += 1
    kinds = [_row(kind, counts[kind], waits[kind]) for kind in ALERT_KINDS if kind in counts]
    every = [w for kind in waits for w in waits[kind]]
    total: dict[str, int] = defaultdict(int)
    for row in kinds:
        for name in ("raised", "taken", "cleared", "escalated", "open"):
            total[name] += row[name]
    return {"kinds": kinds, "total": {"kind": "all", **total, "take_seconds": _spread(every)}}


def _row(kind: str, counts: dict[str, int], waits: list[float]) -> dict[str, Any]:
    raised, taken, cleared = counts["raised"], counts["taken"], counts["cleared"]
    return {
        "kind": kind,
        "raised": raised,
        "taken": taken,
        "cleared": cleared,
        "escalated": counts["escalated"],
        "open": max(0, raised - taken - cleared),
        "take_seconds": _spread(waits),
    }


def _spread(waits: list[float]) -> dict[str, float | None]:
    ordered = sorted(waits)
    return {
        "median": percentile(ordered, 0.5),
        "p90": percentile(ordered, 0.9),
        "max": ordered[-1] if ordered else None,
    }
