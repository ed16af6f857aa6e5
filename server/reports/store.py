"""Reading the event log for reports, keeping the daily aggregates, and purging old detail.

Portable SQLAlchemy Core (SQLite and PostgreSQL). Every function takes a connection the
caller opened: reports run in gevent's thread pool on a read connection of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from ..store import schema
from ..store.db import as_utc
from .stages import LogRow

metadata = MetaData()

# One row per site and business day: its figures (see days.py), kept when the detailed
# log is purged. Created by migration 0003_reports.
daily_aggregates = Table(
    "daily_aggregates",
    metadata,
    Column("site_id", String(64), primary_key=True),
    Column("business_day", Date, primary_key=True),
    Column("figures", JSON, nullable=False),
    Column("source_seq", BigInteger, nullable=False),  # the newest event when it was built
    Column("built_at", DateTime(timezone=True), nullable=False),
    Column("purged", Boolean, nullable=False, default=False),  # the day's detail is gone
)

COUNTER_KINDS = ("counter_opened", "counter_paused", "counter_resumed", "counter_closed")
TICKET_KINDS = (
    "issued",
    "queued",
    "transferred",
    "requeued",
    "returned",
    "called",
    "started",
    "finished",
    "no_show",
    "parked",
    "cancelled",
    "done",
)
LIVE = ("waiting", "called", "serving", "parked")
_e = schema.events
_t = schema.tickets
_a = daily_aggregates


@dataclass(frozen=True)
class Stored:
    figures: dict[str, Any]
    source_seq: int
    purged: bool


def _row(r: Any) -> LogRow:
    at = as_utc(r.at)
    assert at is not None
    return LogRow(r.seq, at, r.kind, r.ticket_id, r.stage, r.service_id, r.counter_id, r.data or {})


_COLUMNS = (
    _e.c.seq,
    _e.c.at,
    _e.c.kind,
    _e.c.ticket_id,
    _e.c.stage,
    _e.c.service_id,
    _e.c.counter_id,
    _e.c.data,
)


def newest_seq(conn: Connection) -> int:
    return int(conn.execute(select(func.max(_e.c.seq))).scalar() or 0)


# Only these events' details are read (decoding every event's JSON would double the time a
# year takes); the label comes from the ticket.
_DETAILED = ("finished", "cancelled")


def ticket_rows(
    conn: Connection, site_id: str, first: date, last: date
) -> Iterator[tuple[date, LogRow]]:
    """The events of the tickets issued at a site on business days first..last, each with
    its ticket's business day, in sequence order. `data` holds the label of an issue and
    the details of a finish or a cancellation; other events' data is left out."""
    data = type_coerce(case((_e.c.kind.in_(_DETAILED), _e.c.data)), JSON).label("data")
    query = (
        select(_t.c.business_day, _t.c.label, *_COLUMNS[:-1], data)
        .select_from(_e.join(_t, _e.c.ticket_id == _t.c.id))
        .where(
            _t.c.site_id == site_id,
            _t.c.business_day >= first,
            _t.c.business_day <= last,
            _e.c.kind.in_(TICKET_KINDS),
        )
        .order_by(_e.c.seq)
    )
    for r in conn.execute(query):
        at = as_utc(r.at)
        assert at is not None
        details = {"label": r.label} if r.kind == "issued" else r.data or {}
        yield (
            r.business_day,
            LogRow(r.seq, at, r.kind, r.ticket_id, r.stage, r.service_id, r.counter_id, details),
        )


def ticket_days(conn: Connection, site_id: str, first: date, last: date) -> dict[int, date]:
    """The business day of each ticket issued at the site on days first..last."""
    query = select(_t.c.id, type_coerce(_t.c.business_day, String)).where(
        _t.c.site_id == site_id, _t.c.business_day >= first, _t.c.business_day <= last
    )
    days: dict[Any, date] = {}  # one date object per day, not per ticket
    found = {}
    for rows in conn.execute(query).partitions(5000):
        for ticket_id, day in rows:
            if day not in days:
                days[day] = day if isinstance(day, date) else date.fromisoformat(day)
            found[int(ticket_id)] = days[day]
    return found


