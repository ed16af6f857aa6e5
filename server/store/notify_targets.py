"""Stored notification targets: added for a live ticket, deleted with its visit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select

from . import schema


@dataclass(frozen=True)
class StoredTarget:
    id: int
    site_id: str
    ticket_id: int
    channel: str
    target: dict[str, str]


def add(
    engine: Engine,
    site_id: str,
    ticket_id: int,
    channel: str,
    target: dict[str, str],
    now: datetime,
) -> StoredTarget:
    """Store a target; one per ticket and channel (a new one replaces the old)."""
    t = schema.notify_targets
    with engine.begin() as conn:
        conn.execute(
            delete(t).where(
                t.c.site_id == site_id, t.c.ticket_id == ticket_id, t.c.channel == channel
            )
        )
        inserted = conn.execute(
            insert(t).values(
                site_id=site_id, ticket_id=ticket_id, channel=channel, target=target, created_at=now
            )
        ).inserted_primary_key
    assert inserted is not None
    row_id = inserted[0]
    return StoredTarget(int(row_id), site_id, ticket_id, channel, target)


def all_targets(engine: Engine) -> list[StoredTarget]:
    t = schema.notify_targets
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.id, t.c.site_id, t.c.ticket_id, t.c.channel, t.c.target))
        return [StoredTarget(r.id, r.site_id, r.ticket_id, r.channel, dict(r.target)) for r in rows]


def delete_ids(engine: Engine, ids: Iterable[int]) -> None:
    wanted = list(ids)
    if not wanted:
        return
    t = schema.notify_targets
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.id.in_(wanted)))
