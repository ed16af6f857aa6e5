"""The reports: daily aggregates of one or more sites merged into the figures managers read.

Pure computation: no web, no SQL. Every function takes the days' figures (see days.py),
what the sites' desks and counters are (`Catalogue`) and what the reader may see (`Scope`).

Definitions (the README's Reports section says the same):
- wait: from joining a desk's queue to the first call; mean, median and the 90th
  percentile by nearest rank (the smallest wait that at least 90 % of waits do not exceed);
- service level: the share of called stages whose wait was within the desk's target wait;
- service time: from the start (or the call, when staff went straight to finishing) to the
  finish or transfer;
- utilisation: time serving / time open (paused time is not open time);
- visits: tickets issued that went to at least one desk in scope.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .days import COUNTS
from .periods import WEEKDAYS_JA, Period, group_key, group_keys

ORGANISATIONS = ("hellowork", "city")
WAIT_BINS = (5, 10, 15, 20, 30, 45, 60)  # minutes: 0–5, 5–10, … 45–60, 60 and over
HOUR_KEYS = [f"{hour:02d}" for hour in range(24)]  # group_key("hour", …) of each hour


@dataclass(frozen=True)
class Desk:
    name: str
    organisation: str
    target_wait_min: int


@dataclass(frozen=True)
class SiteInfo:
    """What a site's desks and counters are, from its configuration."""

    id: str
    name: str
    desks: dict[str, Desk]
    counters: dict[str, tuple[str, tuple[str, ...]]]  # id -> (name, services)


@dataclass(frozen=True)
class SiteDay:
    site_id: str
    day: date
    figures: dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """What the reader may see and asked for: organisations, and perhaps one desk."""

    organisations: frozenset[str] = frozenset(ORGANISATIONS)
    service: str | None = None

    def desk(self, site: SiteInfo, service_id: str) -> Desk | None:
        desk = site.desks.get(service_id)
        if desk is None or desk.organisation not in self.organisations:
            return None
        if self.service is not None and service_id != self.service:
            return None
        return desk

    def counter_desks(self, site: SiteInfo, counter_id: str) -> list[str]:
        """The desks in scope a counter serves (none: the counter is out of scope)."""
        _, services = site.counters.get(counter_id, ("", ()))
        return [s for s in services if self.desk(site, s) is not None]


# ---- one set of figures --------------------------------------------------------------


@dataclass
class Tally:
    """Figures being summed up for one row of a report."""

    counts: dict[str, float] = field(default_factory=dict)
    waits: list[float] = field(default_factory=list)
    within: int = 0
    times: list[float] = field(default_factory=list)
    open: float = 0
    serving: float = 0

    def count(self, name: str, value: float) -> None:
        self.counts[name] = self.counts.get(name, 0) + value

    def figures(self) -> dict[str, Any]:
        waits = _ordered(self.waits)
        times = _ordered(self.times)
        found: dict[str, Any] = {"visits": int(self.counts.get("visits", 0))}
        found.update({name: int(self.counts.get(name, 0)) for name in COUNTS})
        found["wait"] = {
            "count": len(waits),
            "mean": _mean(self.waits),
            "median": _median(waits),
            "p90": percentile(waits, 0.9),
        }
        found["service_level"] = round(self.within / len(waits), 4) if len(waits) else None
        found["within_target"] = self.within
        found["service_time"] = {
            "count": len(times),
            "mean": _mean(self.times),
            "median": _median(times),
        }
        found["open_seconds"] = round(self.open)
        found["serving_seconds"] = round(self.serving)
        found["utilisation"] = round(self.serving / self.open, 4) if self.open else None
        return found


def percentile(ordered: Sequence[float], share: float) -> float | None:
    """Nearest rank: the smallest value that at least `share` of the values do not exceed."""
    if not len(ordered):
        return None
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


def _ordered(values: list[float]) -> Sequence[float]:
    """The values in order (whole seconds, exact as float64): numpy sorts a year's waits
    many times faster than sorted(). Imported here, not at the top: numpy adds ~15 MB to the
    server process, which only needs it when a report is made."""
    import numpy as np

    return np.sort(np.asarray(values, dtype=np.float64))  # type: ignore[return-value]


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _median(ordered: Sequence[float]) -> float | None:
    """The middle value, or the mean of the two middle ones (as statistics.median)."""
    count = len(ordered)
    if not count:
        return None
    middle = count // 2
    value = ordered[middle] if count % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return round(float(value), 1)


# ---- the main table ------------------------------------------------------------------


