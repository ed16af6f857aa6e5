"""Reading and writing queue state: tickets, counters, numbering, the event log, commands."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select
from sqlalchemy.dialects import sqlite

from ..domain.events import Event, EventKind
from ..domain.model import LIVE, CounterState, Ticket, TicketStatus
from ..domain.numbering import BandCursor
from . import pgbatch, schema
from .db import as_utc
from .leases import Fence


@dataclass(frozen=True)
class CommandRecord:
    """The stored first answer to an idempotent command."""

    key: str
    request_hash: str
    status: int
    response: dict[str, Any]


@dataclass
class Batch:
    """Everything one group commit writes, in one transaction."""

    tickets: list[Ticket]
    counters: list[tuple[str, CounterState]]  # (site id, state)
    cursors: list[tuple[str, BandCursor]]  # (site id, cursor)
    events: list[Event]
    commands: list[tuple[CommandRecord, datetime]]
    audit: list[dict[str, Any]] = field(default_factory=list)  # rows of schema.audit_log

    def site_ids(self) -> set[str]:
        """The sites whose queues this batch changes."""
        return ({t.site_id for t in self.tickets} | {s for s, _ in self.counters}
                | {s for s, _ in self.cursors} | {e.site_id for e in self.events})


_UPSERTS: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Any] = {}


def _upsert(
    conn: Connection, table: Table, rows: list[dict[str, Any]], keys: Sequence[str]
) -> None:
    """SQLite's INSERT ... ON CONFLICT DO UPDATE of `rows`."""
    shape = (table.name, tuple(rows[0]), tuple(keys))
    statement = _UPSERTS.get(shape)
    if statement is None:  # built once per table and column set, not once per commit
        stmt = sqlite.insert(table)
        updates = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
        statement = _UPSERTS[shape] = stmt.on_conflict_do_update(
            index_elements=list(keys), set_=updates)
    conn.execute(statement, rows)


def write_batch(conn: Connection, batch: Batch, fence: Fence | None = None) -> None:
    """Write one batch in a single short transaction (one fsync for the lot). `fence`: a
    cluster's check of its leases, in the same transaction; it refuses the lot (Fenced).
    On PostgreSQL the batch is one statement (store/pgbatch.py)."""
    rows = [
        [ticket_row(t) for t in batch.tickets],
        [counter_row(site, c) for site, c in batch.counters],
        [{"site_id": site, "band": c.key, "day": c.day, "last": c.last}
         for site, c in batch.cursors],
        [event_row(e) for e in batch.events],
        [{"key": c.key, "request_hash": c.request_hash, "status": c.status,
          "response": c.response, "created_at": at} for c, at in batch.commands],
        list(batch.audit),
    ]
    if conn.dialect.name == "postgresql":
        pgbatch.write(conn, rows, fence)
        return
    if fence is not None:
        raise ValueError("site leases are kept in PostgreSQL only")
    with conn.begin():
        for (table, keys), table_rows in zip(pgbatch.TABLES, rows, strict=True):
            if not table_rows:
                continue
            if keys:
                _upsert(conn, table, table_rows, keys)
            else:
                conn.execute(table.insert(), table_rows)


def ticket_row(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id, "site_id": t.site_id, "business_day": t.business_day, "number": t.number,
        "label": t.label, "purposes": list(t.purposes), "purpose_index": t.purpose_index,
        "service_id": t.service_id, "status": t.status.value, "stage": t.stage,
        "priority": t.priority, "language": t.language, "public_token": t.public_token,
        "issued_at": t.issued_at, "rank_at": t.rank_at, "counter_id": t.counter_id,
        "staff": t.staff, "called_at": t.called_at, "calls": t.calls, "requeues": t.requeues,
        "transferred_from": t.transferred_from, "note": t.note, "updated_at": t.updated_at,
        "closed_reason": t.closed_reason, "slot_at": t.slot_at,
    }


def ticket_from_row(r: Any) -> Ticket:
    issued_at = as_utc(r.issued_at)
    rank_at = as_utc(r.rank_at)
    assert issued_at is not None and rank_at is not None
    return Ticket(
        id=r.id, site_id=r.site_id, business_day=r.business_day, number=r.number,
        label=r.label, purposes=tuple(r.purposes), purpose_index=r.purpose_index,
        service_id=r.service_id, status=TicketStatus(r.status), stage=r.stage,
        priority=bool(r.priority), language=r.language, public_token=r.public_token,
        issued_at=issued_at, rank_at=rank_at, counter_id=r.counter_id, staff=r.staff,
        called_at=as_utc(r.called_at), calls=r.calls, requeues=r.requeues,
        transferred_from=r.transferred_from, note=r.note, updated_at=as_utc(r.updated_at),
        closed_reason=r.closed_reason, slot_at=as_utc(r.slot_at),
    )


def counter_row(site_id: str, c: CounterState) -> dict[str, Any]:
    return {"site_id": site_id, "counter_id": c.counter_id, "status": c.status,
            "ticket_id": c.ticket_id, "staff": c.staff, "streak_priority": c.streak_priority,
            "streak": c.streak, "updated_at": c.updated_at}


