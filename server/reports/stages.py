"""From the event log to stages and visits: the wait-time log every report is built from.

A stage is one wait at one desk and what followed it: it begins when the ticket joins a
desk's queue (issued, the next purpose queued, transferred, requeued after a no-show,
returned after being parked) and ends with the event that took it out of that queue or off
the counter (finished, transferred, no-show, parked, cancelled). A visit is a ticket: all its
stages, in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple


class LogRow(NamedTuple):
    """One row of the event log, as the store reads it."""

    seq: int
    at: datetime  # aware UTC
    kind: str
    ticket_id: int | None
    stage: int | None
    service_id: str | None
    counter_id: str | None
    data: dict[str, Any]


ENTRIES = ("issued", "queued", "transferred", "requeued", "returned")
# How a stage ended ("end"), besides None while it is still open.
ENDS = ("finished", "transferred", "requeued", "no_show", "parked", "cancelled", "day_closed")
NO_SHOW_ENDS = ("requeued", "no_show")
LEFT_ENDS = ("no_show", "cancelled", "day_closed")  # how a visit ends unserved


@dataclass(slots=True)
class Stage:
    """One wait at one desk and what came of it."""

    ticket_id: int
    stage: int
    label: str
    service_id: str
    entry: str  # one of ENTRIES
    queued_at: datetime
    called_at: datetime | None = None
    started_at: datetime | None = None  # an explicit start, before the stage ended
    ended_at: datetime | None = None
    end: str | None = None  # one of ENDS, None while open
    counter_id: str | None = None
    outcome: str | None = None
    placement: bool = False

    def wait_seconds(self) -> float | None:
        """From joining the queue to the first call; None if never called."""
        if self.called_at is None:
            return None
        return (self.called_at - self.queued_at).total_seconds()

    def service_span(self) -> tuple[datetime, datetime] | None:
        """When the counter served this visitor: from the start (or from the call, when
        staff went straight to finishing) to the finish or the transfer."""
        if self.end not in ("finished", "transferred") or self.ended_at is None:
            return None
        begin = self.started_at or self.called_at
        if begin is None:
            return None
        return begin, self.ended_at

    def service_seconds(self) -> float | None:
        span = self.service_span()
        return None if span is None else (span[1] - span[0]).total_seconds()


@dataclass
class Visit:
    """A ticket: one visitor's whole visit, through every desk."""

    ticket_id: int
    label: str
    issued_at: datetime
    business_day: date | None = None
    stages: list[Stage] = field(default_factory=list)
    done: bool = False

    @property
    def served(self) -> bool:
        """Whether any desk started serving this visitor."""
        return any(s.service_span() is not None or s.end == "finished" for s in self.stages)

    @property
    def left_unserved(self) -> bool:
        """Whether the visit ended (no-show, cancelled, closed at the day's end) before any
        desk served it."""
        last = self.stages[-1] if self.stages else None
        return last is not None and last.end in LEFT_ENDS and not self.served

    def path(self) -> list[list[Stage]]:
        """The desks of the visit in order; a requeue after a no-show or a return after
        being parked stays at the same desk (one step)."""
        steps: list[list[Stage]] = []
        for stage in self.stages:
            same_desk = steps and steps[-1][-1].service_id == stage.service_id
            if same_desk and stage.entry in ("requeued", "returned"):
                steps[-1].append(stage)
            else:
                steps.append([stage])
        return steps


def _close(stage: Stage | None, end: str, at: datetime) -> None:
    if stage is not None and stage.end is None:
        stage.end, stage.ended_at = end, at


def visits_from(rows: Iterable[LogRow], days: dict[int, date] | None = None) -> list[Visit]:
    """Every visit whose issue is among `rows` (ticket events, in sequence order)."""
    visits: dict[int, Visit] = {}
    current: dict[int, Stage] = {}
    for row in rows:
        tid = row.ticket_id
        if tid is None:
            continue
        if row.kind == "issued":
            label = str(row.data.get("label", ""))
            visits[tid] = Visit(tid, label, row.at, (days or {}).get(tid))
        visit = visits.get(tid)
        if visit is None:
            continue
        if row.kind in ENTRIES:
            current[tid] = _enter(visit, current.get(tid), row)
        elif tid in current:
            _apply(visit, current[tid], row)
    return list(visits.values())


def _enter(visit: Visit, stage: Stage | None, row: LogRow) -> Stage:
    """A new stage: the ticket joined a queue (a transfer or a requeue ends the last one)."""
    if row.kind in ("transferred", "requeued"):
        _close(stage, row.kind, row.at)
    new = Stage(
        visit.ticket_id, row.stage or 0, visit.label, row.service_id or "", row.kind, row.at
    )
    visit.stages.append(new)
    return new


def _apply(visit: Visit, stage: Stage, row: LogRow) -> None:
    """What an event after joining the queue does to the stage."""
    kind = row.kind
    if kind == "called":
        if stage.end == "parked":  # called straight from being parked
            stage.end = stage.ended_at = None
        stage.called_at = stage.called_at or row.at
        stage.counter_id = row.counter_id or stage.counter_id
    elif kind == "started":
        stage.started_at = stage.started_at or row.at
    elif kind == "finished":
        if stage.started_at == row.at:  # the start was implied by finishing
            stage.started_at = None
        _close(stage, "finished", row.at)
        stage.outcome = row.data.get("outcome")
        stage.placement = bool(row.data.get("placement"))
    elif kind in ("no_show", "parked"):
        _close(stage, kind, row.at)
    elif kind == "cancelled":
        closed = row.data.get("reason") == "day_closed"
        _close(stage, "day_closed" if closed else "cancelled", row.at)
    elif kind == "done":
        visit.done = True