class _Rows:
    """Tallies by key, made on first use."""

    def __init__(self) -> None:
        self.rows: dict[Any, Tally] = {}

    def __getitem__(self, key: Any) -> Tally:
        if key not in self.rows:
            self.rows[key] = Tally()
        return self.rows[key]


def figures_report(
    days: Iterable[SiteDay], sites: dict[str, SiteInfo], scope: Scope, group: str, period: Period
) -> dict[str, Any]:
    """Counts, waits, service level, service time and utilisation: in total, by
    organisation, by desk, and by hour of the day, day or month."""
    parts = _Parts(group)
    for site_day in days:
        site = sites.get(site_day.site_id)
        if site is not None:
            parts.add_day(site, site_day.day, site_day.figures, scope)
    total, orgs, desks, groups = Tally(), _Rows(), _Rows(), _Rows()
    names: dict[str, Desk] = {}
    for (site_id, service_id), sums in parts.services.items():
        site = sites[site_id]
        desk = site.desks[service_id]
        names.setdefault(service_id, desk)
        rows = [total, orgs[desk.organisation], desks[service_id]]
        for name in COUNTS:
            _spread(name, sums.get(name), rows, groups)
        _spread_seconds(sums["waits"], desk.target_wait_min * 60, rows, groups)
        _spread_seconds(sums["times"], None, rows, groups)
    for (site_id, counter_id), sums in parts.counters.items():
        site = sites[site_id]
        served = scope.counter_desks(site, counter_id)
        rows = [
            total,
            *(orgs[o] for o in {site.desks[s].organisation for s in served}),
            *(desks[s] for s in served),
        ]
        _spread("open", sums.get("open"), rows, groups, "open")
        _spread("serving", sums.get("serving"), rows, groups, "serving")
    for (site_id, key), sums in parts.paths.items():
        site = sites[site_id]
        in_scope = [s for s in dict.fromkeys(key.split(">")) if scope.desk(site, s)]
        rows = [
            total,
            *(orgs[o] for o in {site.desks[s].organisation for s in in_scope}),
            *(desks[s] for s in in_scope),
        ]
        _spread("visits", sums.get("visits"), rows, groups)
    return {
        "total": total.figures(),
        "by_organisation": {
            o: orgs[o].figures() for o in ORGANISATIONS if o in scope.organisations
        },
        "by_service": [
            {
                "service": sid,
                "name": desk.name,
                "organisation": desk.organisation,
                "target_wait_min": desk.target_wait_min,
                **desks[sid].figures(),
            }
            for sid, desk in sorted(names.items())
        ],
        "groups": [{"key": key, **groups[key].figures()} for key in group_keys(group, period)],
    }


class _Parts:
    """The days' figures summed per desk, counter and path of each site, by report group,
    before they go into the report's rows: each day adds a few sums, and the rows (total,
    organisation, desk, group) are filled once per part, not once per day.

    A part's sums hold, per name, the 24 hourly values (grouped by hour) or a dict of
    group key to value (grouped by day or month); waits and times, a dict of group key (the
    hour's key when grouped by hour) to the seconds."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.services: dict[tuple[str, str], dict[str, Any]] = {}
        self.counters: dict[tuple[str, str], dict[str, Any]] = {}
        self.paths: dict[tuple[str, str], dict[str, Any]] = {}

    def add_day(self, site: SiteInfo, day: date, figures: dict[str, Any], scope: Scope) -> None:
        key = None if self.group == "hour" else group_key(self.group, day, 0)
        for service_id, f in figures["services"].items():
            if scope.desk(site, service_id) is None:
                continue
            sums = self.services.get((site.id, service_id))
            if sums is None:
                sums = self.services[(site.id, service_id)] = {"waits": {}, "times": {}}
            for name in COUNTS:
                self._add(sums, name, f[name], key)
            for name in ("waits", "times"):
                found = sums[name]
                for hour, seconds in f[name].items():
                    bucket = HOUR_KEYS[int(hour)] if key is None else key
                    if bucket in found:
                        found[bucket].extend(seconds)
                    else:
                        found[bucket] = list(seconds)
        for counter_id, c in figures["counters"].items():
            if scope.counter_desks(site, counter_id):
                sums = self.counters.setdefault((site.id, counter_id), {})
                self._add(sums, "open", c["open"], key)
                self._add(sums, "serving", c["serving"], key)
        for path_key, path in figures["paths"].items():
            if any(scope.desk(site, s) for s in path_key.split(">")):
                sums = self.paths.setdefault((site.id, path_key), {})
                self._add(sums, "visits", path["visits"], key)

    @staticmethod
    def _add(sums: dict[str, Any], name: str, hours: list[float], key: str | None) -> None:
        if key is None:  # by hour: the hourly values, added hour by hour
            found = sums.get(name)
            sums[name] = list(hours) if found is None else list(map(operator.add, found, hours))
        else:
            amount = sum(hours)
            if amount:
                by_key = sums.setdefault(name, {})
                by_key[key] = by_key.get(key, 0) + amount


def _spread(
    name: str, sums: Any, rows: list[Tally], groups: _Rows, attribute: str | None = None
) -> None:
    """A part's sums of one name into the groups (each its share) and the rows (all of
    it): counted, or added to a Tally's `attribute` (open and serving seconds)."""
    if not sums:
        return
    shares = enumerate(sums) if isinstance(sums, list) else sums.items()
    whole = 0.0
    for key, value in shares:
        if value:
            _put(groups[HOUR_KEYS[key] if isinstance(key, int) else key], name, value, attribute)
            whole += value
    if whole:
        for row in rows:
            _put(row, name, whole, attribute)


