"""The fiscal year's visitors and job placements per site against the city's targets.

Pure computation, like queries.py: the days' figures in, the table (and chart data) out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .periods import Period
from .queries import Scope, SiteDay, SiteInfo


def year_figures(
    days: Iterable[SiteDay], sites: dict[str, SiteInfo], scope: Scope
) -> dict[str, dict[str, int]]:
    """Per site: visits and job placements (finishes whose outcome is a placement)."""
    found = {site_id: {"visits": 0, "placements": 0} for site_id in sites}
    for site_day in days:
        site = sites.get(site_day.site_id)
        if site is None:
            continue
        row = found[site.id]
        for key, path in site_day.figures["paths"].items():
            if any(scope.desk(site, s) for s in key.split(">")):
                row["visits"] += sum(path["visits"])
        for service_id, f in site_day.figures["services"].items():
            if scope.desk(site, service_id) is not None:
                row["placements"] += sum(f["placements"])
    return found


@dataclass(frozen=True)
class Targets:
    visitors: int | None = None
    placements: int | None = None
    visitors_now: int | None = None
    placements_now: int | None = None


def targets_report(
    counts: dict[str, dict[str, int]],
    sites: dict[str, SiteInfo],
    targets: dict[str, Targets],
    year: Period,
    today: date,
    complete: bool,
) -> dict[str, Any]:
    """The fiscal year's visitors and placements per site against the city's targets, with
    the share of the year gone by (a site on course has reached about that share)."""
    days = (year.last - year.first).days + 1
    gone = min(max((today - year.first).days + 1, 0), days)
    rows: list[dict[str, Any]] = []
    for site_id, site in sorted(sites.items()):
        got = counts.get(site_id, {"visits": 0, "placements": 0})
        aims = targets.get(site_id, Targets())
        rows.append(
            {
                "site": site_id,
                "name": site.name,
                "visitors": got["visits"],
                "visitors_target": aims.visitors,
                "visitors_now": aims.visitors_now,
                "visitors_share": _share(got["visits"], aims.visitors),
                "placements": got["placements"],
                "placements_target": aims.placements,
                "placements_now": aims.placements_now,
                "placements_share": _share(got["placements"], aims.placements),
            }
        )
    total: dict[str, Any] = {
        name: sum(int(r[name] or 0) for r in rows)
        for name in (
            "visitors",
            "visitors_target",
            "visitors_now",
            "placements",
            "placements_target",
            "placements_now",
        )
    }
    total["visitors_share"] = _share(total["visitors"], total["visitors_target"])
    total["placements_share"] = _share(total["placements"], total["placements_target"])
    return {
        "fiscal_year": year.first.year,
        "from": year.first.isoformat(),
        "to": year.last.isoformat(),
        "year_elapsed_share": round(gone / days, 4),
        "complete_figures": complete,
        "by_site": rows,
        "total": total,
    }


def _share(value: int, target: int | None) -> float | None:
    return round(value / target, 4) if target else None