def first_seq(conn: Connection, site_id: str, first_ticket: int | None, start: datetime) -> int:
    """Where a scan of the log for the days from `start` on begins: the first event of the
    first ticket of those days (tickets are numbered in the order their issue is stored,
    so later tickets' events come after it) or the first counter event from `start` on."""
    found = []
    if first_ticket is not None:
        found.append(conn.execute(select(func.min(_e.c.seq)).where(_e.c.ticket_id == first_ticket)))
    found.append(
        conn.execute(
            select(func.min(_e.c.seq)).where(
                _e.c.site_id == site_id, _e.c.kind.in_(COUNTER_KINDS), _e.c.at >= start
            )
        )
    )
    seqs = [int(v) for v in (r.scalar() for r in found) if v is not None]
    return min(seqs, default=newest_seq(conn) + 1)


_EMPTY: dict[str, Any] = {}


def scan(conn: Connection, site_id: str, since_seq: int) -> Iterator[LogRow]:
    """The site's ticket and counter events from `since_seq` on, in sequence order, read in
    one pass with few conversions: times come back as stored (parsed here), and of the
    events' data only what the figures need (a finish's outcome and placement, a
    cancellation's reason)."""
    finished = _e.c.kind == "finished"
    query = (
        select(
            _e.c.seq,
            type_coerce(_e.c.at, String),
            _e.c.kind,
            _e.c.ticket_id,
            _e.c.stage,
            _e.c.service_id,
            _e.c.counter_id,
            case((finished, _e.c.data["outcome"].as_string())),
            case((finished, _e.c.data["placement"].as_integer())),
            case((_e.c.kind == "cancelled", _e.c.data["reason"].as_string())),
        )
        .where(
            _e.c.site_id == site_id,
            _e.c.seq >= since_seq,
            _e.c.kind.in_((*TICKET_KINDS, *COUNTER_KINDS)),
        )
        .order_by(_e.c.seq)
    )
    for rows in conn.execute(query).partitions(5000):  # fetched in batches, not row by row
        for seq, at, kind, ticket, stage, service, counter, outcome, placement, reason in rows:
            if kind == "finished":
                data = {"outcome": outcome, "placement": bool(placement)}
            elif reason is not None:
                data = {"reason": reason}
            else:
                data = _EMPTY
            yield LogRow(seq, _moment(at), kind, ticket, stage, service, counter, data)


def _moment(value: Any) -> datetime:
    """A stored time as aware UTC: SQLite hands back the stored text (naive UTC), other
    databases a datetime."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value + "+00:00")  # much faster than .replace()
        except ValueError:  # stored with its offset
            return datetime.fromisoformat(value).astimezone(UTC)
    moment = as_utc(value)
    assert moment is not None
    return moment


def counters_before(conn: Connection, site_id: str, start: datetime) -> list[LogRow]:
    """Each counter's last opening, pausing or closing before `start`: its state then."""
    before = (
        select(_e.c.counter_id, func.max(_e.c.seq).label("seq"))
        .where(_e.c.site_id == site_id, _e.c.kind.in_(COUNTER_KINDS), _e.c.at < start)
        .group_by(_e.c.counter_id)
        .subquery()
    )
    earlier = conn.execute(
        select(*_COLUMNS).where(_e.c.seq.in_(select(before.c.seq))).order_by(_e.c.seq)
    )
    return [_row(r) for r in earlier]


def counter_rows(conn: Connection, site_id: str, start: datetime, end: datetime) -> list[LogRow]:
    """The counters' opening, pausing and closing in [start, end), each counter's last
    such event before `start` first (its state when the window opens)."""
    within = conn.execute(
        select(*_COLUMNS)
        .where(
            _e.c.site_id == site_id, _e.c.kind.in_(COUNTER_KINDS), _e.c.at >= start, _e.c.at < end
        )
        .order_by(_e.c.seq)
    )
    return counters_before(conn, site_id, start) + [_row(r) for r in within]