def _put(tally: Tally, name: str, value: float, attribute: str | None) -> None:
    if attribute is None:
        tally.count(name, value)
    else:
        setattr(tally, attribute, getattr(tally, attribute) + value)


def _spread_seconds(
    by_key: dict[str, list[int]], target: int | None, rows: list[Tally], groups: _Rows
) -> None:
    """A part's waits (with the desk's target) or service times (without), by group key,
    into the rows and the groups."""
    for key, seconds in by_key.items():
        within = 0 if target is None else sum(1 for s in seconds if s <= target)
        for row in (*rows, groups[key]):
            if target is None:
                row.times.extend(seconds)
            else:
                row.waits.extend(seconds)
                row.within += within


# ---- counters, staffing, journeys, heat map, wait distribution -----------------------


def counters_report(
    days: Iterable[SiteDay], sites: dict[str, SiteInfo], scope: Scope
) -> list[dict[str, Any]]:
    """Each counter in scope: time open, paused and serving, its utilisation, and the
    visitors it served."""
    sums: dict[tuple[str, str], dict[str, float]] = {}
    for site_day in days:
        site = sites.get(site_day.site_id)
        if site is None:
            continue
        for counter_id, c in site_day.figures["counters"].items():
            if not scope.counter_desks(site, counter_id):
                continue
            row = sums.setdefault((site.id, counter_id), {})
            for name in ("open", "paused", "serving", "served"):
                row[name] = row.get(name, 0) + sum(c.get(name, ()))
    found = []
    for site_id, site in sorted(sites.items()):
        for counter_id, (name, services) in site.counters.items():
            if not scope.counter_desks(site, counter_id):
                continue
            row = sums.get((site_id, counter_id), {})
            opened, serving = row.get("open", 0), row.get("serving", 0)
            found.append(
                {
                    "site": site_id,
                    "counter": counter_id,
                    "name": name,
                    "services": list(services),
                    "served": int(row.get("served", 0)),
                    "open_seconds": round(opened),
                    "paused_seconds": round(row.get("paused", 0)),
                    "serving_seconds": round(serving),
                    "utilisation": round(serving / opened, 4) if opened else None,
                }
            )
    return found


def staffing_report(
    days: Iterable[SiteDay], sites: dict[str, SiteInfo], scope: Scope
) -> dict[str, Any]:
    """Per clock hour, averaged over the days on which anything happened in scope: counters
    open (not paused) against people waiting, and arrivals."""
    opened, waiting, arrivals = [0.0] * 24, [0.0] * 24, [0.0] * 24
    active: set[tuple[str, date]] = set()
    for site_day in days:
        site = sites.get(site_day.site_id)
        if site is None:
            continue
        for counter_id, c in site_day.figures["counters"].items():
            if scope.counter_desks(site, counter_id) and any(c["open"]):
                active.add((site.id, site_day.day))
                for hour in range(24):
                    opened[hour] += c["open"][hour]
        for service_id, f in site_day.figures["services"].items():
            if scope.desk(site, service_id) is None:
                continue
            if any(f["arrivals"]) or any(f["waiting"]):
                active.add((site.id, site_day.day))
            for hour in range(24):
                waiting[hour] += f["waiting"][hour]
                arrivals[hour] += f["arrivals"][hour]
    count = len({day for _, day in active})
    per_day = max(count, 1)
    return {
        "days": count,
        "hours": [
            {
                "hour": hour,
                "open_counters": round(opened[hour] / 3600 / per_day, 2),
                "waiting": round(waiting[hour] / 3600 / per_day, 2),
                "arrivals": round(arrivals[hour] / per_day, 2),
            }
            for hour in range(24)
        ],
    }


