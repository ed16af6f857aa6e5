"""One site's business day, summed up: the daily aggregate every report is merged from.

The figures of a day are plain JSON (stored in `daily_aggregates` once the day is over, and
kept when the detailed log is purged):

- `services`: per desk, 24 hourly counts of `arrivals` (joins of the desk's queue: new
  tickets, next purposes, transfers in), `served` (stages finished), `placements`,
  `no_shows` (requeued or ended), `cancelled`, `closed` (still live at the day's close),
  `transfers` (sent on to another desk); `waits` and `times`, by clock hour ("9"), the
  seconds of each called stage's wait and of each served stage's service time;
  `waiting`, person-seconds spent waiting in each clock hour. Counts, waits and times
  fall in the hour the stage joined the queue. (Version 1 kept `waits` and `times` as
  lists of [hour, seconds] pairs: `current` turns such a stored day into this form.)
- `counters`: per counter, seconds `open` (not paused), `paused` and `serving` in each clock
  hour, and the visitors it `served` (finished or sent on after serving) by the hour it
  began serving them.
- `paths`: per sequence of desks ("career>job"), `visits` by hour of issue, `left` (ended
  before any desk served them) and per step [wait sum, waits, service sum, services].
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from .stages import LogRow, Visit

VERSION = 2
HOURS = [str(hour) for hour in range(24)]  # the keys of `waits` and `times`
COUNTS = ("arrivals", "served", "placements", "no_shows", "cancelled", "closed", "transfers")
COUNTER_SPANS = ("open", "paused", "serving")
_END_COUNTS = {
    "finished": "served",
    "requeued": "no_shows",
    "no_show": "no_shows",
    "cancelled": "cancelled",
    "day_closed": "closed",
    "transferred": "transfers",
}
_COUNTER_STATUS = {
    "counter_opened": "open",
    "counter_resumed": "open",
    "counter_paused": "paused",
    "counter_closed": "closed",
}


def empty_day() -> dict[str, Any]:
    return {"v": VERSION, "services": {}, "counters": {}, "paths": {}}


def current(day: dict[str, Any]) -> dict[str, Any]:
    """A stored day's figures in this version's form (a day stored by version 1 had its
    waits and service times as [hour, seconds] pairs; purged days cannot be built again)."""
    if day.get("v", 1) >= VERSION:
        return day
    for figures in day["services"].values():
        for name in ("waits", "times"):
            by_hour: dict[str, list[int]] = {}
            for hour, seconds in figures[name]:
                by_hour.setdefault(HOURS[hour], []).append(seconds)
            figures[name] = by_hour
    day["v"] = VERSION
    return day


def _hours() -> list[float]:
    return [0] * 24


class _Clock:
    """Local clock hours of moments in one business day (one UTC offset for the day)."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset.total_seconds()

    def hour(self, moment: datetime) -> int:
        return int((moment.timestamp() + self.offset) // 3600 % 24)

    def spread(self, begin: datetime, end: datetime, into: list[float]) -> None:
        """Add the seconds of [begin, end) to the clock hours they fall in."""
        a = begin.timestamp() + self.offset
        b = end.timestamp() + self.offset
        while a < b:
            boundary = (a // 3600 + 1) * 3600
            upto = min(boundary, b)
            into[int(a // 3600 % 24)] += upto - a
            a = upto


def _service(day: dict[str, Any], service_id: str) -> dict[str, Any]:
    found = day["services"].get(service_id)
    if found is None:
        found = {name: _hours() for name in COUNTS}
        found.update({"waits": {}, "times": {}, "waiting": _hours()})
        day["services"][service_id] = found
    return found  # type: ignore[no-any-return]


def build_day(
    visits: Iterable[Visit],
    counter_rows: Iterable[LogRow],
    window: tuple[datetime, datetime],
    offset: timedelta,
    until: datetime | None = None,
) -> dict[str, Any]:
    """The figures of one business day: its visits (tickets issued that day) and the
    counter events of its window, the first being each counter's state at its start.
    `until` cuts off what is still going on (today: now)."""
    clock = _Clock(offset)
    start, end = window
    cut = min(end, until) if until else end
    day = empty_day()
    serving: dict[str, list[tuple[datetime, datetime]]] = {}
    for visit in visits:
        _add_visit(day, visit, clock, cut, serving)
    _add_counters(day, counter_rows, clock, start, cut, serving)
    return _rounded(day)


def _add_visit(
    day: dict[str, Any],
    visit: Visit,
    clock: _Clock,
    cut: datetime,
    serving: dict[str, list[tuple[datetime, datetime]]],
) -> None:
    for stage in visit.stages:
        figures = _service(day, stage.service_id)
        hour = clock.hour(stage.queued_at)
        if stage.entry in ("issued", "queued", "transferred"):
            figures["arrivals"][hour] += 1
        if stage.end in _END_COUNTS:  # a parked stage is neither: it comes back or ends
            figures[_END_COUNTS[stage.end]][hour] += 1
        if stage.placement:
            figures["placements"][hour] += 1
        wait = stage.wait_seconds()
        if wait is not None:
            figures["waits"].setdefault(HOURS[hour], []).append(round(wait))
        waited_until = min(stage.called_at or stage.ended_at or cut, cut)
        if waited_until > stage.queued_at:
            clock.spread(stage.queued_at, waited_until, figures["waiting"])
        span = stage.service_span()
        if span is not None:
            seconds = round((span[1] - span[0]).total_seconds())
            figures["times"].setdefault(HOURS[hour], []).append(seconds)
            if stage.counter_id:
                serving.setdefault(stage.counter_id, []).append(span)
    _add_path(day, visit, clock)


def _add_path(day: dict[str, Any], visit: Visit, clock: _Clock) -> None:
    steps = visit.path()
    if not steps:
        return
    key = ">".join(step[0].service_id for step in steps)
    path = day["paths"].get(key)
    if path is None:
        path = day["paths"][key] = {
            "visits": _hours(),
            "left": 0,
            "steps": [[0, 0, 0, 0] for _ in steps],
        }
    path["visits"][clock.hour(visit.issued_at)] += 1
    path["left"] += visit.left_unserved
    for index, step in enumerate(steps):
        totals = path["steps"][index]
        for stage in step:
            wait, service = stage.wait_seconds(), stage.service_seconds()
            if wait is not None:
                totals[0] += round(wait)
                totals[1] += 1
            if service is not None:
                totals[2] += round(service)
                totals[3] += 1


def _add_counters(
    day: dict[str, Any],
    rows: Iterable[LogRow],
    clock: _Clock,
    start: datetime,
    cut: datetime,
    serving: dict[str, list[tuple[datetime, datetime]]],
) -> None:
    """Open and paused time from the counters' events; serving time from the stages."""
    status: dict[str, tuple[str, datetime]] = {}
    counters: dict[str, dict[str, list[float]]] = {}

    def figures(counter_id: str) -> dict[str, list[float]]:
        if counter_id not in counters:
            counters[counter_id] = {name: _hours() for name in (*COUNTER_SPANS, "served")}
        return counters[counter_id]

    def settle(counter_id: str, upto: datetime) -> None:
        state, since = status.get(counter_id, ("closed", start))
        begin = max(since, start)
        if state in ("open", "paused") and upto > begin:
            clock.spread(begin, upto, figures(counter_id)[state])

    for row in rows:
        new = _COUNTER_STATUS.get(row.kind)
        if new is None or row.counter_id is None:
            continue
        moment = min(max(row.at, start), cut)
        settle(row.counter_id, moment)
        status[row.counter_id] = (new, moment)
    for counter_id in list(status):
        settle(counter_id, cut)
    for counter_id, spans in serving.items():
        target = figures(counter_id)["serving"]
        for begin, end in spans:
            figures(counter_id)["served"][clock.hour(begin)] += 1
            begin, end = max(begin, start), min(end, cut)
            if end > begin:
                clock.spread(begin, end, target)
    day["counters"] = {cid: c for cid, c in counters.items() if any(map(any, c.values()))}


def _rounded(day: dict[str, Any]) -> dict[str, Any]:
    """Seconds as whole numbers: the stored JSON stays small and exact."""
    for figures in day["services"].values():
        figures["waiting"] = [round(s) for s in figures["waiting"]]
    for figures in day["counters"].values():
        for name in COUNTER_SPANS:
            figures[name] = [round(s) for s in figures[name]]
    return day