def first_changed(conn: Connection, site_id: str, seq: int) -> tuple[date | None, datetime | None]:
    """What the site's events stored after `seq` may have changed: the earliest business
    day of a ticket they touched, and the earliest moment of a counter's opening, pausing
    or closing among them. Other events (printing, alerts, the day's close) change no
    figure."""
    ticket_day = conn.execute(
        select(func.min(_t.c.business_day))
        .select_from(_e.join(_t, _e.c.ticket_id == _t.c.id))
        .where(_e.c.site_id == site_id, _e.c.seq > seq, _e.c.kind.in_(TICKET_KINDS))
    ).scalar()
    moment = conn.execute(
        select(func.min(_e.c.at)).where(
            _e.c.site_id == site_id, _e.c.seq > seq, _e.c.kind.in_(COUNTER_KINDS)
        )
    ).scalar()
    return ticket_day, as_utc(moment)


def closed_at(conn: Connection, site_id: str) -> datetime | None:
    """When the site's day was last closed, if nothing that changes a figure (a ticket's or
    a counter's event) happened since: the day's figures are then final."""
    last = conn.execute(
        select(func.max(_e.c.seq)).where(_e.c.site_id == site_id, _e.c.kind == "day_closed")
    ).scalar()
    if last is None:
        return None
    since = conn.execute(
        select(_e.c.seq)
        .where(
            _e.c.site_id == site_id,
            _e.c.seq > last,
            _e.c.kind.in_((*TICKET_KINDS, *COUNTER_KINDS)),
        )
        .limit(1)
    ).first()
    if since is not None:
        return None
    return as_utc(conn.execute(select(_e.c.at).where(_e.c.seq == last)).scalar())


def first_detail_day(conn: Connection, site_id: str) -> date | None:
    """The site's oldest business day with tickets in the detailed log."""
    return conn.execute(  # type: ignore[no-any-return]
        select(func.min(_t.c.business_day)).where(_t.c.site_id == site_id)
    ).scalar()


# ---- daily aggregates ---------------------------------------------------------------------


def stored_days(
    conn: Connection, site_id: str, first: date, last: date, figures: bool = True
) -> dict[date, Stored]:
    """The site's stored days first..last; without `figures`, only which days are stored
    (their figures are left unread, as empty dicts)."""
    columns = [_a.c.business_day, _a.c.source_seq, _a.c.purged]
    if figures:
        columns.append(_a.c.figures)
    rows = conn.execute(
        select(*columns).where(
            _a.c.site_id == site_id, _a.c.business_day >= first, _a.c.business_day <= last
        )
    )
    return {
        r.business_day: Stored(r.figures if figures else {}, int(r.source_seq), bool(r.purged))
        for r in rows
    }


def newest_build(conn: Connection, site_id: str) -> int | None:
    """The newest event any of the site's stored days was built with."""
    value = conn.execute(select(func.max(_a.c.source_seq)).where(_a.c.site_id == site_id)).scalar()
    return None if value is None else int(value)


def days_to_forget(conn: Connection, site_id: str, since: date) -> int:
    """How many stored days `forget_days` would drop."""
    return int(
        conn.execute(
            select(func.count()).where(
                _a.c.site_id == site_id, _a.c.business_day >= since, _a.c.purged.is_(False)
            )
        ).scalar()
        or 0
    )


def forget_days(conn: Connection, site_id: str, since: date) -> int:
    """Drop the site's stored days from `since` on (their log changed), except purged ones,
    which can never be built again."""
    result = conn.execute(
        delete(_a).where(
            _a.c.site_id == site_id, _a.c.business_day >= since, _a.c.purged.is_(False)
        )
    )
    return int(result.rowcount or 0)


