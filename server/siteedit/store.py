"""Storing the changes to a running site: an administrator's layer, a manager's settings,
devices' places and switches, and the audit row of the change, always in one transaction
(portable SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..store import audit, schema


@dataclass
class StoredChange:
    """Everything one change writes; all of it is stored, or none of it."""

    site_id: str
    layer: dict[str, Any] | None  # None: the site's layer is unchanged
    overrides: dict[str, Any] | None = None  # the managers' settings, when the change touches them
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> column values
    audit: Sequence[dict[str, Any]] = ()


def all_layers(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r.site_id: dict(r.layer) for r in conn.execute(select(schema.site_layers))}


def all_overrides(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r.site_id: dict(r.overrides) for r in conn.execute(select(schema.site_overrides))}


def save(engine: Engine, change: StoredChange, now: datetime, by: str) -> None:
    with engine.begin() as conn:
        if change.layer is not None:
            _put_layer(conn, change.site_id, change.layer, now, by)
        if change.overrides is not None:
            _put_overrides(conn, change.site_id, change.overrides, now, by)
        d = schema.devices
        for device_id, values in change.devices.items():
            conn.execute(update(d).where(d.c.id == device_id).values(**values))
        audit.insert(conn, list(change.audit))


def _put_layer(conn: Connection, site_id: str, layer: dict[str, Any], now: datetime,
               by: str) -> None:
    t = schema.site_layers
    conn.execute(delete(t).where(t.c.site_id == site_id))
    if layer:
        conn.execute(t.insert().values(site_id=site_id, layer=layer, updated_at=now,
                                       updated_by=by))


def _put_overrides(conn: Connection, site_id: str, overrides: dict[str, Any], now: datetime,
                   by: str) -> None:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(schema.site_overrides).values(site_id=site_id, overrides=overrides,
                                                updated_at=now, updated_by=by)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["site_id"],
        set_={"overrides": stmt.excluded.overrides, "updated_at": stmt.excluded.updated_at,
              "updated_by": stmt.excluded.updated_by},
    ))


def device_rows(engine: Engine, site_ids: Sequence[str] | None = None) -> list[Any]:
    """Kiosks and displays (revoked ones left out), for the configuration view."""
    d = schema.devices
    query = select(d).where(d.c.role.in_(("kiosk", "display")), d.c.revoked_at.is_(None))
    if site_ids is not None:
        query = query.where(d.c.site_id.in_(list(site_ids)))
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(d.c.site_id, d.c.role, d.c.id)))
