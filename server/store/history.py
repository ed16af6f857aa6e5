"""Reads of the event log for the public pages: when tickets were issued, for usual crowding."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from . import schema
from .db import as_utc


def issued_moments(engine: Engine, site_id: str, since: datetime) -> list[datetime]:
    """When each ticket of the site was issued since `since` (first desks only: one a visit)."""
    e = schema.events
    with engine.connect() as conn:
        rows = conn.execute(
            select(e.c.at).where(e.c.site_id == site_id, e.c.kind == "issued", e.c.at >= since)
        )
        return [moment for row in rows if (moment := as_utc(row.at)) is not None]