def event_row(e: Event) -> dict[str, Any]:
    return {"seq": e.seq, "site_id": e.site_id, "at": e.at, "kind": e.kind.value,
            "ticket_id": e.ticket_id, "stage": e.stage, "service_id": e.service_id,
            "counter_id": e.counter_id, "staff": e.staff, "data": e.data}


def event_from_row(r: Any) -> Event:
    at = as_utc(r.at)
    assert at is not None
    return Event(kind=EventKind(r.kind), site_id=r.site_id, at=at, ticket_id=r.ticket_id,
                 stage=r.stage, service_id=r.service_id, counter_id=r.counter_id,
                 staff=r.staff, data=dict(r.data), seq=r.seq)


@dataclass
class SiteRows:
    tickets: list[Ticket]
    counters: list[CounterState]
    cursors: list[BandCursor]


def load_site(engine: Engine, site_id: str, since_day: date) -> SiteRows:
    """The state a site's queue is rebuilt from: live tickets, and all tickets from `since_day`."""
    t = schema.tickets
    live = [s.value for s in LIVE]
    with engine.connect() as conn:
        tickets = [ticket_from_row(r) for r in conn.execute(
            select(t).where(t.c.site_id == site_id)
            .where(t.c.status.in_(live) | (t.c.business_day >= since_day))
            .order_by(t.c.id))]
        counters = [
            CounterState(r.counter_id, r.status, r.ticket_id, r.staff, bool(r.streak_priority),
                         r.streak, as_utc(r.updated_at))
            for r in conn.execute(select(schema.counter_states)
                                  .where(schema.counter_states.c.site_id == site_id))]
        cursors = [BandCursor(r.band, r.day, r.last) for r in conn.execute(
            select(schema.band_cursors).where(schema.band_cursors.c.site_id == site_id))]
    return SiteRows(tickets, counters, cursors)


def recent_events(engine: Engine, site_id: str, kinds: Iterable[EventKind],
                  since: datetime) -> list[Event]:
    """A site's events of `kinds` stored at or after `since`, oldest first: read backwards
    along the log's (site, seq) index and stopped at the first older event, so a long log
    costs only its recent part."""
    e = schema.events
    wanted = {k.value for k in kinds}
    found: list[Event] = []
    with engine.connect() as conn:
        rows = conn.execute(select(e).where(e.c.site_id == site_id).order_by(e.c.seq.desc())
                            .execution_options(yield_per=500))
        for r in rows:
            at = as_utc(r.at)
            if at is not None and at < since:
                break
            if r.kind in wanted:
                found.append(event_from_row(r))
    found.reverse()
    return found


def high_water(engine: Engine) -> tuple[int, int]:
    """The highest ticket id and event sequence number stored so far."""
    with engine.connect() as conn:
        ticket_id = conn.execute(select(func.max(schema.tickets.c.id))).scalar() or 0
        seq = conn.execute(select(func.max(schema.events.c.seq))).scalar() or 0
    return int(ticket_id), int(seq)


def events_since(engine: Engine, site_ids: Iterable[str], since: int, limit: int) -> list[Event]:
    """Events after `since` for the given sites, oldest first, at most `limit` of them."""
    e = schema.events
    with engine.connect() as conn:
        rows = conn.execute(
            select(e).where(e.c.site_id.in_(list(site_ids))).where(e.c.seq > since)
            .order_by(e.c.seq).limit(limit))
        return [event_from_row(r) for r in rows]


def ticket_events(engine: Engine, ticket_id: int) -> list[Event]:
    e = schema.events
    with engine.connect() as conn:
        rows = conn.execute(select(e).where(e.c.ticket_id == ticket_id).order_by(e.c.seq))
        return [event_from_row(r) for r in rows]


def find_ticket(engine: Engine, ticket_id: int) -> Ticket | None:
    with engine.connect() as conn:
        row = conn.execute(select(schema.tickets).where(schema.tickets.c.id == ticket_id)).first()
    return ticket_from_row(row) if row else None


def find_command(engine: Engine, key: str) -> CommandRecord | None:
    c = schema.commands
    with engine.connect() as conn:
        row = conn.execute(select(c).where(c.c.key == key)).first()
    return CommandRecord(row.key, row.request_hash, row.status, dict(row.response)) if row else None


def command_keys_since(engine: Engine, since: datetime) -> list[tuple[str, datetime]]:
    """The keys of the commands stored since `since`, with when (ix_commands_created_at)."""
    c = schema.commands
    with engine.connect() as conn:
        rows = conn.execute(select(c.c.key, c.c.created_at).where(c.c.created_at >= since))
        return [(key, as_utc(at) or since) for key, at in rows]  # created_at is never NULL


def purge_commands(engine: Engine, before: datetime) -> int:
    with engine.begin() as conn:
        result = conn.execute(schema.commands.delete().where(schema.commands.c.created_at < before))
    return int(result.rowcount or 0)


def find_ticket_by_token(engine: Engine, public_token: str) -> Ticket | None:
    t = schema.tickets
    with engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.public_token == public_token)).first()
    return ticket_from_row(row) if row else None