def journeys_report(
    days: Iterable[SiteDay], sites: dict[str, SiteInfo], scope: Scope
) -> dict[str, Any]:
    """The one-stop view: visits by the desks they passed through, each step's mean wait
    and service time, and how many left before any desk served them."""
    paths: dict[str, dict[str, Any]] = {}
    visits = left = several = 0
    for site_day in days:
        site = sites.get(site_day.site_id)
        if site is None:
            continue
        for key, path in site_day.figures["paths"].items():
            desks = key.split(">")
            if not any(scope.desk(site, s) for s in desks):
                continue
            count = sum(path["visits"])
            visits += count
            left += path["left"]
            several += count if len(desks) > 1 else 0
            row = paths.setdefault(
                key, {"visits": 0, "left": 0, "steps": [[0, 0, 0, 0] for _ in desks], "site": site}
            )
            row["visits"] += count
            row["left"] += path["left"]
            for index, step in enumerate(path["steps"]):
                if scope.desk(site, desks[index]):
                    row["steps"][index] = [
                        a + b for a, b in zip(row["steps"][index], step, strict=True)
                    ]
    return {
        "visits": visits,
        "multi_desk_visits": several,
        "multi_desk_share": round(several / visits, 4) if visits else None,
        "left_before_service": left,
        "left_before_service_share": round(left / visits, 4) if visits else None,
        "paths": [
            _path_view(key, row, scope)
            for key, row in sorted(paths.items(), key=lambda kv: (-kv[1]["visits"], kv[0]))
        ],
    }


def _path_view(key: str, row: dict[str, Any], scope: Scope) -> dict[str, Any]:
    site: SiteInfo = row["site"]
    steps = []
    for service_id, (wait_sum, waits, service_sum, services) in zip(
        key.split(">"), row["steps"], strict=True
    ):
        desk = site.desks.get(service_id)
        visible = scope.desk(site, service_id) is not None
        steps.append(
            {
                "service": service_id,
                "name": desk.name if desk else service_id,
                "visible": visible,
                "mean_wait": round(wait_sum / waits, 1) if visible and waits else None,
                "mean_service": round(service_sum / services, 1) if visible and services else None,
            }
        )
    return {
        "path": key.split(">"),
        "steps": steps,
        "visits": row["visits"],
        "left_before_service": row["left"],
        "left_share": round(row["left"] / row["visits"], 4) if row["visits"] else None,
    }


def heatmap_report(
    days: Iterable[SiteDay], sites: dict[str, SiteInfo], scope: Scope
) -> dict[str, Any]:
    """Visits by weekday and hour of issue: totals, and how many of each weekday there were
    with any visit (to average by)."""
    cells = [[0] * 24 for _ in range(7)]
    seen: list[set[date]] = [set() for _ in range(7)]
    for site_day in days:
        site = sites.get(site_day.site_id)
        if site is None:
            continue
        weekday = site_day.day.weekday()
        for key, path in site_day.figures["paths"].items():
            if not any(scope.desk(site, s) for s in key.split(">")):
                continue
            for hour, count in enumerate(path["visits"]):
                cells[weekday][hour] += count
            if any(path["visits"]):
                seen[weekday].add(site_day.day)
    return {
        "weekdays": [
            {
                "weekday": index,
                "name": WEEKDAYS_JA[index],
                "days": len(seen[index]),
                "visits": cells[index],
            }
            for index in range(7)
        ]
    }


def waits_report(
    days: Iterable[SiteDay], sites: dict[str, SiteInfo], scope: Scope
) -> dict[str, Any]:
    """How long people waited: counts of waits in bins of minutes, per desk and in total."""
    labels = [f"{low}〜{high}分" for low, high in zip((0, *WAIT_BINS), WAIT_BINS, strict=False)]
    labels.append(f"{WAIT_BINS[-1]}分以上")
    total = [0] * len(labels)
    edges = [high * 60 for high in WAIT_BINS]
    by_desk: dict[str, list[int]] = {}
    for site_day in days:
        site = sites.get(site_day.site_id)
        if site is None:
            continue
        for service_id, f in site_day.figures["services"].items():
            if scope.desk(site, service_id) is None:
                continue
            row = by_desk.setdefault(service_id, [0] * len(labels))
            for seconds in itertools.chain.from_iterable(f["waits"].values()):
                index = bisect.bisect_right(edges, seconds)  # the first bin it is below
                row[index] += 1
                total[index] += 1
    return {
        "bins": labels,
        "total": total,
        "by_service": [
            {"service": sid, "counts": counts} for sid, counts in sorted(by_desk.items())
        ],
    }