def save_days(
    conn: Connection, site_id: str, days: dict[date, dict[str, Any]], seq: int, now: datetime
) -> None:
    if not days:
        return
    rows = [
        {
            "site_id": site_id,
            "business_day": day,
            "figures": figures,
            "source_seq": seq,
            "built_at": now,
            "purged": False,
        }
        for day, figures in days.items()
    ]
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(_a)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["site_id", "business_day"],
            set_={
                "figures": stmt.excluded.figures,
                "source_seq": stmt.excluded.source_seq,
                "built_at": stmt.excluded.built_at,
            },
            where=_a.c.purged.is_(False),
        ),
        rows,
    )


def days_older_than(conn: Connection, site_id: str, version: int) -> dict[date, dict[str, Any]]:
    """The site's stored days whose figures are of a version before `version`."""
    older = func.coalesce(_a.c.figures["v"].as_integer(), 1) < version
    rows = conn.execute(
        select(_a.c.business_day, _a.c.figures).where(_a.c.site_id == site_id, older)
    )
    return {r.business_day: r.figures for r in rows}


def replace_figures(conn: Connection, site_id: str, days: dict[date, dict[str, Any]]) -> None:
    """New figures for stored days, purged or not (their form changed, not what they say)."""
    for day, figures in days.items():
        conn.execute(
            update(_a)
            .where(_a.c.site_id == site_id, _a.c.business_day == day)
            .values(figures=figures)
        )


# ---- retention ----------------------------------------------------------------------------


def detail_days(conn: Connection, site_id: str, before: date) -> list[date]:
    """Business days before `before` that still have tickets in the detailed log."""
    rows = conn.execute(
        select(_t.c.business_day)
        .distinct()
        .where(_t.c.site_id == site_id, _t.c.business_day < before)
        .order_by(_t.c.business_day)
    )
    return [r.business_day for r in rows]


def oldest_event(conn: Connection, site_id: str) -> datetime | None:
    return as_utc(conn.execute(select(func.min(_e.c.at)).where(_e.c.site_id == site_id)).scalar())


def purge_detail(
    conn: Connection, site_id: str, before: date, start: datetime, keep: tuple[tuple[int, ...], int]
) -> tuple[int, int]:
    """Delete the site's finished tickets of business days before `before` with their
    events, and its other events before `start`; mark those days' aggregates as purged.
    `keep` (the newest ticket ids and event number) are never deleted: the server numbers
    on from them. Answers (tickets, events) deleted."""
    keep_tickets, keep_seq = keep
    old = select(_t.c.id).where(
        _t.c.site_id == site_id,
        _t.c.business_day < before,
        _t.c.status.not_in(LIVE),
        _t.c.id.not_in(keep_tickets),
    )
    events = conn.execute(delete(_e).where(_e.c.ticket_id.in_(old), _e.c.seq != keep_seq))
    rest = conn.execute(
        delete(_e).where(
            _e.c.site_id == site_id, _e.c.ticket_id.is_(None), _e.c.at < start, _e.c.seq != keep_seq
        )
    )
    tickets = conn.execute(delete(_t).where(_t.c.id.in_(old)))
    conn.execute(
        update(_a)
        .where(and_(_a.c.site_id == site_id, _a.c.business_day < before))
        .values(purged=True)
    )
    return int(tickets.rowcount or 0), int((events.rowcount or 0) + (rest.rowcount or 0))


def newest_ids(conn: Connection) -> tuple[tuple[int, ...], int]:
    """What a purge must keep: the newest ticket, the newest event and that event's ticket."""
    ticket_id = int(conn.execute(select(func.max(_t.c.id))).scalar() or 0)
    seq = newest_seq(conn)
    of_event = conn.execute(select(_e.c.ticket_id).where(_e.c.seq == seq)).scalar()
    return tuple({ticket_id, int(of_event or 0)}), seq


def sites_with_aggregates(conn: Connection) -> Iterable[str]:
    return [r[0] for r in conn.execute(select(_a.c.site_id).distinct())]
